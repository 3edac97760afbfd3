package tui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/gosetup/gosetup/toolchain"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// shortPath abbreviates the home directory to ~.
func shortPath(home, p string) string {
	if home != "" && (p == home || strings.HasPrefix(p, home+string(filepath.Separator))) {
		return "~" + p[len(home):]
	}
	return p
}

// padRight pads s with spaces to w display cells (never by bytes or runes:
// a CJK character takes two cells).
func padRight(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func megabytes(n int64) float64 { return float64(n) / 1e6 }

// shortDuration writes a duration as a person reads it: 9s, 1m05s.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// releasesFailure lays out why the release list could not be had: the
// headline, then, when no source answered, each source's reason on a line
// of its own and the advice. indent starts every line.
func releasesFailure(c *common, indent string) string {
	var ns *toolchain.NoSourceError
	if !errors.As(c.relErr, &ns) || len(ns.Reasons()) == 0 {
		return indent + c.st.Fail.Render(sprintf(c.t.ReleasesFailed, oneLine(c.relErr)))
	}
	lines := []string{indent + c.st.Fail.Render(sprintf(c.t.ReleasesFailed, c.t.NoReleaseSource))}
	for _, r := range ns.Reasons() {
		lines = append(lines, indent+"  "+c.st.Faint.Render(r))
	}
	lines = append(lines, indent+c.t.ReleasesAdvice)
	return strings.Join(lines, "\n")
}

// oneLine keeps the first line of an error message; the face lays it out.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// cursorMark is the marker in front of the selected line of a list.
func cursorMark(c *common, selected bool) string {
	if selected {
		return c.st.Cursor.Render("❯ ")
	}
	return "  "
}

// wrap folds s to width display cells; CJK text, which has no spaces,
// breaks between characters.
func wrap(s string, width int) string { return lipgloss.Wrap(s, max(width, 10), " ") }
