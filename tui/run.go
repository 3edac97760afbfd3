package tui

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// RunOptions say where the wizard runs.
type RunOptions struct {
	Backend Backend
	Lang    Lang
	// In and Out are the terminal: keys come from In, the screen is drawn
	// on Out (stderr, so stdout stays clean).
	In  io.Reader
	Out io.Writer
	// Environ is the environment Bubble Tea reads the terminal's
	// capabilities from (TERM, NO_COLOR, COLORTERM).
	Environ []string
	// Accessible runs the same flow as plain line prompts.
	Accessible bool
}

// ErrNotFinished is returned when the user left before the end; nothing
// was changed.
var ErrNotFinished = errors.New("the wizard ended before changing anything")

// ErrRepair is returned when the user chose to repair what doctor found:
// the caller runs the repair flow next, in the same terminal.
var ErrRepair = errors.New("the user chose to repair")

// ErrInterrupted is returned when the install was stopped; the target was
// left as it was.
var ErrInterrupted = errors.New("stopped during the install; the target was left as it was")

// Run runs the wizard until the user finishes or leaves. The caller has
// checked that In and Out are a terminal: Bubble Tea would otherwise try
// to open /dev/tty itself.
func Run(ctx context.Context, o RunOptions) error {
	if o.Accessible {
		return runAccessible(ctx, o)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(ctx, Options{Backend: o.Backend, Lang: o.Lang, Dark: true})
	p := tea.NewProgram(m,
		tea.WithContext(ctx),
		tea.WithInput(o.In),
		tea.WithOutput(o.Out),
		tea.WithEnvironment(o.Environ),
	)
	_, runErr := p.Run()
	// A cancelled program (SIGTERM) must not leave an install half done:
	// stop it and wait for the installer's rollback before returning.
	if ch := m.c.installExited; ch != nil {
		cancel()
		<-ch
	}
	return m.finish(o.Out, o.Environ, runErr)
}

// finish prints what stays in the scrollback once the screen is gone and
// maps the outcome to an error.
func (m *Model) finish(out io.Writer, environ []string, runErr error) error {
	c := m.c
	w := colorprofile.NewWriter(out, environ)
	switch c.outcome {
	case OutcomeDone:
		fmt.Fprintln(w, Summary(c, "", nil))
		if c.check != nil && !c.check.OK() {
			return errors.New("the settings are written, but a fresh shell does not see all of them yet (details above)")
		}
		return nil
	case OutcomeRepair:
		return ErrRepair
	case OutcomeInterrupted:
		fmt.Fprintln(w, sprintf(c.t.Stopped, shortPath(homeOf(c), c.choices.Dir)))
		return ErrInterrupted
	case OutcomeFailed:
		p := m.screens[stepInstall].(*progressScreen)
		switch {
		case p.err != nil:
			fmt.Fprintln(w, c.st.Fail.Render(sprintf(c.t.InstallFailed, oneLine(p.err))))
			fmt.Fprintln(w, p.untouched(c))
			return p.err
		case p.settingErr != nil:
			fmt.Fprintln(w, c.st.Fail.Render(sprintf(c.t.SettingsFailed, oneLine(p.settingErr))))
			return p.settingErr
		}
	}
	if runErr != nil && !errors.Is(runErr, tea.ErrInterrupted) {
		return runErr
	}
	return ErrNotFinished
}

func homeOf(c *common) string {
	if c.det != nil {
		return c.det.Home
	}
	return ""
}

// plainWidth is the width of s in terminal cells.
func plainWidth(s string) int { return lipgloss.Width(s) }
