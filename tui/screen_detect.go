package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gosetup/gosetup/envwriter"
)

type (
	detectMsg struct {
		d   *Detection
		err error
	}
	releasesMsg struct {
		r   *Releases
		err error
	}
	prePlanMsg struct {
		p   *envwriter.Plan
		err error
	}
	doctorMsg struct {
		d   *DoctorSummary
		err error
	}
)

// detectScreen shows what is on the machine, then the plan as rustup-init
// does, and the choices: proceed, customize, repair, mirrors only, cancel.
type detectScreen struct {
	started bool
	prePlan *envwriter.Plan
	planErr error
	cursor  int
	// touched is set by the first key the user presses here: from then
	// on a late doctor result never moves the cursor, so a user who
	// chose Proceed before doctor finished finds Proceed again on Esc.
	touched bool
	// waiting is set when the user chose before the release list arrived:
	// the choice is carried out as soon as it does.
	waiting bool
}

func (s *detectScreen) typing() bool { return false }

func (s *detectScreen) enter(c *common) tea.Cmd {
	if s.started {
		return nil
	}
	s.started = true
	ctx, be := c.ctx, c.be
	return tea.Batch(
		func() tea.Msg { d, err := be.Detect(ctx); return detectMsg{d, err} },
		func() tea.Msg { r, err := be.Releases(ctx); return releasesMsg{r, err} },
		func() tea.Msg { d, err := be.Doctor(ctx); return doctorMsg{d, err} },
	)
}

// modes lists the choices offered; repair only when doctor found
// something the wizard can repair.
func (s *detectScreen) modes(c *common) []Mode {
	out := []Mode{ModeProceed, ModeCustomize}
	if d := c.doctor; d != nil && d.CanRepair && d.Fail+d.Warn > 0 {
		out = append(out, ModeRepair)
	}
	return append(out, ModeMirrorsOnly, ModeCancel)
}

func (s *detectScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case detectMsg:
		c.det, c.detErr = msg.d, msg.err
		if msg.d == nil {
			return nil, navStay
		}
		c.choices.Dir = msg.d.Dir
		ctx, be, ch := c.ctx, c.be, Choices{Dir: msg.d.Dir, Install: true}
		return func() tea.Msg { p, err := be.Plan(ctx, ch); return prePlanMsg{p, err} }, navStay
	case prePlanMsg:
		s.prePlan, s.planErr = msg.p, msg.err
	case doctorMsg:
		c.doctor, c.docErr = msg.d, msg.err
		// Repair is preselected when doctor found a failure, unless the
		// user has already pressed a key here.
		if d := msg.d; d != nil && d.Fail > 0 && !s.touched {
			for i, m := range s.modes(c) {
				if m == ModeRepair {
					s.cursor = i
				}
			}
		}
	case releasesMsg:
		c.rels, c.relErr = msg.r, msg.err
		if s.waiting {
			s.waiting = false
			return s.choose(c)
		}
	case tea.KeyPressMsg:
		s.touched = true
		modes := s.modes(c)
		switch {
		case key.Matches(msg, c.km.Up):
			s.cursor = (s.cursor + len(modes) - 1) % len(modes)
		case key.Matches(msg, c.km.Down):
			s.cursor = (s.cursor + 1) % len(modes)
		case key.Matches(msg, c.km.Enter):
			if c.det == nil {
				return nil, navStay
			}
			return s.choose(c)
		}
	}
	return nil, navStay
}

// choose carries out the highlighted choice.
func (s *detectScreen) choose(c *common) (tea.Cmd, nav) {
	mode := s.modes(c)[s.cursor]
	c.choices.Mode = mode
	switch mode {
	case ModeCancel:
		return nil, navQuit
	case ModeRepair:
		// Repair is its own flow (gosetup repair), with a diff and a
		// confirmation per change; the wizard hands over to it.
		c.outcome = OutcomeRepair
		return nil, navQuit
	case ModeMirrorsOnly:
		c.choices.Install = false
		return nil, navNext
	}
	c.choices.Install = true
	if c.rels == nil && c.relErr == nil {
		s.waiting = true
		return nil, navStay
	}
	if c.rels == nil {
		return nil, navStay // the error is on screen; mirrors only still works
	}
	if c.choices.Release.Version == "" {
		for _, r := range c.rels.List {
			if r.Version == c.rels.Latest {
				c.choices.Release = r
			}
		}
	}
	return nil, navNext
}

func (s *detectScreen) keys(c *common) []key.Binding {
	return []key.Binding{c.km.Up, c.km.Down, c.km.Enter, c.km.Quit, c.km.Help}
}

