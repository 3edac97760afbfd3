package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/toolchain"
)

type (
	installBatch   = batchMsg[toolchain.Event]
	installDoneMsg struct {
		res  *toolchain.Result
		plan *envwriter.Plan
		err  error
	}
	appliedMsg struct{ err error }
)

// progressScreen runs the install and the settings write: a download bar
// with bytes, speed and time left; verify; unpack with the file count;
// write settings. Events come through a stream, so the installer never
// waits for the terminal.
type progressScreen struct {
	started bool
	cancel  context.CancelFunc
	// exited is closed when Install has returned, so Run can wait for the
	// rollback before the process exits.
	exited   chan struct{}
	stream   *stream[toolchain.Event]
	stopping bool
	spin     spinner.Model
	bar      progress.Model

	phase      toolchain.Phase
	mirror     string
	done       int64
	total      int64
	rate       float64
	conns      int // live connections, from the last download event
	files      int
	filesTotal int
	notes      []progressNote // failovers and dropped mirrors, in order
	choice     string         // why --source auto chose the channel it did
	installed  bool
	writing    bool
	finished   bool
	err        error
	settingErr error
}

// progressNote is a line under the phases: a mirror (or channel) given
// up, and why.
type progressNote struct {
	mirror, reason string
	// dropped: the mirror left a ranged download that carries on over
	// the other mirrors' connections, rather than the download moving on.
	dropped bool
}

func (s *progressScreen) typing() bool { return false }

// running reports whether an install is under way (quitting asks first).
func (s *progressScreen) running() bool { return s.started && !s.installed && s.err == nil }

// stop cancels the install; the installer leaves the target as it was.
func (s *progressScreen) stop() {
	if s.cancel != nil {
		s.stopping = true
		s.cancel()
	}
}

func (s *progressScreen) enter(c *common) tea.Cmd {
	if s.started {
		return nil
	}
	s.started = true
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.st.Accent))
	s.bar = newBar(c)
	s.total = -1
	if !c.choices.Install {
		s.installed = true
		return tea.Batch(s.spin.Tick, s.apply(c))
	}
	ctx, cancel := context.WithCancel(c.ctx)
	s.cancel = cancel
	st := newStream[toolchain.Event](1)
	s.stream = st
	be, ch := c.be, c.choices
	exited := make(chan struct{})
	s.exited = exited
	c.installExited = exited
	run := func() tea.Msg {
		defer close(exited)
		res, plan, err := be.Install(ctx, ch, func(e toolchain.Event) {
			// Byte and file counters coalesce; phase changes are kept.
			switch e.Phase {
			case toolchain.PhaseDownload, toolchain.PhaseUnpack:
				st.push(string(e.Phase), e)
			default:
				st.push("", e)
			}
		})
		st.close()
		return installDoneMsg{res, plan, err}
	}
	return tea.Batch(run, st.next(), s.spin.Tick)
}

func newBar(c *common) progress.Model {
	return progress.New(progress.WithWidth(40), progress.WithoutPercentage(),
		progress.WithColors(c.st.BarFull.GetForeground()), progress.WithFillCharacters('█', '░'))
}

func (s *progressScreen) apply(c *common) tea.Cmd {
	s.writing = true
	ctx, be, p := c.ctx, c.be, c.plan
	return func() tea.Msg {
		if p == nil {
			return appliedMsg{}
		}
		return appliedMsg{be.Apply(ctx, p)}
	}
}

