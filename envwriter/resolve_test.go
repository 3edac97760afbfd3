package envwriter

import (
	"os"
	"path/filepath"
	"testing"
)

// The go command's order: environment, Go env file, $GOROOT/go.env,
// built-in default; an empty value is unset at every level.
func TestResolveGoEnvOrder(t *testing.T) {
	dir := t.TempDir()
	goenv := filepath.Join(dir, "goenv")
	os.WriteFile(goenv, []byte("GOSUMDB=sum.file.example\nGOPROXY=\nGOPRIVATE=corp.example\nGONOPROXY=x.example\n"), 0o644)
	root := filepath.Join(dir, "goroot")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "go.env"), []byte("GOPROXY=https://goroot.example\nGOSUMDB=sum.goroot.example\nGOTOOLCHAIN=auto\n"), 0o644)
	vars := map[string]string{"HOME": dir, "GOENV": goenv, "GOROOT": root, "GOFLAGS": "-mod=mod", "GOSUMDB": ""}
	g, err := ResolveGoEnv(Env{Getenv: func(k string) string { return vars[k] }, Shells: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, value, source string }{
		{"GOFLAGS", "-mod=mod", SourceEnv},
		{"GOSUMDB", "sum.file.example", SourceGoEnv},        // empty in the environment: unset
		{"GOPROXY", "https://goroot.example", SourceGOROOT}, // empty in the file: unset
		{"GOTOOLCHAIN", "auto", SourceGOROOT},
		{"GONOPROXY", "x.example", SourceGoEnv},
		{"GONOSUMDB", "corp.example", SourceDefault}, // defaults to GOPRIVATE
		{"GOINSECURE", "", SourceDefault},
	} {
		v := g.Lookup(c.name)
		if v.Value != c.value || v.Source != c.source {
			t.Errorf("%s = %q from %s, want %q from %s", c.name, v.Value, v.Source, c.value, c.source)
		}
	}
	if v := g.Lookup("GOSUMDB"); v.File != goenv || v.Line != 1 {
		t.Errorf("GOSUMDB located at %s:%d", v.File, v.Line)
	}
	delete(vars, "GOROOT")
	g, _ = ResolveGoEnv(Env{Getenv: func(k string) string { return vars[k] }, Shells: []string{}})
	if v := g.Lookup("GOPROXY"); v.Value != "https://proxy.golang.org,direct" || v.Source != SourceDefault {
		t.Errorf("no GOROOT: GOPROXY = %+v", v)
	}
}
