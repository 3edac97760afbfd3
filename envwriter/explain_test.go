package envwriter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainSources(t *testing.T) {
	home := t.TempDir()
	goroot := filepath.Join(home, "goroot")
	userFiles(t, home, map[string]string{
		"goroot/go.env":            "# comment\nGOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\n",
		".config/go/env":           "GOPRIVATE=corp.example.com\nGONOSUMDB=x.example\n",
		".bashrc":                  "alias x=y\nexport GONOSUMDB=shadow.example\n",
		".config/fish/config.fish": "set -gx GONOPROXY fish.example\n",
	})
	os.MkdirAll(filepath.Join(goroot, "bin"), 0o755)
	os.WriteFile(filepath.Join(goroot, "bin", "go"), []byte("#!/bin/sh\n"), 0o755)
	env := testEnv(home, nil, map[string]string{"GOSUMDB": "sum.golang.google.cn"})
	env.LookPath = func(name string) (string, error) { return filepath.Join(goroot, "bin", name), nil }
	effs, err := Explain(env)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Effective{}
	for _, e := range effs {
		got[e.Name] = e
	}
	check := func(name, value, source, file string, line int) {
		t.Helper()
		e := got[name]
		if e.Value != value || e.Source != source || e.File != file || e.Line != line {
			t.Errorf("%s = %+v, want value %q source %q at %s:%d", name, e, value, source, file, line)
		}
	}
	check("GOPROXY", "https://proxy.golang.org,direct", SourceGOROOT, filepath.Join(goroot, "go.env"), 2)
	check("GOSUMDB", "sum.golang.google.cn", SourceEnv, "", 0)
	check("GOPRIVATE", "corp.example.com", SourceGoEnv, filepath.Join(home, ".config/go/env"), 1)
	check("GONOSUMDB", "shadow.example", SourceStartup, filepath.Join(home, ".bashrc"), 2)
	check("GONOPROXY", "fish.example", SourceStartup, filepath.Join(home, ".config/fish/config.fish"), 1)
	if n := got["GONOSUMDB"].Notes; len(n) != 1 || !strings.Contains(n[0], "shadows the Go env file") || !strings.Contains(n[0], ".bashrc:2") {
		t.Errorf("GONOSUMDB notes = %q, want the shadowing export flagged", n)
	}
}

func TestScanAssignments(t *testing.T) {
	sh := "export GOPROXY='https://a.example'\nGOSUMDB=off\nexport GOSUMDB\n  declare -x GOPRIVATE=\"x.example\"\n# export GONOPROXY=no\n" +
		BeginMarker + "\nexport GOPROXY=inside\n" + EndMarker + "\n"
	got := ScanAssignments([]byte(sh), false)
	want := []Assignment{{"GOPROXY", 1, "https://a.example", true}, {"GOSUMDB", 2, "off", true}, {"GOPRIVATE", 4, "x.example", true}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %+v, want %+v", got[i], want[i])
		}
	}
	fish := ScanAssignments([]byte("set -gx GOPROXY https://f.example\nset -g GOSUMDB off\nset -e GOPRIVATE\n"), true)
	if len(fish) != 3 || !fish[0].Export || fish[1].Export || fish[0].Value != "https://f.example" {
		t.Errorf("fish: %+v", fish)
	}
}
