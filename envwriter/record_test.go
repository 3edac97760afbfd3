package envwriter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// state.json keeps paths as JSON strings, which cannot hold bytes that are
// not UTF-8: such a path would come back altered and uninstall would not
// find the file. gosetup must refuse before writing anything.
func TestNonUTF8PathIsRefused(t *testing.T) {
	home := filepath.Join(t.TempDir(), "h\xff")
	userFiles(t, home, map[string]string{".profile": "x\n"})
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "off"}, Env: testEnv(home, []string{"bash"}, nil)}, "UTF-8")

	home2 := t.TempDir()
	userFiles(t, home2, map[string]string{".profile": "x\n"})
	env := testEnv(home2, []string{"sh"}, map[string]string{"GOENV": filepath.Join(home2, "go\xfeenv")})
	checkNothingChanged(t, home2, Options{Settings: Settings{GOPROXY: "off"}, Scope: ScopeGoEnv, Env: env}, "UTF-8")
}

// A startup file the user removes between two runs is gone from what they
// had before the second run: uninstall must not bring back its old content.
func TestFileRemovedBetweenRunsStaysRemoved(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "old profile\n", ".bashrc": "old bashrc\n"})
	goenv := filepath.Join(home, "goenv")
	userFiles(t, home, map[string]string{"goenv": "GOFLAGS=-mod=mod\nGOPROXY=https://old.example\n"})
	env := testEnv(home, []string{"bash"}, map[string]string{"GOENV": goenv})
	mustApply(t, Options{Settings: Settings{GOPROXY: "https://a.example", Path: []string{"/opt/go/bin"}}, Env: env})
	mustApply(t, Options{Settings: Settings{GOSUMDB: "off"}, Scope: ScopeGoEnv, Env: env})
	for _, f := range []string{".bashrc", "goenv"} {
		if err := os.Remove(filepath.Join(home, f)); err != nil {
			t.Fatal(err)
		}
	}
	mustApply(t, Options{Settings: Settings{GOSUMDB: "sum.golang.org"}, Scope: ScopeGoEnv, Env: env})
	mustUninstall(t, UninstallOptions{Env: env})
	for _, f := range []string{".bashrc", "goenv"} {
		if b, err := os.ReadFile(filepath.Join(home, f)); err == nil {
			t.Errorf("%s was removed before the last run, but uninstall brought it back: %q", f, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".profile")); string(b) != "old profile\n" {
		t.Errorf(".profile = %q, want its prior bytes", b)
	}
}

// A block left by an earlier gosetup whose record is gone (or that wrote
// to another config dir) is not part of what the user had: after this
// run's uninstall no gosetup line remains, and every other byte is back.
func TestUnrecordedBlockIsNotRestored(t *testing.T) {
	home := t.TempDir()
	old := "export A=1\n" + string(renderBlock(sourceBlock("/elsewhere/gosetup/env", false), "\n")) + "export B=2\n"
	userFiles(t, home, map[string]string{".profile": old})
	env := testEnv(home, []string{"sh"}, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "off"}, Env: env})
	mustUninstall(t, UninstallOptions{Env: env})
	got, _ := os.ReadFile(filepath.Join(home, ".profile"))
	if want := "export A=1\nexport B=2\n"; string(got) != want {
		t.Errorf(".profile after uninstall = %q, want %q", got, want)
	}
}

// The Go env file gosetup wrote is recorded once; when GOENV later names
// another file, writing there would drop the record of the first, whose
// values uninstall could then never undo.
func TestGoEnvMovedIsRefused(t *testing.T) {
	home := t.TempDir()
	first := filepath.Join(home, "goenv1")
	userFiles(t, home, map[string]string{".profile": "x\n", "goenv1": "GOPROXY=https://mine.example\n"})
	env := testEnv(home, []string{"sh"}, map[string]string{"GOENV": first})
	before := snapshot(t, home)
	mustApply(t, Options{Settings: Settings{GOPROXY: "off"}, Scope: ScopeGoEnv, Env: env})
	env2 := testEnv(home, []string{"sh"}, map[string]string{"GOENV": filepath.Join(home, "goenv2")})
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "direct"}, Scope: ScopeGoEnv, Env: env2}, "undo the settings gosetup wrote")
	mustUninstall(t, UninstallOptions{Env: env2})
	diffSnapshots(t, "uninstall", before, snapshot(t, home))
	if b, _ := os.ReadFile(first); !strings.Contains(string(b), "mine.example") {
		t.Errorf("goenv1 = %q", b)
	}
}

