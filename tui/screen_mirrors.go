package tui

import (
	"context"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
)

type (
	probeBatch   = batchMsg[probe.Result]
	probeDoneMsg struct {
		id  int
		rep *probe.Report
		err error
	}
	probeTickMsg struct{ id int }
)

// mirrorsScreen is the live probe table: a row per mirror from the start,
// filled in and re-sorted as answers arrive, a spinner and the time left
// to the deadline while waiting, the reason of each failure, and the
// fastest healthy source and proxy chosen.
type mirrorsScreen struct {
	id       int // generation: results of an older probe are ignored
	rows     []probe.Result
	answered map[string]bool
	started  time.Time
	timeout  time.Duration
	elapsed  time.Duration
	running  bool
	cancel   context.CancelFunc
	rep      *probe.Report
	err      error
	stream   *stream[probe.Result]
	spin     spinner.Model
	cursor   string // the row under the cursor, by rowKey
	// moved is set once the user moves the cursor: it then follows its
	// row through re-sorts; until then it stays on the top row.
	moved bool
	picks Picks
	// advance is set when enter was pressed before the probe finished.
	advance bool
	now     func() time.Time
}

func rowKey(r probe.Result) string { return string(r.Kind) + " " + r.URL }

func (s *mirrorsScreen) typing() bool { return false }

func (s *mirrorsScreen) enter(c *common) tea.Cmd {
	if s.id > 0 {
		return nil // a probe ran or runs; r starts another
	}
	return s.start(c)
}

// start runs a probe, streaming its results.
func (s *mirrorsScreen) start(c *common) tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.id++
	s.rep, s.err, s.advance = nil, nil, false
	rows, timeout, err := c.be.ProbeTargets()
	if err != nil {
		s.err = err
		return nil
	}
	s.rows, s.timeout, s.answered = rows, timeout, map[string]bool{}
	s.sort()
	if s.cursor == "" && len(rows) > 0 {
		s.cursor = rowKey(rows[0])
	}
	s.started, s.elapsed, s.running = s.now(), 0, true
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.st.Accent))
	ctx, cancel := context.WithCancel(c.ctx)
	s.cancel = cancel
	id, be := s.id, c.be
	st := newStream[probe.Result](id)
	s.stream = st
	run := func() tea.Msg {
		rep, err := be.Probe(ctx, func(r probe.Result) { st.push("", r) })
		st.close()
		return probeDoneMsg{id: id, rep: rep, err: err}
	}
	return tea.Batch(run, st.next(), s.spin.Tick, s.tick(id))
}

func (s *mirrorsScreen) tick(id int) tea.Cmd {
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return probeTickMsg{id} })
}

func (s *mirrorsScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case probeBatch:
		if msg.id != s.id {
			return nil, navStay
		}
		for _, r := range msg.items {
			s.answered[rowKey(r)] = true
			for i := range s.rows {
				if rowKey(s.rows[i]) == rowKey(r) {
					s.rows[i] = r
				}
			}
		}
		s.sort()
		if msg.done {
			return nil, navStay
		}
		return s.stream.next(), navStay
	case probeDoneMsg:
		if msg.id != s.id {
			return nil, navStay
		}
		s.running = false
		s.elapsed = s.now().Sub(s.started)
		s.rep, s.err = msg.rep, msg.err
		if msg.rep != nil {
			s.elapsed = time.Duration(msg.rep.ElapsedMS * float64(time.Millisecond))
			// The report is final: redraw from it, in its order.
			s.rows = msg.rep.Results
			for _, r := range s.rows {
				s.answered[rowKey(r)] = true
			}
			if !s.moved && len(s.rows) > 0 {
				s.cursor = rowKey(s.rows[0])
			}
			c.choices.Mirrors = c.be.Choose(msg.rep, s.picks)
			if s.advance && msg.rep.Healthy() {
				s.advance = false
				return nil, navNext
			}
		}
		return nil, navStay
	case probeTickMsg:
		if msg.id != s.id || !s.running {
			return nil, navStay
		}
		s.elapsed = s.now().Sub(s.started)
		return s.tick(msg.id), navStay
	case spinner.TickMsg:
		if !s.running {
			return nil, navStay
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd, navStay
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, c.km.Up):
			s.move(-1)
		case key.Matches(msg, c.km.Down):
			s.move(1)
		case key.Matches(msg, c.km.Select):
			s.pick(c)
		case key.Matches(msg, c.km.Reprobe):
			return s.start(c), navStay
		case key.Matches(msg, c.km.Enter):
			if s.running {
				s.advance = true
				return nil, navStay
			}
			if s.rep != nil && s.rep.Healthy() {
				return nil, navNext
			}
		case key.Matches(msg, c.km.Back):
			if s.cancel != nil && s.running {
				s.cancel()
			}
			s.id, s.running = 0, false // re-entering probes afresh
			return nil, navBack
		}
	}
	return nil, navStay
}

