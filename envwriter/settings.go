// Package envwriter makes Go settings persistent: GOPROXY, GOSUMDB, GOPRIVATE
// (and GONOPROXY, GONOSUMDB) plus PATH entries, written to gosetup-owned env
// scripts sourced from managed blocks in shell startup files, to the Go env
// file, or to HKCU\Environment on Windows, with a record that makes undo
// exact.
//
// The core is pure, old text to new text: ShScript and FishScript render
// the env scripts, UpsertBlock and RemoveBlock edit a startup file's one
// managed block (every other byte kept), UpdateGoEnv edits the Go env file
// as `go env -w` does, UnifiedDiff shows a change. Around it, a thin I/O
// shell: PlanEnv and PlanUninstall read everything and validate every value
// without writing, returning a Plan a CLI or TUI can show (files, diffs,
// warnings); Plan.Apply then writes it atomically, all files or none, and
// keeps the State record (state.json in ConfigDir) that uninstall uses.
// Explain reports each effective value and where it comes from.
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
