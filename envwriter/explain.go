package envwriter

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Where an effective value comes from, in the go command's order of
// precedence (later wins): built-in default, $GOROOT/go.env, the Go env
// file, the process environment.
const (
	SourceDefault = "default"
	SourceGOROOT  = "$GOROOT/go.env"
	SourceGoEnv   = "Go env file"
	SourceEnv     = "environment"
	// SourceStartup: not in this process's environment, but a startup file
	// exports it, so new shells get it (and it shadows the Go env file).
	SourceStartup = "startup file"
)

// Effective is one setting's value as the go command would see it, and why.
type Effective struct {
	Name   string
	Value  string
	Source string // one of the Source constants
	// File and Line say where the value is set: the Go env file or go.env
	// for those sources; for SourceEnv, the startup file line that exports
	// it, when one does.
	File string
	Line int
	// Notes flag conflicts, such as an export in a startup file that
	// shadows the Go env file.
	Notes []string
}

// ManagedNames are the GO* variables gosetup writes.
var ManagedNames = []string{"GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB"}

// builtinDefault is the go command's value when nothing sets one.
func builtinDefault(name string) string {
	switch name {
	case "GOPROXY":
		return "https://proxy.golang.org,direct"
	case "GOSUMDB":
		return "sum.golang.org"
	}
	return ""
}

// Explain reports the effective value of each managed variable for the
// environment e (normally this process's), where it comes from, and
// whether a startup file export shadows the Go env file.
func Explain(e Env) ([]Effective, error) {
	e, err := e.resolved()
	if err != nil {
		return nil, err
	}
	// Assignments in startup files and gosetup's own env scripts.
	type site struct {
		file string
		a    Assignment
	}
	sites := map[string][]site{}
	files := e.startupFilesToScan()
	if cfg, err := ConfigDir(e); err == nil {
		files = append(files, scanFile{path: filepath.Join(cfg, "env")}, scanFile{path: filepath.Join(cfg, "env.fish"), fish: true})
	}
	// A file a startup file sources counts where it is sourced: an export
	// in ~/.config/myenv.sh shadows the Go env file as one in ~/.bashrc.
	seen := map[string]bool{}
	var scan func(f scanFile, depth int)
	scan = func(f scanFile, depth int) {
		if seen[f.path] || depth > 8 {
			return
		}
		seen[f.path] = true
		b, err := os.ReadFile(f.path)
		if err != nil {
			return
		}
		for _, a := range ScanAssignments(b, f.fish) {
			sites[a.Name] = append(sites[a.Name], site{f.path, a})
		}
		for _, p := range sourcedFiles(b, f.fish, e.Home) {
			scan(scanFile{path: p, fish: f.fish}, depth+1)
		}
	}
	for _, f := range files {
		scan(f, 0)
	}
	lastExport := func(ss []site) *site {
		var last *site
		for i := range ss {
			if ss[i].a.Export {
				last = &ss[i]
			}
		}
		return last
	}
	g, err := ResolveGoEnv(e)
	if err != nil {
		return nil, err
	}
	var out []Effective
	for _, name := range ManagedNames {
		ef := Effective{Name: name}
		envVal := e.Getenv(name)
		gv, inGoEnv := g.fileValue(name)
		switch {
		case envVal != "":
			ef.Value, ef.Source = envVal, SourceEnv
			for _, s := range sites[name] {
				if s.a.Export && s.a.Value == envVal {
					ef.File, ef.Line = s.file, s.a.Line
				}
			}
		case lastExport(sites[name]) != nil:
			s := lastExport(sites[name])
			ef.Value, ef.Source, ef.File, ef.Line = s.a.Value, SourceStartup, s.file, s.a.Line
		default:
			v := g.Lookup(name)
			ef.Value, ef.Source, ef.File, ef.Line = v.Value, v.Source, v.File, v.Line
			if v.Source == SourceDefault && (name == "GONOPROXY" || name == "GONOSUMDB") {
				ef.Notes = append(ef.Notes, "defaults to GOPRIVATE")
			}
		}
		for _, s := range sites[name] {
			if !s.a.Export {
				continue
			}
			if inGoEnv && ef.Source != SourceGoEnv {
				ef.Notes = append(ef.Notes, s.file+":"+itoa(s.a.Line)+" exports "+name+"="+s.a.Value+", which shadows the Go env file's "+name+"="+gv)
			} else if ef.Source == SourceEnv && s.a.Value != envVal {
				ef.Notes = append(ef.Notes, s.file+":"+itoa(s.a.Line)+" exports "+name+"="+s.a.Value+" (new shells may differ from this one)")
			}
		}
		if ef.Source == SourceEnv && inGoEnv && envVal != gv && len(ef.Notes) == 0 {
			ef.Notes = append(ef.Notes, "the environment shadows the Go env file's "+name+"="+gv)
		}
		out = append(out, ef)
	}
	return out, nil
}

// PathReport says which go the PATH finds and whether gosetup's
// directories are first.
type PathReport struct {
	// Go is the first go on PATH, "" when none.
	Go string
	// Managed are the directories gosetup put first, from its state record.
	Managed []string
	// First is true when PATH starts with Managed, in order.
	First bool
}

// ExplainPath reports on PATH for e.
func ExplainPath(e Env) PathReport {
	e, err := e.resolved()
	if err != nil {
		return PathReport{}
	}
	var r PathReport
	r.Go, _ = e.LookPath("go")
	if cfg, err := ConfigDir(e); err == nil {
		if st, err := LoadState(StatePath(cfg)); err == nil && st.Settings != nil {
			r.Managed = st.Settings.Path
		}
	}
	list := filepath.SplitList(e.Getenv("PATH"))
	r.First = len(r.Managed) > 0 && len(list) >= len(r.Managed)
	for i, d := range r.Managed {
		if r.First && !strings.EqualFold(filepath.Clean(list[i]), filepath.Clean(d)) && list[i] != d {
			r.First = false
		}
	}
	return r
}

func itoa(n int) string { return strconv.Itoa(n) }
