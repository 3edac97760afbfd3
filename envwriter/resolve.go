package envwriter

import (
	"os"
	"path/filepath"
)

// GoValue is one variable's value as a go command started now, in this
// environment, would compute it, and where it came from.
type GoValue struct {
	Name  string
	Value string
	// Source is SourceEnv, SourceGoEnv, SourceGOROOT or SourceDefault.
	Source string
	// File and Line locate the value for SourceGoEnv and SourceGOROOT.
	File string
	Line int
}

// GoEnv is the effective Go environment: the go command's own order (the
// process environment, then the Go env file, then $GOROOT/go.env, then
// its built-in default), read once. It is a snapshot: it changes nothing
// and shares nothing.
type GoEnv struct {
	getenv func(string) string
	// GoEnvFile is the Go env file consulted ("" when GOENV=off).
	GoEnvFile string
	// GOROOT is the toolchain whose go.env was consulted: $GOROOT, else
	// that of the go first on PATH; "" when there is none.
	GOROOT string

	file, goroot         map[string]string
	fileText, gorootText []byte
}

// ResolveGoEnv reads the effective Go environment for e.
func ResolveGoEnv(e Env) (*GoEnv, error) {
	e, err := e.resolved()
	if err != nil {
		return nil, err
	}
	g := &GoEnv{getenv: e.Getenv}
	if p, err := GoEnvFile(e); err == nil {
		g.GoEnvFile = p
		g.fileText, _ = os.ReadFile(p)
		g.file = ParseGoEnv(g.fileText)
	}
	g.GOROOT = e.Getenv("GOROOT")
	if g.GOROOT == "" {
		if bin, err := e.LookPath("go"); err == nil {
			if r, err := filepath.EvalSymlinks(bin); err == nil {
				g.GOROOT = filepath.Dir(filepath.Dir(r))
			}
		}
	}
	if g.GOROOT != "" {
		g.gorootText, _ = os.ReadFile(filepath.Join(g.GOROOT, "go.env"))
		g.goroot = ParseGoEnv(g.gorootText)
	}
	return g, nil
}

// Lookup is name's effective value. As in the go command, an empty value
// counts as unset at every level, and GONOPROXY and GONOSUMDB default to
// GOPRIVATE.
func (g *GoEnv) Lookup(name string) GoValue {
	v := GoValue{Name: name}
	switch {
	case g.getenv(name) != "":
		v.Value, v.Source = g.getenv(name), SourceEnv
	case g.file[name] != "":
		v.Value, v.Source, v.File, v.Line = g.file[name], SourceGoEnv, g.GoEnvFile, goEnvLine(g.fileText, name)
	case g.goroot[name] != "":
		v.Value, v.Source, v.File, v.Line = g.goroot[name], SourceGOROOT, filepath.Join(g.GOROOT, "go.env"), goEnvLine(g.gorootText, name)
	default:
		v.Source = SourceDefault
		v.Value = builtinDefault(name)
		if name == "GONOPROXY" || name == "GONOSUMDB" {
			v.Value = g.Lookup("GOPRIVATE").Value
		}
	}
	return v
}

// Get is Lookup's value alone.
func (g *GoEnv) Get(name string) string { return g.Lookup(name).Value }

// fileValue is the Go env file's own value of name, set or not.
func (g *GoEnv) fileValue(name string) (string, bool) {
	v, ok := g.file[name]
	return v, ok
}
