package envwriter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On Windows a record whose paths differ only in case from the home and
// AppData uninstall works them out from (tools spell USERPROFILE either
// way) names the same files, and must be undone; every other refusal
// stays. The paths are this system's (so filepath treats them as
// absolute), with Windows' rule for comparing them.
func TestManagedCaseOnWindows(t *testing.T) {
	tmp := t.TempDir()
	home := filepath.Join(tmp, "Users", "Me")
	appData := filepath.Join(home, "AppData", "Roaming")
	outside := filepath.Join(tmp, "Other")
	for _, d := range []string{appData, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(home, "link")); err != nil {
		t.Fatal(err)
	}
	env := func(goos string) Env {
		vars := map[string]string{"USERPROFILE": home, "AppData": appData}
		return Env{GOOS: goos, Home: home, Getenv: func(k string) string { return vars[k] }}
	}
	// As a record written under another spelling of the same directories.
	other := func(p string) string {
		return strings.Replace(strings.ToLower(p), strings.ToLower(home), filepath.Join(tmp, "USERS", "ME"), 1)
	}
	goEnv := other(filepath.Join(appData, "go", "env"))
	goDir := other(filepath.Join(appData, "go"))
	cfgDir := other(filepath.Join(appData, "gosetup"))
	inHome := other(filepath.Join(home, "Documents", "profile.ps1"))

	win := newManaged(env("windows"), filepath.Join(appData, "gosetup"))
	if listed, err := win.check(goEnv); err != nil || !listed {
		t.Errorf("check(%s) = %v, %v; want the Go env file, listed", goEnv, listed, err)
	}
	if listed, err := win.check(inHome); err != nil || listed {
		t.Errorf("check(%s) = %v, %v; want a file inside the home, not listed", inHome, listed, err)
	}
	if !win.isScript(other(filepath.Join(appData, "gosetup", "env"))) {
		t.Error("the env script under another spelling is not gosetup's")
	}
	for _, d := range []string{goDir, cfgDir} {
		if err := win.checkDir(d); err != nil {
			t.Errorf("checkDir(%s): %v", d, err)
		}
	}
	for _, path := range []string{
		filepath.Join(outside, "file"),      // outside the home
		filepath.Join(tmp, "users", "me"),   // the home itself
		filepath.Join(home, "link", "file"), // through a symlinked dir, out of the home
		filepath.Join(tmp, "Users", "Me") + string(filepath.Separator) + ".." + string(filepath.Separator) + "x", // not clean
		filepath.Join(tmp, "Users", "Mel", "file"),                                                               // a sibling sharing the home's prefix
	} {
		if _, err := win.check(path); err == nil {
			t.Errorf("check(%s) accepted it", path)
		}
	}
	for _, d := range []string{filepath.Join(tmp, "users", "me"), filepath.Join(tmp, "users"), outside} {
		if err := win.checkDir(d); err == nil {
			t.Errorf("checkDir(%s) accepted it", d)
		}
	}

	// What env records as made by it is judged the same way: a directory
	// made for a GOENV inside the home spelled in another case.
	made := []string{other(filepath.Join(home, "goenv"))}
	if got := recordableDirs(pathsFor("windows"), made, home, outside); len(got) != 1 {
		t.Errorf("recordableDirs on Windows = %v, want %v", got, made)
	}

	// Elsewhere paths differing in case are other paths.
	unix := newManaged(env("linux"), filepath.Join(appData, "gosetup"))
	if _, err := unix.check(goEnv); err == nil {
		t.Errorf("off Windows, check(%s) accepted a path outside the home", goEnv)
	}
	if err := unix.checkDir(goDir); err == nil {
		t.Errorf("off Windows, checkDir(%s) accepted it", goDir)
	}
	if got := recordableDirs(pathsFor("linux"), made, home, outside); len(got) != 0 {
		t.Errorf("off Windows, recordableDirs = %v, want none", got)
	}
}