func (s *detectScreen) view(c *common, width int) (string, int) {
	t, st := c.t, c.st
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	if c.det == nil {
		if c.detErr != nil {
			return st.Fail.Render(sprintf(t.Error, oneLine(c.detErr))), 0
		}
		return st.Faint.Render(t.DetectLooking), 0
	}
	d := c.det
	home := d.Home
	line(st.Heading.Render(t.ThisMachine))
	line("  " + sprintf(t.System, d.Platform))
	if len(d.Gos) == 0 {
		line("  " + t.NoGoOnPath)
	} else {
		// One line when it fits: the order is PATH's, so the first wins.
		var gos []string
		for _, g := range d.Gos {
			v := g.Version
			if v == "" {
				v = st.Warn.Render(t.GoDoesNotRun)
			}
			gos = append(gos, shortPath(home, g.Path)+" "+v)
		}
		line("  " + wrap(sprintf(t.GoLine, strings.Join(gos, ", ")), width-2))
	}
	if len(d.Shells) > 0 {
		login := d.LoginShell
		if login == "" {
			login = t.UnknownShell
		}
		line("  " + sprintf(t.ShellsLine, strings.Join(d.Shells, ", "), login))
	}
	if len(d.StartupFiles) == 0 {
		line("  " + t.NoStartupFiles)
	} else {
		var fs []string
		for _, f := range d.StartupFiles {
			fs = append(fs, shortPath(home, f))
		}
		line("  " + sprintf(t.StartupFiles, strings.Join(fs, ", ")))
	}
	for _, e := range d.Settings {
		if e.Name != "GOPROXY" && e.Name != "GOSUMDB" && e.Name != "GOPRIVATE" {
			continue
		}
		v := e.Value
		if v == "" {
			v = t.Unset
		}
		src := t.source(e.Source)
		if e.File != "" {
			src += " " + shortPath(home, e.File)
		}
		line("  " + st.Faint.Render(sprintf(t.SettingFrom, e.Name, v, src)))
	}
	switch {
	case c.docErr != nil:
		line("  " + st.Warn.Render(sprintf(t.DoctorFailed, oneLine(c.docErr))))
	case c.doctor == nil:
		line("  " + st.Faint.Render(t.DoctorRunning))
	default:
		dc := c.doctor
		mark := st.OK
		if dc.Fail > 0 {
			mark = st.Fail
		} else if dc.Warn > 0 {
			mark = st.Warn
		}
		line("  " + mark.Render(sprintf(t.DoctorCounts, dc.OK, dc.Warn, dc.Fail)))
		// The worst few; gosetup doctor lists them all.
		for i, f := range dc.Findings {
			if i == 3 {
				line("    " + st.Faint.Render(sprintf(t.DoctorMore, len(dc.Findings)-3)))
				break
			}
			line("    " + t.finding(f, width-4))
		}
	}

	line(st.Heading.Render(t.ThePlan))
	switch {
	case c.rels != nil:
		line("  " + sprintf(t.PlanInstall, c.rels.Latest))
	case c.relErr != nil:
		line(releasesFailure(c, "  "))
	default:
		line("  " + st.Faint.Render(t.PlanInstallWait))
	}
	into := "    " + sprintf(t.PlanInto, shortPath(home, d.Dir))
	if d.Existing.IsGo && d.Existing.Version != "" {
		into += ", " + sprintf(t.PlanReplaces, d.Existing.Version)
	}
	line(into)
	line("  " + t.PlanMirrors)
	switch {
	case s.planErr != nil:
		line("  " + st.Fail.Render(sprintf(t.Error, oneLine(s.planErr))))
	case s.prePlan != nil && len(s.prePlan.Changed()) == 0 && len(s.prePlan.Registry) == 0:
		line("  " + t.PlanNoFiles)
	case s.prePlan != nil:
		var files []string
		for _, ch := range s.prePlan.Changed() {
			files = append(files, shortPath(home, ch.Path)+" ("+strings.TrimSpace(actionWord(c, ch))+")")
		}
		line("  " + wrap(sprintf(t.PlanFiles, strings.Join(files, ", ")), width-4))
		for _, r := range s.prePlan.Registry {
			line("    " + sprintf(t.RegistrySet, r.Name, regPrior(c, r), r.Data))
		}
	}
	line("  " + sprintf(t.PlanUndo, st.Bold.Render(d.Undo)))
	if c.height >= 30 {
		b.WriteString("\n")
	}
	focus := strings.Count(b.String(), "\n")
	for i, m := range s.modes(c) {
		label := modeLabel(t, m)
		if i == 0 {
			label += " " + st.Faint.Render(t.DefaultMark)
		}
		if i == s.cursor {
			label = st.Selected.Render(label)
		}
		b.WriteString(cursorMark(c, i == s.cursor) + label + "\n")
	}
	if s.waiting {
		b.WriteString(st.Faint.Render(t.PlanInstallWait))
	}
	// Keep the whole list of choices in view: it is what the screen asks.
	return strings.TrimRight(b.String(), "\n"), focus + len(s.modes(c)) - 1
}

func modeLabel(t *Text, m Mode) string {
	switch m {
	case ModeCustomize:
		return t.ChoiceCustomize
	case ModeRepair:
		return t.ChoiceRepair
	case ModeMirrorsOnly:
		return t.ChoiceMirrors
	case ModeCancel:
		return t.ChoiceCancel
	}
	return t.ChoiceProceed
}

// actionWord says what a change does to its file, padded to one width.
func actionWord(c *common, ch envwriter.Change) string {
	w := c.t.ActionEdit
	switch {
	case !ch.Changed():
		w = c.t.ActionUnchanged
	case ch.New == nil:
		w = c.st.Fail.Render(c.t.ActionRemove)
	case !ch.Exists:
		w = c.st.OK.Render(c.t.ActionCreate)
	default:
		w = c.st.Warn.Render(w)
	}
	return padRight(w, 9)
}

func regPrior(c *common, r envwriter.RegistryRecord) string {
	if !r.PriorExists {
		return c.t.NotSet
	}
	if !r.PriorIsText() {
		return sprintf(c.t.NonTextValue, envwriter.RegTypeName(r.PriorType))
	}
	// The text Windows reads, not the record's marked exact bytes.
	return r.PriorText()
}
