package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gosetup/gosetup/envwriter"
)

type planMsg struct {
	gen int
	p   *envwriter.Plan
	err error
}

// reviewScreen shows everything the run will do before it does it: the
// version, the install directory and the download source, then each file
// and registry change as a diff. Enter confirms.
type reviewScreen struct {
	gen    int
	err    error
	scroll int
	lines  int
}

func (s *reviewScreen) typing() bool { return false }

func (s *reviewScreen) enter(c *common) tea.Cmd {
	s.gen++
	s.err, s.scroll = nil, 0
	c.plan = nil
	gen, ctx, be, ch := s.gen, c.ctx, c.be, c.choices
	return func() tea.Msg { p, err := be.Plan(ctx, ch); return planMsg{gen, p, err} }
}

func (s *reviewScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case planMsg:
		if msg.gen == s.gen {
			c.plan, s.err = msg.p, msg.err
		}
	case tea.KeyPressMsg:
		page := max(c.room-1, 1)
		switch {
		case key.Matches(msg, c.km.Up):
			s.scroll = max(s.scroll-1, 0)
		case key.Matches(msg, c.km.Down):
			s.scroll = min(s.scroll+1, max(s.lines-1, 0))
		case msg.String() == "pgup":
			s.scroll = max(s.scroll-page, 0)
		case msg.String() == "pgdown":
			s.scroll = min(s.scroll+page, max(s.lines-1, 0))
		case key.Matches(msg, c.km.Enter):
			if c.plan != nil {
				return nil, navNext
			}
		case key.Matches(msg, c.km.Back):
			return nil, navBack
		}
	}
	return nil, navStay
}

func (s *reviewScreen) keys(c *common) []key.Binding {
	return []key.Binding{c.km.Up, c.km.Down, c.km.Scroll, c.km.Enter, c.km.Back, c.km.Quit, c.km.Help}
}

func (s *reviewScreen) view(c *common, width int) (string, int) {
	t, st := c.t, c.st
	home := ""
	if c.det != nil {
		home = c.det.Home
	}
	var b strings.Builder
	line := func(x string) { b.WriteString(x + "\n") }
	line(st.Heading.Render(t.ReviewTitle))
	ch := c.choices
	if ch.Install {
		line(sprintf(t.ReviewVersion, ch.Release.Version))
		line(sprintf(t.ReviewDir, shortPath(home, ch.Dir)))
		if c.det != nil && c.det.Existing.IsGo && c.det.Existing.Version != "" {
			line(sprintf(t.ReviewReplaces, c.det.Existing.Version))
		}
		src := ch.Mirrors.Mirror
		if src == "" {
			src = t.ProbeNoneSource
		}
		line(sprintf(t.ReviewSource, src, t.channel(ch.Mirrors.Source)))
	} else {
		line(t.ReviewNoInstall)
	}
	switch {
	case s.err != nil:
		line(st.Fail.Render(sprintf(t.Error, oneLine(s.err))))
	case c.plan == nil:
		line(st.Faint.Render(t.ReviewPlanning))
	default:
		p := c.plan
		if vars := p.Settings.Vars(); len(vars) > 0 {
			line(t.ReviewSettings)
			for _, v := range vars {
				line("  " + st.Bold.Render(v.Name) + "=" + v.Value)
			}
		}
		if len(p.Changed()) == 0 && len(p.Registry) == 0 && len(p.RegistryRevert) == 0 {
			line(st.OK.Render(t.ReviewNothing))
		} else {
			line(t.ReviewFiles)
		}
		for _, chg := range p.Changed() {
			line("  " + actionWord(c, chg) + " " + st.Bold.Render(shortPath(home, chg.Path)) + st.Faint.Render("  ("+t.why(chg)+")"))
			oldName, newName := shortPath(home, chg.Path), shortPath(home, chg.Path)
			if !chg.Exists {
				oldName = "/dev/null"
			}
			if chg.New == nil {
				newName = "/dev/null"
			}
			for _, d := range strings.Split(strings.TrimRight(envwriter.UnifiedDiff(oldName, newName, chg.Old, chg.New), "\n"), "\n") {
				line("    " + s.diffLine(c, d))
			}
		}
		for _, r := range p.Registry {
			line("  " + sprintf(t.RegistrySet, r.Name, regPrior(c, r), r.Data))
		}
		for _, r := range p.RegistryRevert {
			line("  " + sprintf(t.RegistryRestore, r.Name))
		}
		for _, w := range p.Warnings {
			line(st.Warn.Render(wrap(sprintf(t.Warning, w), width)))
		}
		line("")
		line(st.Bold.Render(t.ReviewConfirm))
	}
	body := strings.TrimRight(b.String(), "\n")
	all := strings.Split(body, "\n")
	s.lines = len(all)
	// Scrolling moves the window: the focus line is the last one shown.
	room := max(c.room, 1)
	return body, min(s.scroll+room-1, len(all)-1)
}

func (s *reviewScreen) diffLine(c *common, d string) string {
	switch {
	case strings.HasPrefix(d, "+++"), strings.HasPrefix(d, "---"):
		return c.st.Bold.Render(d)
	case strings.HasPrefix(d, "+"):
		return c.st.DiffAdd.Render(d)
	case strings.HasPrefix(d, "-"):
		return c.st.DiffDel.Render(d)
	case strings.HasPrefix(d, "@@"):
		return c.st.DiffHunk.Render(d)
	}
	return d
}
