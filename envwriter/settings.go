// Package envwriter makes Go settings persistent: GOPROXY, GOSUMDB, GOPRIVATE
// (and GONOPROXY, GONOSUMDB) plus PATH entries, written to gosetup-owned env
// scripts sourced from managed blocks in shell startup files, to the Go env
// file, or to HKCU\Environment on Windows, with a record that makes undo
// exact.
package envwriter

// Settings is what the user asked to persist. An empty string leaves that
// variable as it is.
type Settings struct {
	GOPROXY   string
	GOSUMDB   string
	GOPRIVATE string
	GONOPROXY string
	GONOSUMDB string
	// Path lists directories to put first on PATH, in order: the
	// toolchain's bin, then GOPATH's bin.
	Path []string
}

// Var is one named setting.
type Var struct{ Name, Value string }

// Vars returns the non-empty GO* settings in a fixed order.
func (s Settings) Vars() []Var {
	var out []Var
	for _, v := range []Var{
		{"GOPROXY", s.GOPROXY},
		{"GOSUMDB", s.GOSUMDB},
		{"GOPRIVATE", s.GOPRIVATE},
		{"GONOPROXY", s.GONOPROXY},
		{"GONOSUMDB", s.GONOSUMDB},
	} {
		if v.Value != "" {
			out = append(out, v)
		}
	}
	return out
}
