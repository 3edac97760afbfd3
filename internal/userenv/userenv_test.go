package userenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLookPathOrderAndShadowing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix modes")
	}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(a, "go"), []byte("#!/bin/sh\n"), 0o644) // not executable
	os.WriteFile(filepath.Join(b, "go"), []byte("#!/bin/sh\n"), 0o755)
	os.Mkdir(filepath.Join(c, "go"), 0o755) // a directory
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "go"), []byte("#!/bin/sh\n"), 0o755)
	link := t.TempDir()
	os.Symlink(filepath.Join(b, "go"), filepath.Join(link, "go")) // same file as b's
	path := strings.Join([]string{"", "relative", a, b, c, b, link, d}, string(os.PathListSeparator))
	env := envOf(map[string]string{"PATH": path})
	got, err := LookPath(env, "go")
	if err != nil || got != filepath.Join(b, "go") {
		t.Fatalf("LookPath = %q, %v", got, err)
	}
	all := LookPathAll(env, "go")
	want := []string{filepath.Join(b, "go"), filepath.Join(d, "go")}
	if strings.Join(all, ",") != strings.Join(want, ",") {
		t.Errorf("LookPathAll = %v, want %v", all, want)
	}
	if _, err := LookPath(envOf(nil), "go"); err == nil {
		t.Error("empty PATH found something")
	}
}

func TestHome(t *testing.T) {
	if h, err := Home("windows", envOf(map[string]string{"HOME": "/h", "USERPROFILE": `C:\u`})); err != nil || h != `C:\u` {
		t.Errorf("windows: %q %v", h, err)
	}
	if h, err := Home("linux", envOf(map[string]string{"HOME": "/h", "USERPROFILE": `C:\u`})); err != nil || h != "/h" {
		t.Errorf("linux: %q %v", h, err)
	}
	other := "plan9"
	if runtime.GOOS == "plan9" {
		other = "linux"
	}
	if _, err := Home(other, envOf(nil)); err == nil {
		t.Error("no HOME for another platform: want an error")
	}
}