func (s *mirrorsScreen) move(d int) {
	s.moved = true
	for i, r := range s.rows {
		if rowKey(r) == s.cursor {
			j := min(max(i+d, 0), len(s.rows)-1)
			s.cursor = rowKey(s.rows[j])
			return
		}
	}
	if len(s.rows) > 0 {
		s.cursor = rowKey(s.rows[0])
	}
}

// pick chooses the row under the cursor as the download source or the
// proxy; only healthy rows can be chosen.
func (s *mirrorsScreen) pick(c *common) {
	for _, r := range s.rows {
		if rowKey(r) != s.cursor || !r.OK {
			continue
		}
		switch r.Kind {
		case catalog.KindArchive:
			s.picks.Archive = r.URL
		case catalog.KindProxy:
			s.picks.Proxy = r.URL
		default:
			return
		}
		if s.rep != nil {
			c.choices.Mirrors = c.be.Choose(s.rep, s.picks)
		}
	}
}

// sort orders rows as the report will: by kind, healthy first by latency,
// then those still waiting, then failures. Rows move as answers arrive.
func (s *mirrorsScreen) sort() {
	order := map[catalog.Kind]int{catalog.KindArchive: 0, catalog.KindProxy: 1, catalog.KindSumDB: 2}
	class := func(r probe.Result) int {
		switch {
		case r.OK:
			return 0
		case !s.answered[rowKey(r)]:
			return 1
		}
		return 2
	}
	sort.SliceStable(s.rows, func(i, j int) bool {
		a, b := s.rows[i], s.rows[j]
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		if class(a) != class(b) {
			return class(a) < class(b)
		}
		if class(a) == 0 {
			return a.LatencyMS < b.LatencyMS
		}
		return false
	})
	if !s.moved && len(s.rows) > 0 {
		s.cursor = rowKey(s.rows[0])
	}
}

func (s *mirrorsScreen) keys(c *common) []key.Binding {
	return []key.Binding{c.km.Up, c.km.Down, c.km.Select, c.km.Reprobe, c.km.Enter, c.km.Back, c.km.Quit, c.km.Help}
}

func (s *mirrorsScreen) kindName(c *common, k catalog.Kind) string {
	switch k {
	case catalog.KindArchive:
		return c.t.KindArchive
	case catalog.KindProxy:
		return c.t.KindProxy
	}
	return c.t.KindSumDB
}

