package envwriter

import (
	"regexp"
	"strings"
)

// Assignment is a line of a startup file that sets one of the variables
// gosetup manages.
type Assignment struct {
	Name  string
	Line  int // 1-based
	Value string
	// Export is true when the value reaches child processes such as the go
	// command (export NAME=, declare -x, set -x in fish).
	Export bool
}

var (
	shAssign   = regexp.MustCompile(`^\s*(export\s+|declare\s+-x\s+|typeset\s+-x\s+)?(GOPROXY|GOSUMDB|GOPRIVATE|GONOPROXY|GONOSUMDB|GOENV)=(.*)$`)
	shExport   = regexp.MustCompile(`^\s*export\s+((?:GOPROXY|GOSUMDB|GOPRIVATE|GONOPROXY|GONOSUMDB|GOENV)(?:\s+|$))+`)
	fishAssign = regexp.MustCompile(`^\s*set\s+((?:-[a-zA-Z]+\s+|--[a-z]+\s+)*)(GOPROXY|GOSUMDB|GOPRIVATE|GONOPROXY|GONOSUMDB|GOENV)(\s+(.*))?$`)
)

// ScanAssignments finds the lines of text, outside gosetup's managed block,
// that set a GO* variable gosetup manages. It reads the common forms; a
// value computed at run time is reported as written.
func ScanAssignments(text []byte, fish bool) []Assignment {
	var out []Assignment
	start, end, found, _ := blockSpan(text)
	off := 0
	exported := map[string]bool{}
	for i, line := range strings.SplitAfter(string(text), "\n") {
		lineStart := off
		off += len(line)
		if found && lineStart >= start && lineStart < end {
			continue
		}
		line = strings.TrimRight(line, "\r\n")
		if fish {
			m := fishAssign.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			flags := m[1]
			out = append(out, Assignment{Name: m[2], Line: i + 1, Value: strings.TrimSpace(m[4]),
				Export: strings.Contains(flags, "x") && !strings.Contains(flags, "-e") || strings.Contains(flags, "--export")})
			continue
		}
		if m := shAssign.FindStringSubmatch(line); m != nil {
			out = append(out, Assignment{Name: m[2], Line: i + 1, Value: unquoteSimple(m[3]), Export: m[1] != "" || exported[m[2]]})
			continue
		}
		if m := shExport.FindString(line); m != "" {
			for _, n := range strings.Fields(m)[1:] {
				exported[n] = true
				for j := range out {
					if out[j].Name == n {
						out[j].Export = true
					}
				}
			}
		}
	}
	return out
}

// unquoteSimple strips one level of plain quoting and a trailing comment,
// enough to show a value to the user.
func unquoteSimple(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') {
		if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
			return v[1 : j+1]
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
