package toolchain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// untrusted makes text a server sent (a status line, a header, an error
// body) safe to put in an error shown on a terminal: control characters,
// which a hostile mirror could use to move the cursor, retitle the window
// or hide earlier output, become '?' (line breaks become spaces), and the
// text is cut to about max bytes. Printable text in any script is kept, so
// a mirror's Chinese error page still reads.
func untrusted(s string, max int) string {
	cut := len(s) > max
	if cut {
		s = s[:max] // a rune split here becomes '?' below
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ':
			return '?'
		}
		return r
	}, s)
	if cut {
		s += "..."
	}
	return s
}
