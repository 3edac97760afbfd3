package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

type privateDoneMsg struct{}

// privateScreen asks for GOPRIVATE with a huh input. The value is checked
// by envwriter's validator (through the backend) as the user types, and
// the form refuses to submit an invalid one.
type privateScreen struct {
	form  *huh.Form
	value string
	err   error
	dark  bool
}

func newPrivateScreen(c *common) *privateScreen { return &privateScreen{dark: true} }

func (s *privateScreen) typing() bool { return true }

func (s *privateScreen) restyle(c *common) {
	if s.form != nil {
		s.form.WithTheme(huh.ThemeFunc(huh.ThemeBase))
	}
}

func (s *privateScreen) current(c *common) string {
	if c.det == nil {
		return ""
	}
	for _, e := range c.det.Settings {
		if e.Name == "GOPRIVATE" {
			return e.Value
		}
	}
	return ""
}

func (s *privateScreen) enter(c *common) tea.Cmd {
	s.value = c.choices.GOPRIVATE
	in := huh.NewInput().
		Key("goprivate").
		Title("GOPRIVATE").
		Placeholder("corp.example.com/*").
		Value(&s.value).
		Validate(c.be.ValidatePrivate)
	s.form = huh.NewForm(huh.NewGroup(in)).
		WithShowHelp(false).
		WithTheme(huh.ThemeFunc(huh.ThemeBase)).
		WithWidth(min(c.width-2, 76))
	s.form.SubmitCmd = func() tea.Msg { return privateDoneMsg{} }
	s.form.CancelCmd = nil
	s.err = c.be.ValidatePrivate(s.value)
	return s.form.Init()
}

func (s *privateScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case privateDoneMsg:
		if s.err = c.be.ValidatePrivate(s.value); s.err != nil {
			return nil, navStay
		}
		c.choices.GOPRIVATE = strings.TrimSpace(s.value)
		return nil, navNext
	case tea.KeyPressMsg:
		if key.Matches(msg, c.km.Back) {
			c.choices.GOPRIVATE = strings.TrimSpace(s.value)
			return nil, navBack
		}
	case tea.WindowSizeMsg:
		s.form.WithWidth(min(msg.Width-2, 76))
	}
	if s.form == nil {
		return nil, navStay
	}
	f, cmd := s.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		s.form = ff
	}
	// Validate as typed: the form itself only checks on enter.
	s.err = c.be.ValidatePrivate(s.value)
	return cmd, navStay
}

func (s *privateScreen) keys(c *common) []key.Binding {
	return []key.Binding{c.km.Enter, c.km.Back, key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", c.t.KeyQuit))}
}

func (s *privateScreen) view(c *common, width int) (string, int) {
	t, st := c.t, c.st
	var b strings.Builder
	b.WriteString(st.Heading.Render(t.PrivateTitle) + "\n")
	b.WriteString(wrap(st.Faint.Render(t.PrivateHelp), width) + "\n")
	cur := s.current(c)
	if cur == "" {
		cur = t.Unset
	}
	b.WriteString(sprintf(t.PrivateNow, cur) + "\n\n")
	if s.form != nil {
		b.WriteString(strings.TrimRight(s.form.View(), "\n") + "\n")
	}
	switch {
	case strings.TrimSpace(s.value) == "":
		b.WriteString(st.Faint.Render(t.PrivateEmpty))
	case s.err != nil:
		b.WriteString(st.Fail.Render("✗ " + oneLine(s.err)))
	default:
		b.WriteString(st.OK.Render(t.PrivateOK))
	}
	return b.String(), 0
}
