package doctor

import (
	"strings"

	"github.com/gosetup/gosetup/envwriter"
)

// setting is one GO* value in a view and where it comes from.
type setting struct {
	Name    string
	Value   string
	Sources []Source
	// Layer is where the go command took it from: SourceFile or
	// SourceProcess (the environment), SourceGoEnv, SourceGOROOT or
	// SourceDefault.
	Layer string
}

// resolve finds name's value in v as the go command reads it (envwriter's
// resolver: the environment, then the Go env file, then $GOROOT/go.env,
// then its default), and where each comes from: for the environment, the
// startup-file line that set it.
func (f *Facts) resolve(v *View, name string) setting {
	s := setting{Name: name}
	g, err := envwriter.ResolveGoEnv(f.viewEnv(v))
	if err != nil {
		s.Value, s.Layer = v.Getenv(name), SourceProcess
		return s
	}
	gv := g.Lookup(name)
	s.Value = gv.Value
	switch gv.Source {
	case envwriter.SourceEnv:
		s.Layer = SourceProcess
		s.Sources = f.envOrigin(v, name, gv.Value)
		if len(s.Sources) > 0 && s.Sources[0].Kind == SourceFile {
			s.Layer = SourceFile
		}
	case envwriter.SourceGoEnv:
		s.Layer = SourceGoEnv
		s.Sources = []Source{{Kind: SourceGoEnv, File: gv.File, Line: gv.Line, Text: name + "=" + gv.Value}}
	case envwriter.SourceGOROOT:
		s.Layer = SourceGOROOT
		s.Sources = []Source{{Kind: SourceGOROOT, File: gv.File, Line: gv.Line, Text: name + "=" + gv.Value}}
	default:
		s.Layer = SourceDefault
		s.Sources = []Source{{Kind: SourceDefault, Key: name}}
	}
	return s
}

// effective is the value the view's go command reports for name when it
// ran, else resolve's.
func (f *Facts) effective(v *View, name string) setting {
	s := f.resolve(v, name)
	if val, ok := v.GoEnv[name]; ok && s.Layer == SourceDefault {
		s.Value = val
	}
	return s
}

// envOrigin says where an environment value of v was set: for a fresh
// shell, the last assignment it executed (with the export that exported
// it); for this process, the process environment, and the startup-file
// line a fresh shell shows setting the same value.
func (f *Facts) envOrigin(v *View, name, val string) []Source {
	if !v.isProcess() {
		if a := lastAssignment(v.Assignments, name); a != nil {
			return []Source{{Kind: SourceFile, File: a.File, Line: a.Line, Shell: v.Name, Text: name + "=" + a.Value}}
		}
		return []Source{{Kind: SourceShell, Shell: v.Name, Key: name, Text: name + "=" + val}}
	}
	src := []Source{{Kind: SourceProcess, Key: name, Text: name + "=" + val}}
	for _, sv := range f.Views[1:] {
		if a := lastAssignment(sv.Assignments, name); a != nil && a.Value == val {
			return append(src, Source{Kind: SourceFile, File: a.File, Line: a.Line, Shell: sv.Name, Text: name + "=" + a.Value})
		}
	}
	return src
}

func lastAssignment(as []Assignment, name string) *Assignment {
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].Name == name {
			return &as[i]
		}
	}
	return nil
}

// pathEntryOrigin is the assignment that first put entry on PATH in v.
func pathEntryOrigin(v *View, entry string, goos string) *Assignment {
	had := false
	for i := range v.Assignments {
		a := &v.Assignments[i]
		if a.Name != "PATH" {
			continue
		}
		has := false
		for _, e := range pathList(a.Value, goos) {
			if e == entry {
				has = true
			}
		}
		if has && !had {
			return a
		}
		had = has
	}
	return nil
}

// pathSource is where a PATH entry of v comes from.
func (f *Facts) pathSource(v *View, entry string) Source {
	if v.isProcess() {
		for _, sv := range f.Views[1:] {
			if a := pathEntryOrigin(sv, entry, f.GOOS); a != nil {
				return Source{Kind: SourceFile, File: a.File, Line: a.Line, Shell: sv.Name, Text: "PATH entry " + quoteEntry(entry)}
			}
		}
		return Source{Kind: SourceProcess, Key: "PATH", Text: "PATH entry " + quoteEntry(entry)}
	}
	if a := pathEntryOrigin(v, entry, f.GOOS); a != nil {
		return Source{Kind: SourceFile, File: a.File, Line: a.Line, Shell: v.Name, Text: "PATH entry " + quoteEntry(entry)}
	}
	return Source{Kind: SourceShell, Shell: v.Name, Key: "PATH", Text: "PATH entry " + quoteEntry(entry) + " (inherited, not set by a startup file)"}
}

func quoteEntry(e string) string {
	if e == "" {
		return `"" (empty)`
	}
	return `"` + e + `"`
}

// viewEnv is the envwriter.Env of a view.
func (f *Facts) viewEnv(v *View) envwriter.Env {
	e := f.env
	e.Getenv = v.Getenv
	return e
}

// keyLine is the 1-based line of key's effective (last) KEY=VALUE line.
func keyLine(text []byte, key string) int {
	n := 0
	for i, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, key+"=") {
			n = i + 1
		}
	}
	return n
}
