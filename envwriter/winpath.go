package envwriter

import (
	"fmt"
	"strings"
)

// This file holds the Windows Path-list logic. It is pure string work so that
// it builds and is tested on every OS; registry_windows.go applies it to the
// Path value in HKCU\Environment.
//
// A Windows Path is a ';'-separated list. A segment may be wrapped in double
// quotes so that it can contain ';' (Windows and Go's filepath.SplitList both
// honour that). The user's segments are never rewritten: gosetup only
// prepends its directories, moves an equivalent existing segment to the
// front verbatim (so "%USERPROFILE%\go\bin" stays unexpanded), and drops
// later duplicates of its own directories. Everything else, including empty
// segments and their separators, keeps its bytes and order.

// splitWinPathList splits v at every ';' outside double quotes and keeps each
// segment's bytes, so strings.Join(segments, ";") == v. An empty v has no
// segments.
func splitWinPathList(v string) []string {
	if v == "" {
		return nil
	}
	var segs []string
	quoted := false
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				segs = append(segs, v[start:i])
				start = i + 1
			}
		}
	}
	return append(segs, v[start:])
}

// winPathKey returns what a Path segment means for comparison: quotes
// removed, surrounding blanks trimmed, %VAR% references expanded through
// lookup (nil: no expansion), '/' read as '\', repeated and trailing
// backslashes dropped (but "C:\" keeps its root), and case folded, because
// Windows file names are case-insensitive. An empty key means the segment
// names no directory.
func winPathKey(seg string, lookup func(string) (string, bool)) string {
	s := strings.ReplaceAll(seg, `"`, "")
	s = strings.Trim(s, " \t")
	if lookup != nil {
		s = expandWinVars(s, lookup)
		s = strings.Trim(strings.ReplaceAll(s, `"`, ""), " \t")
	}
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "/", `\`)
	// Collapse runs of '\' except a leading "\\" (a UNC or \\?\ prefix).
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i >= 2 && s[i-1] == '\\' {
			continue
		}
		b.WriteByte(s[i])
	}
	s = b.String()
	trimmed := strings.TrimRight(s, `\`)
	switch {
	case trimmed == "":
		s = `\` // the root of the current drive
	case len(trimmed) == 2 && trimmed[1] == ':' && trimmed != s:
		s = trimmed + `\` // "C:\" is the root; "C:" alone means C:'s current directory
	default:
		s = trimmed
	}
	return strings.ToLower(s)
}

// expandWinVars replaces %NAME% with its value as ExpandEnvironmentStrings
// does: names are looked up through lookup, and an unknown name stays as it
// is, percent signs included.
func expandWinVars(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		rest := s[i+1:]
		j := strings.IndexByte(rest, '%')
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		name := rest[:j]
		if val, ok := lookup(name); ok && name != "" {
			b.WriteString(val)
			s = rest[j+1:]
			continue
		}
		// Not a variable: keep "%NAME%" as it is and go on after it, as
		// ExpandEnvironmentStrings does.
		b.WriteString("%" + name + "%")
		s = rest[j+1:]
	}
}

// checkWinPathDir rejects a directory that cannot be written into a Path
// value as one segment.
func checkWinPathDir(dir string) error {
	switch {
	case strings.Trim(dir, " \t") == "":
		return fmt.Errorf("empty directory for Path: give an absolute directory")
	case strings.ContainsAny(dir, "\"\x00"):
		return fmt.Errorf("directory %q for Path contains a double quote or NUL, which a Path entry cannot hold: choose another directory", dir)
	}
	return nil
}

// quoteWinPathDir wraps dir in double quotes when it contains ';', so that
// the Path list still reads it as one entry.
func quoteWinPathDir(dir string) string {
	if strings.Contains(dir, ";") {
		return `"` + dir + `"`
	}
	return dir
}

// prependWinPath returns value with dirs first, in order. A directory already
// on the list (by winPathKey) is moved to the front as the user wrote it;
// other copies of it are dropped; every other segment keeps its bytes and
// order. When dirs already lead the list and appear nowhere else, value is
// returned unchanged, so applying twice changes nothing.
func prependWinPath(value string, dirs []string, lookup func(string) (string, bool)) (string, error) {
	segs := splitWinPathList(value)
	used := make([]bool, len(segs))
	keys := make([]string, len(segs))
	for i, s := range segs {
		keys[i] = winPathKey(s, lookup)
	}
	want := map[string]bool{}
	var front []string
	for _, d := range dirs {
		if err := checkWinPathDir(d); err != nil {
			return "", err
		}
		k := winPathKey(d, lookup)
		if want[k] {
			continue // the same directory twice in dirs
		}
		want[k] = true
		entry := quoteWinPathDir(d)
		for i := range segs {
			if !used[i] && keys[i] == k {
				entry = segs[i] // keep the user's spelling, e.g. %USERPROFILE%
				used[i] = true
				break
			}
		}
		front = append(front, entry)
	}
	out := front
	for i, s := range segs {
		if !want[keys[i]] || keys[i] == "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ";"), nil
}

// removeWinPath returns value without the segments that mean one of dirs;
// all other segments keep their bytes and order.
func removeWinPath(value string, dirs []string, lookup func(string) (string, bool)) string {
	drop := map[string]bool{}
	for _, d := range dirs {
		if k := winPathKey(d, lookup); k != "" {
			drop[k] = true
		}
	}
	segs := splitWinPathList(value)
	out := segs[:0:0]
	for _, s := range segs {
		if !drop[winPathKey(s, lookup)] {
			out = append(out, s)
		}
	}
	return strings.Join(out, ";")
}

// addedWinPathDirs returns the segments of after that name no directory of
// before: what a prepend added, as opposed to what it only moved.
func addedWinPathDirs(before, after string, lookup func(string) (string, bool)) []string {
	had := map[string]bool{}
	for _, s := range splitWinPathList(before) {
		had[winPathKey(s, lookup)] = true
	}
	var added []string
	for _, s := range splitWinPathList(after) {
		if k := winPathKey(s, lookup); k != "" && !had[k] {
			added = append(added, s)
			had[k] = true
		}
	}
	return added
}

// goDirsOutside returns the segments of the Path list value, expanded
// through lookup and unquoted, for which hasGo is true and which mean none
// of dirs: directories whose go would be found instead of gosetup's.
func goDirsOutside(value string, dirs []string, lookup func(string) (string, bool), hasGo func(dir string) bool) []string {
	ours := map[string]bool{}
	for _, d := range dirs {
		ours[winPathKey(d, lookup)] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, seg := range splitWinPathList(value) {
		k := winPathKey(seg, lookup)
		if k == "" || ours[k] || seen[k] {
			continue
		}
		seen[k] = true
		dir := strings.Trim(strings.ReplaceAll(expandWinVars(seg, lookup), `"`, ""), " \t")
		if hasGo(dir) {
			out = append(out, dir)
		}
	}
	return out
}