// A relative GOENV (or HOME) would be recorded as is, and an uninstall run
// from another directory would miss the file gosetup wrote.
func TestRelativePathIsRefused(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "x\n"})
	t.Chdir(home)
	env := testEnv(home, []string{"sh"}, map[string]string{"GOENV": "goenv"})
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "off"}, Scope: ScopeGoEnv, Env: env}, "relative")
}

// A damaged or edited record naming a directory that merely has a bin/go
// (a home directory with ~/bin/go, or /usr) must not be deleted as the
// toolchain.
func TestUninstallRemovesOnlyAGoToolchain(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "x\n", "bin/go": "#!/bin/sh\n", "precious": "data\n"})
	env := testEnv(home, []string{"sh"}, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "off"}, Env: env, Toolchain: home})
	p := mustUninstall(t, UninstallOptions{Env: env})
	if len(p.Skipped) != 1 || p.Skipped[0].Path != home || !p.Skipped[0].Refused {
		t.Errorf("Skipped = %+v, want a refusal to delete %s", p.Skipped, home)
	}
	if _, err := os.Stat(filepath.Join(home, "precious")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(home, ".config", "gosetup", "state.json"))
	tc := filepath.Join(home, "sdk", "go")
	userFiles(t, home, map[string]string{"sdk/go/bin/go": "#!/bin/sh\n", "sdk/go/VERSION": "go1.22.12\ntime 2025-02-04T20:35:57Z\n"})
	writeMark(t, tc)
	mustApply(t, Options{Settings: Settings{GOPROXY: "off"}, Env: env, Toolchain: tc})
	mustUninstall(t, UninstallOptions{Env: env})
	if _, err := os.Stat(tc); err == nil {
		t.Error("the toolchain was not removed")
	}
}

// TestMergeRegistryEdits: a repair of a value gosetup wrote, still as it
// wrote it, keeps the oldest prior (uninstall goes back to before
// gosetup); when the user changed it in between, their value becomes the
// prior, so uninstall does not undo their change.
func TestMergeRegistryEdits(t *testing.T) {
	st := &State{Registry: []RegistryRecord{{Name: "Path", PriorExists: true, PriorType: RegSZ, PriorData: `C:\a`, Type: RegSZ, Data: `C:\go\bin;C:\a`, Added: []string{`C:\go\bin`}}}}
	st.MergeRegistryEdits([]RegistryRecord{{Name: "PATH", PriorExists: true, PriorType: RegSZ, PriorData: `C:\go\bin;C:\a`, Type: RegExpandSZ, Data: `C:\go\bin`}})
	if r := st.Registry[0]; len(st.Registry) != 1 || r.PriorData != `C:\a` || r.PriorType != RegSZ || r.Type != RegExpandSZ || r.Data != `C:\go\bin` {
		t.Errorf("chained: %+v", st.Registry)
	}
	st.MergeRegistryEdits([]RegistryRecord{{Name: "Path", PriorExists: true, PriorType: RegExpandSZ, PriorData: `C:\go\bin;C:\mine`, Type: RegExpandSZ, Data: `C:\go\bin;C:\mine2`}})
	if r := st.Registry[0]; len(st.Registry) != 1 || r.PriorData != `C:\go\bin;C:\mine` || r.Data != `C:\go\bin;C:\mine2` {
		t.Errorf("changed in between: %+v", st.Registry)
	}
	st.MergeRegistryEdits([]RegistryRecord{{Name: "GOPROXY", Type: RegSZ, Data: "x"}})
	if len(st.Registry) != 2 {
		t.Errorf("new name: %+v", st.Registry)
	}
}
