package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/toolchain"
)

// step names a screen; its value indexes Text.Steps.
type step int

const (
	stepDetect step = iota
	stepVersion
	stepMirrors
	stepPrivate
	stepReview
	stepInstall
	stepDone
)

// nav is what a screen asks the root model to do after a message.
type nav int

const (
	navStay nav = iota
	navNext
	navBack
	navQuit
)

// screen is one step of the wizard, a small model of its own. It reads and
// writes the shared state in common; the root model owns navigation.
type screen interface {
	// enter is called each time the screen becomes current.
	enter(c *common) tea.Cmd
	update(c *common, msg tea.Msg) (tea.Cmd, nav)
	// view renders the body in width columns; focus is the line to keep
	// visible when the body is taller than the space for it.
	view(c *common, width int) (body string, focus int)
	keys(c *common) []key.Binding
	// typing reports whether printable keys go to a text field (then q and
	// j/k are letters, not commands).
	typing() bool
}

// common is what every screen shares: the backend, the language, styles,
// keys and the user's choices so far.
type common struct {
	ctx    context.Context
	be     Backend
	t      *Text
	st     Styles
	km     KeyMap
	width  int
	height int
	// room is the height the current screen's body gets.
	room int

	det     *Detection
	detErr  error
	rels    *Releases
	relErr  error
	doctor  *DoctorSummary
	docErr  error
	choices Choices
	// plan is the settings plan under review; result the installed
	// toolchain; applied whether the plan was written.
	plan    *envwriter.Plan
	result  *toolchain.Result
	applied bool
	check   *Check
	// installExited is closed when a started install has returned.
	installExited chan struct{}
	// outcome is what Run reports once the program ends.
	outcome Outcome
}

// Outcome is how the wizard ended.
type Outcome int

const (
	OutcomeUnfinished  Outcome = iota // quit before changing anything
	OutcomeDone                       // everything chosen was done
	OutcomeFailed                     // an install or write failed
	OutcomeInterrupted                // stopped during the install
	OutcomeRepair                     // the user chose to repair what doctor found
)

// Model is the root of the wizard: header, the current screen, footer.
type Model struct {
	c       *common
	screens map[step]screen
	path    []step
	at      int // index into path
	help    help.Model
	// confirmQuit is set while the stop-the-install question is shown.
	confirmQuit bool
}

// Options configure a wizard model.
type Options struct {
	Backend Backend
	Lang    Lang
	// Dark says whether the background is dark until the terminal
	// answers (Bubble Tea asks it in Init).
	Dark bool
}

// New builds the wizard's model.
func New(ctx context.Context, o Options) *Model {
	t := TextFor(o.Lang)
	c := &common{ctx: ctx, be: o.Backend, t: t, st: NewStyles(o.Dark), km: NewKeyMap(t), width: 80, height: 24}
	m := &Model{c: c, help: help.New()}
	m.screens = map[step]screen{
		stepDetect:  &detectScreen{},
		stepVersion: &versionScreen{},
		stepMirrors: &mirrorsScreen{},
		stepPrivate: newPrivateScreen(c),
		stepReview:  &reviewScreen{},
		stepInstall: &progressScreen{},
		stepDone:    &doneScreen{},
	}
	m.setPath(ModeProceed)
	m.restyle()
	return m
}

// pathFor is the sequence of screens for a mode. Proceed takes every
// recommendation and only stops where the user must watch or agree.
func pathFor(mode Mode) []step {
	switch mode {
	case ModeCustomize:
		return []step{stepDetect, stepVersion, stepMirrors, stepPrivate, stepReview, stepInstall, stepDone}
	case ModeMirrorsOnly:
		return []step{stepDetect, stepMirrors, stepPrivate, stepReview, stepInstall, stepDone}
	}
	return []step{stepDetect, stepMirrors, stepReview, stepInstall, stepDone}
}

func (m *Model) setPath(mode Mode) { m.path = pathFor(mode) }

func (m *Model) current() step { return m.path[m.at] }

func (m *Model) restyle() {
	st := m.c.st
	m.help.Styles.ShortKey = st.Key
	m.help.Styles.ShortDesc = st.KeyDesc
	m.help.Styles.ShortSeparator = st.Faint
	m.help.Styles.FullKey = st.Key
	m.help.Styles.FullDesc = st.KeyDesc
	m.help.Styles.FullSeparator = st.Faint
	m.help.Styles.Ellipsis = st.Faint
}

// Init starts reading the machine and the release list at once.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.screens[stepDetect].enter(m.c))
}