func (s *mirrorsScreen) view(c *common, width int) (string, int) {
	t, st := c.t, c.st
	var b strings.Builder
	status := ""
	answered := len(s.answered)
	switch {
	case s.running:
		left := max(s.timeout-s.elapsed, 0)
		status = s.spin.View() + " " + sprintf(t.ProbeDeadline, left.Seconds()) + "  " + sprintf(t.ProbeCount, answered, len(s.rows))
	case s.rep != nil:
		status = st.OK.Render("✓") + " " + sprintf(t.ProbeDone, s.elapsed.Seconds())
	}
	b.WriteString(st.Heading.Render(t.MirrorsTitle) + "  " + status + "\n")
	if s.err != nil && s.rep == nil {
		b.WriteString(st.Fail.Render(sprintf(t.ProbeFailed, oneLine(s.err))) + "\n")
	}
	b.WriteString(st.Faint.Render(t.ProbeHint) + "\n")
	// Column widths in display cells; the detail column takes the rest.
	kw := 2 + max(lipgloss.Width(t.KindArchive), lipgloss.Width(t.KindProxy), lipgloss.Width(t.KindSumDB))
	nw := 22
	sw := 2 + max(lipgloss.Width(t.StatusWaiting), lipgloss.Width(t.StatusFail), lipgloss.Width(t.StatusStale), 6)
	lw := 9
	b.WriteString(st.Faint.Render("    "+padRight("", kw)+padRight(t.ColName, nw)+padRight(t.ColStatus, sw)+padRight(t.ColLatency, lw)+t.ColDetail) + "\n")
	focus := 0
	chosen := c.choices.Mirrors
	for _, r := range s.rows {
		k := rowKey(r)
		if k == s.cursor {
			focus = strings.Count(b.String(), "\n")
		}
		mark := "  "
		if s.rep != nil && ((r.Kind == catalog.KindArchive && r.URL == chosen.ArchiveURL) || (r.Kind == catalog.KindProxy && r.URL == chosen.ProxyURL)) {
			mark = st.OK.Render("● ")
		}
		var stat, lat, detail string
		switch {
		case r.OK && r.Fresh != nil && !*r.Fresh:
			stat, lat, detail = st.Warn.Render(t.StatusStale), msText(r.LatencyMS), r.Note
		case r.OK:
			stat, lat, detail = st.OK.Render(t.StatusOK), msText(r.LatencyMS), s.okDetail(c, r)
		case s.answered[k]:
			stat, lat, detail = st.Fail.Render(t.StatusFail), "-", st.Fail.Render(t.failure(r.Failure, r.Error))
		default:
			stat, lat = st.Faint.Render(s.spin.View()+" "+t.StatusWaiting), ""
		}
		name := r.Name
		if lipgloss.Width(name) > nw-1 {
			name = ansi.Truncate(name, nw-1, "…")
		}
		line := cursorMark(c, k == s.cursor) + mark + padRight(s.kindName(c, r.Kind), kw) + padRight(name, nw) + padRight(stat, sw) + padRight(lat, lw) + detail
		b.WriteString(line + "\n")
	}
	if s.rep != nil {
		if !s.rep.Healthy() {
			b.WriteString(st.Fail.Render(t.ProbeNoHealthy) + "\n")
		} else if chosen.Reason != "" {
			b.WriteString(st.Faint.Render(wrap(sprintf(t.Recommendation, chosen.Reason), width)) + "\n")
		}
	}
	if s.advance {
		b.WriteString(st.Faint.Render(t.ProbeNotReady) + "\n")
	}
	return strings.TrimRight(b.String(), "\n"), focus
}

func (s *mirrorsScreen) okDetail(c *common, r probe.Result) string {
	var parts []string
	switch r.Kind {
	case catalog.KindArchive:
		if r.File != "" {
			parts = append(parts, sprintf(c.t.ArchiveFile, r.File, megabytes(r.SizeBytes)))
		}
	case catalog.KindProxy:
		if r.NewestToolchain != "" {
			parts = append(parts, sprintf(c.t.ProxyLists, r.NewestToolchain))
		}
		if len(r.SumDBSupported) > 0 {
			parts = append(parts, c.t.ProxyPassesSum)
		}
	case catalog.KindSumDB:
		parts = append(parts, c.t.SumDBVerified)
	}
	return strings.Join(parts, ", ")
}

func msText(ms float64) string {
	if ms >= 1000 {
		return sprintf("%.2fs", ms/1000)
	}
	return sprintf("%.0fms", ms)
}
