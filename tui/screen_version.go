package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/gosetup/gosetup/toolchain"
)

// versionScreen is a filterable list of the installable releases, with the
// installed ones marked and the latest stable release preselected.
type versionScreen struct {
	filter    textinput.Model
	filtering bool
	cursor    int // index into shown()
	inited    bool
}

func (s *versionScreen) typing() bool { return s.filtering }

func (s *versionScreen) enter(c *common) tea.Cmd {
	if !s.inited {
		s.inited = true
		s.filter = textinput.New()
		s.filter.Prompt = c.t.FilterPrompt
		st := textinput.DefaultStyles(true)
		st.Cursor.Blink = false
		s.filter.SetStyles(st)
	}
	s.selectVersion(c, c.choices.Release.Version)
	return nil
}

// selectVersion moves the cursor to version, or to the latest release.
func (s *versionScreen) selectVersion(c *common, version string) {
	if version == "" && c.rels != nil {
		version = c.rels.Latest
	}
	for i, r := range s.shown(c) {
		if r.Version == version {
			s.cursor = i
			return
		}
	}
	s.cursor = 0
}

// shown is the release list narrowed by the filter.
func (s *versionScreen) shown(c *common) []toolchain.Release {
	if c.rels == nil {
		return nil
	}
	q := strings.TrimSpace(strings.TrimPrefix(strings.ToLower(s.filter.Value()), "go"))
	var out []toolchain.Release
	for _, r := range c.rels.List {
		if q == "" || strings.Contains(strings.TrimPrefix(r.Version, "go"), q) {
			out = append(out, r)
		}
	}
	return out
}

func (s *versionScreen) update(c *common, msg tea.Msg) (tea.Cmd, nav) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if s.filtering {
			var cmd tea.Cmd
			s.filter, cmd = s.filter.Update(msg)
			return cmd, navStay
		}
		return nil, navStay
	}
	list := s.shown(c)
	switch {
	case key.Matches(k, c.km.Up) && (!s.filtering || k.String() == "up"):
		if s.cursor > 0 {
			s.cursor--
		}
		return nil, navStay
	case key.Matches(k, c.km.Down) && (!s.filtering || k.String() == "down"):
		if s.cursor < len(list)-1 {
			s.cursor++
		}
		return nil, navStay
	case key.Matches(k, c.km.Enter):
		if s.cursor < len(list) {
			c.choices.Release = list[s.cursor]
			s.filtering = false
			s.filter.Blur()
			return nil, navNext
		}
		return nil, navStay
	case s.filtering && k.String() == "esc":
		// esc first leaves the filter, then goes back.
		s.filtering = false
		s.filter.Blur()
		s.filter.SetValue("")
		s.selectVersion(c, c.choices.Release.Version)
		return nil, navStay
	case s.filtering:
		var cmd tea.Cmd
		before := s.filter.Value()
		s.filter, cmd = s.filter.Update(msg)
		if s.filter.Value() != before {
			s.cursor = 0
		}
		return cmd, navStay
	case key.Matches(k, c.km.Filter):
		s.filtering = true
		return s.filter.Focus(), navStay
	case key.Matches(k, c.km.Back):
		return nil, navBack
	}
	return nil, navStay
}

func (s *versionScreen) keys(c *common) []key.Binding {
	if s.filtering {
		return []key.Binding{c.km.Up, c.km.Down, c.km.Enter, c.km.ClearFilter}
	}
	return []key.Binding{c.km.Up, c.km.Down, c.km.Filter, c.km.Enter, c.km.Back, c.km.Quit, c.km.Help}
}

func (s *versionScreen) installed(c *common) map[string]bool {
	out := map[string]bool{}
	if c.det != nil {
		if c.det.Existing.IsGo {
			out[c.det.Existing.Version] = true
		}
		for _, g := range c.det.Gos {
			out[g.Version] = true
		}
	}
	return out
}

func (s *versionScreen) view(c *common, width int) (string, int) {
	t, st := c.t, c.st
	var b strings.Builder
	b.WriteString(st.Heading.Render(t.VersionTitle) + "\n")
	b.WriteString(st.Faint.Render(t.VersionHelp) + "\n")
	if s.filtering || s.filter.Value() != "" {
		b.WriteString(s.filter.View() + "\n")
	}
	b.WriteString("\n")
	if c.rels == nil {
		if c.relErr != nil {
			b.WriteString(releasesFailure(c, ""))
		} else {
			b.WriteString(st.Faint.Render(t.Loading))
		}
		return b.String(), 0
	}
	list := s.shown(c)
	if len(list) == 0 {
		b.WriteString(st.Warn.Render(sprintf(t.NoMatch, s.filter.Value())))
		return b.String(), 0
	}
	head := strings.Count(b.String(), "\n")
	inst := s.installed(c)
	// The list shows a window of rows around the cursor, with counts of
	// what is above and below, so the screen keeps its size.
	rows := max(c.height-head-8, 3)
	start := 0
	if s.cursor >= rows {
		start = s.cursor - rows + 1
	}
	end := min(start+rows, len(list))
	if start > 0 {
		b.WriteString(st.Faint.Render("  "+sprintf(t.MoreAbove, start)) + "\n")
	}
	focus := head
	for i := start; i < end; i++ {
		r := list[i]
		name := padRight(r.Version, 12)
		if i == s.cursor {
			name = st.Selected.Render(name)
			focus = strings.Count(b.String(), "\n")
		}
		var marks []string
		if r.Version == c.rels.Latest {
			marks = append(marks, st.OK.Render(t.MarkLatest))
		}
		if inst[r.Version] {
			marks = append(marks, st.Accent.Render(t.MarkInstalled))
		}
		if !r.Stable {
			marks = append(marks, st.Warn.Render(t.MarkUnstable))
		}
		b.WriteString(strings.TrimRight(cursorMark(c, i == s.cursor)+name+strings.Join(marks, " "), " ") + "\n")
	}
	if end < len(list) {
		b.WriteString(st.Faint.Render("  "+sprintf(t.MoreBelow, len(list)-end)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n"), focus
}
