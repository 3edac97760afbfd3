package envwriter

import "strings"

// shQuote quotes s as one word for every POSIX-family shell gosetup writes
// for (sh, dash, bash, ksh, zsh): single quotes, in which nothing is special,
// with each ' written as \' between quoted runs. It never emits an empty pair of
// quotes next to a quote, which zsh's RC_QUOTES option would read as a
// quote character.
func shQuote(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for i, part := range strings.Split(s, "'") {
		if i > 0 {
			b.WriteString(`\'`)
		}
		if part != "" {
			b.WriteByte('\'')
			b.WriteString(part)
			b.WriteByte('\'')
		}
	}
	return b.String()
}

// fishQuote quotes s as one word for fish: inside single quotes fish
// treats only \' and \\ as escapes, so those two are escaped and nothing
// else is special (no $, no command substitution, no globbing).
func fishQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}
