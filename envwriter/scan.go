package envwriter

import (
	"bytes"

	"github.com/gosetup/gosetup/shellenv"
)

// Assignment is a line of a startup file that sets one of the variables
// gosetup manages.
type Assignment struct {
	Name  string
	Line  int // 1-based
	Value string
	// Export is true when the value reaches child processes such as the go
	// command (export NAME=, declare -x, set -x in fish, or a later
	// export NAME in the same file).
	Export bool
}

// scanned are the variables ScanAssignments reports.
var scanned = map[string]bool{"GOPROXY": true, "GOSUMDB": true, "GOPRIVATE": true, "GONOPROXY": true, "GONOSUMDB": true, "GOENV": true}

// ScanAssignments finds the assignments in text, outside gosetup's managed
// block, of a GO* variable gosetup manages (and GOENV). It parses with
// shellenv's parsers (a real shell parser for sh, a fish scanner), so
// several assignments on a line, export after && or inside an if, and
// GOPROXY=x followed by export GOPROXY are all found; a value computed at
// run time is reported as written.
func ScanAssignments(text []byte, fish bool) []Assignment {
	// The parsers build a tree many times the file's size: a file that
	// never names a scanned variable (a large generated startup file) has
	// none of their assignments, since the parsers only see literal names,
	// and is not parsed at all.
	if !mentionsScanned(text) {
		return nil
	}
	var as []shellenv.Assignment
	if fish {
		as, _ = shellenv.ParseFish(text, "", "")
	} else {
		// A file that does not parse to the end still tells about the
		// lines before the error.
		as, _, _ = shellenv.ParseSh(text, "", "")
	}
	start, end, found, _ := blockSpan(text)
	var out []Assignment
	for _, a := range as {
		if !scanned[a.Var] || found && a.Stmt.Start >= start && a.Stmt.Start < end {
			continue
		}
		if a.Op == shellenv.OpExport && a.Raw == "" && !fish {
			// export NAME: the earlier assignments are exported.
			for i := range out {
				if out[i].Name == a.Var {
					out[i].Export = true
				}
			}
			continue
		}
		out = append(out, Assignment{Name: a.Var, Line: a.Line, Value: a.Value, Export: a.Export})
	}
	return out
}

// sourcedFiles lists the files text sources ("." and source, or fish's
// source) with a literal path, ~ and $HOME expanded, outside gosetup's
// managed block (whose env script is scanned on its own).
func sourcedFiles(text []byte, fish bool, home string) []string {
	var srcs []shellenv.Source
	if fish {
		_, srcs = shellenv.ParseFish(text, "", home)
	} else {
		_, srcs, _ = shellenv.ParseSh(text, "", home)
	}
	start, end, found, _ := blockSpan(text)
	firstLine, lastLine := 0, -1
	if found {
		firstLine = 1 + bytes.Count(text[:start], []byte("\n"))
		lastLine = 1 + bytes.Count(text[:end], []byte("\n"))
	}
	var out []string
	for _, s := range srcs {
		if s.Path == "" || s.Line >= firstLine && s.Line <= lastLine {
			continue
		}
		out = append(out, s.Path)
	}
	return out
}

// mentionsScanned reports whether text contains the name of a scanned
// variable anywhere.
func mentionsScanned(text []byte) bool {
	for name := range scanned {
		if bytes.Contains(text, []byte(name)) {
			return true
		}
	}
	return false
}
