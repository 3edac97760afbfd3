package tui

import (
	"charm.land/lipgloss/v2"
)

// Styles are every style the wizard uses, built for one background. The
// terminal's colour profile (NO_COLOR, a 16-colour terminal) is applied
// by Bubble Tea when the frame is written, so these may use any colour.
type Styles struct {
	Title, Step, StepActive, Heading, Faint, Bold lipgloss.Style
	OK, Warn, Fail, Accent, Selected, Cursor      lipgloss.Style
	Key, KeyDesc, Box, DiffAdd, DiffDel, DiffHunk lipgloss.Style
	BarFull, BarEmpty                             lipgloss.Style
}

// NewStyles builds the styles for a dark or a light background.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#1E66F5"), lipgloss.Color("#89B4FA"))
	green := ld(lipgloss.Color("#287A16"), lipgloss.Color("#A6E3A1"))
	yellow := ld(lipgloss.Color("#9A6200"), lipgloss.Color("#F9E2AF"))
	red := ld(lipgloss.Color("#C3112F"), lipgloss.Color("#F38BA8"))
	faint := ld(lipgloss.Color("#6C6F85"), lipgloss.Color("#9399B2"))
	cyan := ld(lipgloss.Color("#04768A"), lipgloss.Color("#94E2D5"))
	base := lipgloss.NewStyle()
	return Styles{
		Title:      base.Bold(true).Foreground(accent),
		Step:       base.Foreground(faint),
		StepActive: base.Bold(true).Foreground(accent),
		Heading:    base.Bold(true),
		Faint:      base.Foreground(faint),
		Bold:       base.Bold(true),
		OK:         base.Foreground(green),
		Warn:       base.Foreground(yellow),
		Fail:       base.Foreground(red),
		Accent:     base.Foreground(accent),
		Selected:   base.Bold(true).Foreground(accent),
		Cursor:     base.Bold(true).Foreground(accent),
		Key:        base.Bold(true),
		KeyDesc:    base.Foreground(faint),
		Box:        base.Border(lipgloss.RoundedBorder()).BorderForeground(faint).Padding(0, 1),
		DiffAdd:    base.Foreground(green),
		DiffDel:    base.Foreground(red),
		DiffHunk:   base.Foreground(cyan),
		BarFull:    base.Foreground(accent),
		BarEmpty:   base.Foreground(faint),
	}
}