func (s *progressScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case installBatch:
		for _, e := range msg.items {
			s.event(e)
		}
		if msg.done {
			return nil, navStay
		}
		return s.stream.next(), navStay
	case installDoneMsg:
		if msg.err != nil {
			s.err = msg.err
			c.outcome = OutcomeFailed
			if s.stopping {
				c.outcome = OutcomeInterrupted
				return nil, navQuit
			}
			return nil, navStay
		}
		s.installed = true
		c.result = msg.res
		// The install wrote the settings: what it applied is what the
		// done screen lists.
		if msg.plan != nil {
			c.plan = msg.plan
		}
		return func() tea.Msg { return appliedMsg{} }, navStay
	case appliedMsg:
		s.writing, s.finished = false, true
		if msg.err != nil {
			s.settingErr = msg.err
			c.outcome = OutcomeFailed
			return nil, navStay
		}
		c.applied = true
		c.outcome = OutcomeDone
		return nil, navNext
	case spinner.TickMsg:
		if s.finished || s.err != nil {
			return nil, navStay
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd, navStay
	case tea.KeyPressMsg:
		if s.err != nil || s.settingErr != nil {
			switch {
			case key.Matches(msg, c.km.Enter):
				return nil, navQuit
			case key.Matches(msg, c.km.Back) && s.err != nil:
				// Back to the review: another source may work.
				*s = progressScreen{}
				c.outcome = OutcomeUnfinished
				return nil, navBack
			}
		}
	}
	return nil, navStay
}

func (s *progressScreen) event(e toolchain.Event) {
	switch e.Phase {
	case toolchain.PhaseResolve:
		if e.Version == "" && e.Message != "" {
			s.choice = e.Message
		}
	case toolchain.PhaseFailover:
		who := e.Mirror
		if who == "" {
			who = string(e.Source)
		}
		// A mirror dropped from a ranged download leaves the others'
		// connections going on; any other failover is the download
		// moving to the next mirror or channel.
		if e.Dropped != nil {
			s.notes = append(s.notes, progressNote{who, oneLine(e.Dropped), true})
			return
		}
		s.notes = append(s.notes, progressNote{who, oneLine(e.Err), false})
		return
	case toolchain.PhaseConnect:
		s.mirror = e.Mirror
	case toolchain.PhaseDownload:
		s.done, s.total, s.rate, s.conns = e.Done, e.Total, e.Rate, e.Conns
		if e.Files > s.files {
			s.files = e.Files
		}
		s.filesTotal = e.FilesTotal
		// Download and unpack interleave; the later phase wins.
		if s.phase == toolchain.PhaseUnpack {
			return
		}
	case toolchain.PhaseUnpack:
		s.files, s.filesTotal = e.Files, e.FilesTotal
		if s.phase == "" || s.phase == toolchain.PhaseConnect {
			return
		}
	}
	if e.Mirror != "" && e.Phase != toolchain.PhaseDone {
		s.mirror = e.Mirror
	}
	s.phase = e.Phase
}

// order is where each phase sits on the screen.
var phaseOrder = map[toolchain.Phase]int{
	toolchain.PhaseResolve: 0, toolchain.PhaseConnect: 1, toolchain.PhaseDownload: 1,
	toolchain.PhaseUnpack: 2, toolchain.PhaseVerify: 3, toolchain.PhaseCheck: 4,
	toolchain.PhaseSwap: 4, toolchain.PhaseDone: 5,
}

