package envwriter

// This file exposes the Path-list logic of winpath.go to doctor, which
// reads a Path as Windows will and must compare entries exactly as the
// writer does.

// SplitWinPath splits a Windows Path value into its segments, keeping each
// segment's bytes (quotes included).
func SplitWinPath(v string) []string { return splitWinPathList(v) }

// WinPathKey is what a segment means for comparison: unquoted, %VAR%
// expanded through lookup (nil: not expanded), case folded, trailing
// backslashes dropped. "" means the segment names no directory.
func WinPathKey(seg string, lookup func(string) (string, bool)) string {
	return winPathKey(seg, lookup)
}

// RemoveWinPathSegments returns v without the segments for which drop is
// true; all others keep their bytes and order.
func RemoveWinPathSegments(v string, drop func(i int, seg string) bool) string {
	segs := splitWinPathList(v)
	out := segs[:0:0]
	for i, s := range segs {
		if !drop(i, s) {
			out = append(out, s)
		}
	}
	return joinWinPath(out)
}

func joinWinPath(segs []string) string {
	s := ""
	for i, x := range segs {
		if i > 0 {
			s += ";"
		}
		s += x
	}
	return s
}

// GoDirsOutside returns the directories of the Path value v (expanded
// through lookup) that hold a go for hasGo and are none of dirs.
func GoDirsOutside(v string, dirs []string, lookup func(string) (string, bool), hasGo func(dir string) bool) []string {
	return goDirsOutside(v, dirs, lookup, hasGo)
}

// ExpandWinVarsWith expands %NAME% through lookup, as Windows does.
func ExpandWinVarsWith(s string, lookup func(string) (string, bool)) string {
	return expandWinVars(s, lookup)
}

// The registry string types a Path is stored as.
const (
	RegSZ       uint32 = 1 // REG_SZ: %VAR% is not expanded
	RegExpandSZ uint32 = 2 // REG_EXPAND_SZ
)
