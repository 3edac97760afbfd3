//go:build !windows

package envwriter

import "os"

// PathValue is a Path value as stored in the Windows registry.
type PathValue struct {
	Key    string
	Exists bool
	Expand bool
	Data   string
	Type   uint32
	Raw    string
}

// ReadPaths reads the Windows user and system Path; elsewhere there are none.
func ReadPaths() (user, system PathValue, err error) { return PathValue{}, PathValue{}, errNoRegistry }

// ExpandWinVars expands %NAME% as Windows does for a REG_EXPAND_SZ value.
func ExpandWinVars(s string) string { return expandWinVars(s, os.LookupEnv) }