// Update routes a message: global keys first, then the current screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := m.c
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.width, c.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
	case tea.BackgroundColorMsg:
		c.st = NewStyles(msg.IsDark())
		m.restyle()
		if p, ok := m.screens[stepPrivate].(*privateScreen); ok {
			p.restyle(c)
		}
		return m, nil
	case tea.KeyPressMsg:
		if m.confirmQuit {
			switch {
			case key.Matches(msg, c.km.Yes):
				m.confirmQuit = false
				if p, ok := m.screens[stepInstall].(*progressScreen); ok {
					p.stop()
				}
			case key.Matches(msg, c.km.No), msg.String() == "ctrl+c":
				m.confirmQuit = false
			}
			return m, nil
		}
		cur := m.screens[m.current()]
		if msg.String() == "ctrl+c" || (!cur.typing() && key.Matches(msg, c.km.Quit)) {
			if p, ok := cur.(*progressScreen); ok && p.running() {
				m.confirmQuit = true
				return m, nil
			}
			return m, tea.Quit
		}
		if !cur.typing() && key.Matches(msg, c.km.Help) {
			m.help.ShowAll = !m.help.ShowAll
			return m, nil
		}
	}
	// Results of background work go to the screen that started it, even
	// when the user has moved on (the detect screen's release list is
	// used by the version screen).
	var cmds []tea.Cmd
	target := m.current()
	if owner, ok := ownerOf(msg); ok {
		target = owner
	}
	cmd, n := m.screens[target].update(c, msg)
	cmds = append(cmds, cmd)
	if target == m.current() {
		switch n {
		case navNext:
			if target == stepDetect {
				m.setPath(c.choices.Mode)
			}
			if m.at+1 < len(m.path) {
				m.at++
				cmds = append(cmds, m.screens[m.current()].enter(c))
			}
		case navBack:
			if m.at > 0 {
				m.at--
				cmds = append(cmds, m.screens[m.current()].enter(c))
			}
		case navQuit:
			cmds = append(cmds, tea.Quit)
		}
	}
	return m, tea.Batch(cmds...)
}

// ownerOf names the screen a background result belongs to.
func ownerOf(msg tea.Msg) (step, bool) {
	switch msg.(type) {
	case detectMsg, releasesMsg, prePlanMsg, doctorMsg:
		return stepDetect, true
	case probeBatch, probeDoneMsg, probeTickMsg:
		return stepMirrors, true
	case planMsg:
		return stepReview, true
	case installBatch, installDoneMsg, appliedMsg:
		return stepInstall, true
	case checkMsg:
		return stepDone, true
	}
	return 0, false
}

// View draws the header, the current screen cropped to fit, and the footer
// with the current screen's keys. Every line is cut to the terminal's
// width by display cells, so wide (CJK) text never wraps and garbles.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "gosetup"
	return v
}

func (m *Model) render() string {
	c := m.c
	w, h := max(c.width, 20), max(c.height, 8)
	header := m.header(w)
	cur := m.screens[m.current()]
	var footer string
	if m.confirmQuit {
		footer = c.st.Warn.Bold(true).Render(c.t.ConfirmQuit)
	} else {
		footer = m.footer(cur.keys(c), w)
	}
	room := h - lipgloss.Height(header) - lipgloss.Height(footer)
	c.room = room
	body, focus := cur.view(c, w)
	body = crop(body, room, focus)
	pad := room - lipgloss.Height(body)
	out := header + "\n" + body + strings.Repeat("\n", max(pad, 0)+1) + footer
	return clip(out, w)
}

// footer shows the current screen's keys, all of them: on two lines when
// one is too narrow (bubbles/help would cut the last ones off), and in
// columns after ?.
func (m *Model) footer(keys []key.Binding, w int) string {
	if m.help.ShowAll {
		return m.help.FullHelpView(helpKeys{short: keys, full: keys}.FullHelp())
	}
	h := m.help
	h.SetWidth(0)
	if line := h.ShortHelpView(keys); lipgloss.Width(line) <= w {
		return line
	}
	half := (len(keys) + 1) / 2
	return h.ShortHelpView(keys[:half]) + "\n" + h.ShortHelpView(keys[half:])
}

func (m *Model) header(w int) string {
	c := m.c
	var crumbs []string
	for i, s := range m.path {
		name := c.t.Steps[s]
		switch {
		case i == m.at:
			crumbs = append(crumbs, c.st.StepActive.Render(name))
		default:
			crumbs = append(crumbs, c.st.Step.Render(name))
		}
	}
	line := strings.Join(crumbs, c.st.Faint.Render(" › "))
	if lipgloss.Width(line) > w {
		// Too narrow for every step: show the current one and the count.
		line = c.st.StepActive.Render(c.t.Steps[m.current()]) + c.st.Faint.Render("  "+sprintf(c.t.StepOf, m.at+1, len(m.path)))
	}
	if c.height < 30 {
		return c.st.Title.Render(c.t.Title) + "\n" + line
	}
	return c.st.Title.Render(c.t.Title) + "\n" + line + "\n"
}

// crop keeps at most height lines of body, scrolled so that line focus
// stays in view.
func crop(body string, height, focus int) string {
	lines := strings.Split(body, "\n")
	if height <= 0 {
		return ""
	}
	if len(lines) <= height {
		return body
	}
	start := 0
	if focus >= height {
		start = focus - height + 1
	}
	start = min(start, len(lines)-height)
	return strings.Join(lines[start:start+height], "\n")
}

// clip cuts every line to w display cells.
func clip(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// Outcome reports how the wizard ended (for the exit status).
func (m *Model) Outcome() Outcome { return m.c.outcome }
