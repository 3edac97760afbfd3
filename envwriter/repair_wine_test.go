//go:build !windows

package envwriter

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineRepairUserPath runs the real gosetup.exe repair under Wine on a
// broken user Path: stored as REG_SZ while it holds %USERPROFILE% entries,
// with duplicates (one differing only in case and a trailing \, one that is
// in the system Path too), an empty entry and a directory that does not
// exist; and a GOPROXY set by hand in HKCU\Environment, shadowing the Go
// env file. reg.exe, from outside, must then see REG_EXPAND_SZ with the
// text of the live entries unchanged and no GOPROXY (it moved to the Go env
// file); state.json must hold the prior types and text; and gosetup
// uninstall must put back the exact types and text.
func TestWineRepairUserPath(t *testing.T) {
	w := setupWine(t)
	exe := filepath.Join(t.TempDir(), "gosetup.exe")
	w.buildWindows(t, exe, "build", "-o", exe, ".")
	p := w.newPrefix(t)
	user := wineUser(t, p)
	drive := filepath.Join(p.dir, "drive_c")
	for _, d := range []string{filepath.Join("users", user, "bin"), filepath.Join("tools", "bin")} {
		if err := os.MkdirAll(filepath.Join(drive, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seed := `%USERPROFILE%\bin;C:\no\such\dir;C:\tools\bin;;%USERPROFILE%\bin;c:\TOOLS\bin\;C:\windows\system32`
	p.regAdd(t, "Path", "REG_SZ", seed)
	// Set by hand (not by gosetup): it shadows the Go env file.
	p.regAdd(t, "GOPROXY", "REG_SZ", "https://goproxy.io,direct")
	goenv := filepath.Join(drive, "users", user, "AppData", "Roaming", "go", "env")

	// Dry run: the diff, and nothing written.
	out, _ := p.run(t, nil, exe, "repair", "--dry-run", "windows")
	for _, want := range []string{`--- HKCU\Environment\Path (REG_SZ)`, `+++ HKCU\Environment\Path (REG_EXPAND_SZ)`, `-C:\no\such\dir`, `-c:\TOOLS\bin\`,
		`+++ HKCU\Environment\GOPROXY (deleted)`, "+GOPROXY=https://goproxy.io,direct", "dry run: nothing was changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("repair --dry-run does not show %q:\n%s", want, out)
		}
	}
	expectEnv(t, p, map[string]string{"Path": "REG_SZ " + seed, "GOPROXY": "REG_SZ https://goproxy.io,direct"})

	out, _ = p.run(t, nil, exe, "repair", "--yes", "windows")
	t.Logf("gosetup repair --yes windows:\n%s", out)
	if !strings.Contains(out, "before -> after:") || !strings.Contains(out, `HKCU\Environment\Path`) {
		t.Errorf("repair --yes output:\n%s", out)
	}
	expectEnv(t, p, map[string]string{"Path": `REG_EXPAND_SZ %USERPROFILE%\bin;C:\tools\bin`, "GOPROXY": ""})
	if b, err := os.ReadFile(goenv); err != nil || string(b) != "GOPROXY=https://goproxy.io,direct\n" {
		t.Errorf("Go env file after repair: %q (%v)", b, err)
	}
	for _, gone := range []string{"windows.path-type", "entries listed twice", "name no directory", "GOPROXY=https://goproxy.io,direct is set in"} {
		if strings.Contains(afterPart(out), gone) && !strings.Contains(afterLine(out, gone), "fixed") {
			t.Errorf("after repair, still %q:\n%s", gone, out)
		}
	}
	states, _ := filepath.Glob(filepath.Join(drive, "users", user, "AppData", "*", "gosetup", "state.json"))
	if len(states) != 1 {
		t.Fatalf("state.json: %v", states)
	}
	var st State
	if b, err := os.ReadFile(states[0]); err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("reading %s: %v", states[0], err)
	}
	recs := map[string]RegistryRecord{}
	for _, r := range st.Registry {
		recs[strings.ToUpper(r.Name)] = r
	}
	if r := recs["PATH"]; len(recs) != 2 || !r.PriorExists || r.PriorType != RegSZ || r.PriorData != seed || r.Type != RegExpandSZ {
		t.Errorf("state.json registry records: %+v", st.Registry)
	}
	if r := recs["GOPROXY"]; !r.Deleted || !r.PriorExists || r.PriorType != RegSZ || r.PriorData != "https://goproxy.io,direct" {
		t.Errorf("state.json GOPROXY record: %+v", r)
	}

	// Nothing left to do the second time.
	out, _ = p.run(t, nil, exe, "repair", "--yes", "windows")
	if strings.Contains(out, `HKCU\Environment\Path (REG_`) {
		t.Errorf("second repair changes the Path again:\n%s", out)
	}

	if out, err := p.run(t, nil, exe, "uninstall", "--yes"); err != nil {
		t.Fatalf("gosetup uninstall under Wine: %v\n%s", err, out)
	}
	expectEnv(t, p, map[string]string{"Path": "REG_SZ " + seed, "GOPROXY": "REG_SZ https://goproxy.io,direct"})
	if _, err := os.Stat(goenv); err == nil {
		t.Errorf("uninstall left the Go env file %s that repair created", goenv)
	}
}

// afterPart is repair's before -> after list.
func afterPart(out string) string {
	if i := strings.Index(out, "before -> after:"); i >= 0 {
		return out[i:]
	}
	return ""
}

// afterLine is the line of the before -> after list that mentions s.
func afterLine(out, s string) string {
	for _, l := range strings.Split(afterPart(out), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