func (s *progressScreen) keys(c *common) []key.Binding {
	if s.err != nil {
		return []key.Binding{c.km.Enter, c.km.Back, c.km.Quit}
	}
	if s.settingErr != nil {
		return []key.Binding{c.km.Enter, c.km.Quit}
	}
	return []key.Binding{key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", c.t.KeyQuit))}
}

func (s *progressScreen) view(c *common, width int) (string, int) {
	t, st := c.t, c.st
	var b strings.Builder
	title := t.ProgressTitle
	if c.choices.Install {
		title += " " + c.choices.Release.Version
	}
	b.WriteString(st.Heading.Render(title) + "\n\n")
	at := phaseOrder[s.phase]
	if s.installed {
		at = 5
	}
	mark := func(idx int) string {
		switch {
		case s.err != nil && idx == at:
			return st.Fail.Render("✗")
		case idx < at:
			return st.OK.Render("✓")
		case idx == at && s.started:
			return s.spin.View()
		}
		return st.Faint.Render("·")
	}
	row := func(idx int, name, detail string) {
		b.WriteString(" " + mark(idx) + " " + padRight(name, 14) + detail + "\n")
	}
	if c.choices.Install {
		row(0, t.PhaseResolve, "")
		if s.choice != "" {
			for _, l := range strings.Split(wrap(s.choice, width-3), "\n") {
				b.WriteString("   " + st.Faint.Render(l) + "\n")
			}
		}
		dl := ""
		if s.mirror != "" {
			dl = st.Faint.Render(sprintf(t.DownloadFrom, s.mirror))
		}
		row(1, t.PhaseDownload, dl)
		if at >= 1 {
			b.WriteString("   " + s.downloadLine(c, width-3) + "\n")
		}
		files := ""
		switch {
		case s.files > 0 && s.filesTotal > 0:
			files = sprintf(t.FilesOf, s.files, s.filesTotal)
		case s.files > 0:
			files = sprintf(t.Files, s.files)
		}
		// The archive is unpacked as it streams in; the checksum of
		// the whole is compared once the last byte is in.
		row(2, t.PhaseUnpack, files)
		row(3, t.PhaseVerify, "")
		row(4, t.PhaseCheck, "")
	}
	switch {
	case s.settingErr != nil:
		b.WriteString(" " + st.Fail.Render("✗") + " " + t.PhaseSettings + "\n")
	case s.finished:
		b.WriteString(" " + st.OK.Render("✓") + " " + t.PhaseSettings + "\n")
	case s.writing:
		b.WriteString(" " + s.spin.View() + " " + t.PhaseSettings + "\n")
	default:
		b.WriteString(" " + st.Faint.Render("·") + " " + t.PhaseSettings + "\n")
	}
	for _, n := range s.notes {
		format := t.Failover
		if n.dropped {
			format = t.Dropped
		}
		b.WriteString(st.Warn.Render(wrap(sprintf(format, n.mirror, n.reason), width)) + "\n")
	}
	b.WriteString("\n")
	switch {
	case s.err != nil && s.stopping:
		b.WriteString(st.Warn.Render(t.StoppingNote) + "\n")
	case s.err != nil:
		b.WriteString(st.Fail.Render(wrap(sprintf(t.InstallFailed, oneLine(s.err)), width)) + "\n")
		b.WriteString(s.untouched(c) + "\n")
	case s.settingErr != nil:
		b.WriteString(st.Fail.Render(wrap(sprintf(t.SettingsFailed, oneLine(s.settingErr)), width)) + "\n")
	case s.stopping:
		b.WriteString(st.Warn.Render(t.StoppingNote) + "\n")
	}
	body := strings.TrimRight(b.String(), "\n")
	return body, strings.Count(body, "\n")
}

// untouched says what was left in place after a failed install.
func (s *progressScreen) untouched(c *common) string {
	home := ""
	if c.det != nil {
		home = c.det.Home
	}
	dir := shortPath(home, c.choices.Dir)
	if c.det != nil && c.det.Existing.IsGo && c.det.Existing.Version != "" {
		return sprintf(c.t.UntouchedOld, dir, c.det.Existing.Version)
	}
	return sprintf(c.t.Untouched, dir)
}

// downloadLine is the bar with bytes, speed and the time left.
func (s *progressScreen) downloadLine(c *common, width int) string {
	t := c.t
	pct := 0.0
	if s.total > 0 {
		pct = float64(s.done) / float64(s.total)
	}
	parts := []string{}
	if s.total > 0 {
		parts = append(parts, sprintf(t.Bytes, megabytes(s.done), megabytes(s.total)))
	} else {
		parts = append(parts, sprintf("%.1f MB", megabytes(s.done)))
	}
	if s.rate > 0 {
		parts = append(parts, sprintf(t.Speed, s.rate/1e6))
		if s.conns > 1 {
			parts = append(parts, sprintf(t.Conns, s.conns))
		}
		if s.total > 0 && s.done < s.total {
			left := time.Duration(float64(s.total-s.done) / s.rate * float64(time.Second))
			parts = append(parts, sprintf(t.ETA, shortDuration(left)))
		}
	}
	info := strings.Join(parts, "  ")
	s.bar.SetWidth(max(min(width-lipgloss.Width(info)-2, 40), 10))
	return s.bar.ViewAs(pct) + "  " + info
}
