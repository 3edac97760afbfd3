package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

type checkMsg struct {
	c   *Check
	err error
}

// doneScreen says what changed and how to undo it, how to use the settings
// in the shell already open, and proves them in a fresh login shell.
type doneScreen struct {
	started bool
	spin    spinner.Model
	err     error
}

func (s *doneScreen) typing() bool { return false }

func (s *doneScreen) enter(c *common) tea.Cmd {
	if s.started {
		return nil
	}
	s.started = true
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.st.Accent))
	ctx, be, ch := c.ctx, c.be, c.choices
	return tea.Batch(s.spin.Tick, func() tea.Msg { r, err := be.Check(ctx, ch); return checkMsg{r, err} })
}

func (s *doneScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case checkMsg:
		c.check, s.err = msg.c, msg.err
	case spinner.TickMsg:
		if c.check != nil || s.err != nil {
			return nil, navStay
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd, navStay
	case tea.KeyPressMsg:
		if key.Matches(msg, c.km.Enter) {
			return nil, navQuit
		}
	}
	return nil, navStay
}

func (s *doneScreen) keys(c *common) []key.Binding {
	return []key.Binding{c.km.Enter, c.km.Quit}
}

func (s *doneScreen) view(c *common, width int) (string, int) {
	body := Summary(c, s.spin.View(), s.err)
	return body, 0
}

// Summary is the done screen's text. Run prints it again after the
// program ends, so it stays in the terminal's scrollback.
func Summary(c *common, spin string, checkErr error) string {
	t, st := c.t, c.st
	home := ""
	if c.det != nil {
		home = c.det.Home
	}
	var b strings.Builder
	line := func(x string) { b.WriteString(x + "\n") }
	line(st.Heading.Render(t.DoneTitle))
	if r := c.result; r != nil {
		line(st.OK.Render("✓ ") + sprintf(t.DoneInstalled, r.Version, shortPath(home, r.Dir), r.Mirror, t.channel(r.Source)))
	}
	if p := c.plan; p != nil && c.applied {
		if changed := p.Changed(); len(changed) > 0 || len(p.Registry) > 0 {
			line(t.DoneChanged)
			for _, ch := range changed {
				line("  " + actionWord(c, ch) + " " + shortPath(home, ch.Path))
			}
			for _, r := range p.Registry {
				line("  " + sprintf(t.RegistrySet, r.Name, regPrior(c, r), r.Data))
			}
		} else {
			line(t.DoneNoChanges)
		}
	}
	if c.det != nil {
		line(sprintf(t.DoneUndo, st.Bold.Render(c.det.Undo)))
	}
	line("")
	shell := ""
	if c.det != nil {
		shell = c.det.LoginShell
	}
	if cmd := c.be.Activate(c.plan, shell); cmd != "" {
		name := shell
		if name == "" {
			name = "shell"
		}
		line(sprintf(t.DoneActivate, name))
		line("  " + st.Accent.Render(cmd))
	} else {
		line(t.DoneActivateWin)
	}
	line("")
	switch {
	case checkErr != nil:
		line(st.Fail.Render(sprintf(t.Error, oneLine(checkErr))))
	case c.check == nil:
		line(spin + " " + t.DoneChecking)
	default:
		line(sprintf(t.DoneCheck, c.check.Shell))
		for _, step := range c.check.Steps {
			mark := st.OK.Render("✓")
			if step.Err != nil {
				mark = st.Fail.Render("✗")
			}
			line("  " + mark + " " + st.Bold.Render(step.Command))
			out := step.Output
			if step.Err != nil {
				// The reason in full: it is what the user acts on.
				// The go command puts the cause on its next lines.
				out = wrap(strings.Join(strings.Fields(step.Err.Error()), " "), max(c.width-8, 20))
			}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if l != "" {
					line("      " + st.Faint.Render(l))
				}
			}
		}
		if c.check.OK() {
			line(st.OK.Render(t.DoneCheckOK))
		} else {
			line(st.Warn.Render(t.DoneCheckFail))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
