package selfupdate

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The Windows path runs here too: only the OS's refusal to overwrite a
// running file is missing (the Wine test has that).
func TestReplaceWindowsRenamesAside(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "gosetup.exe")
	write(t, exe, "old")
	write(t, exe+".old", "older, still running") // a leftover
	staged := filepath.Join(dir, ".gosetup-update-1.new")
	write(t, staged, "new")
	if err := Replace(exe, staged, "windows"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, exe); got != "new" {
		t.Errorf("exe holds %q", got)
	}
	if got := read(t, exe+".old"); got != "old" {
		t.Errorf("exe.old holds %q, want the replaced binary", got)
	}
	RemoveOld(exe)
	if _, err := os.Stat(exe + ".old"); !os.IsNotExist(err) {
		t.Errorf("RemoveOld kept %s.old: %v", exe, err)
	}
	if read(t, exe) != "new" {
		t.Error("RemoveOld touched the binary")
	}
}

func TestReplaceWindowsPutsBackOnFailure(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "gosetup.exe")
	write(t, exe, "old")
	err := Replace(exe, filepath.Join(dir, "missing.new"), "windows")
	if err == nil {
		t.Fatal("replacing with a missing staged file succeeded")
	}
	if got := read(t, exe); got != "old" {
		t.Errorf("after a failed replace exe holds %q, want the old binary back", got)
	}
}

func TestReplaceUnix(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "gosetup")
	write(t, exe, "old")
	staged := filepath.Join(dir, ".gosetup-update-1.new")
	write(t, staged, "new")
	if err := Replace(exe, staged, "linux"); err != nil {
		t.Fatal(err)
	}
	if read(t, exe) != "new" {
		t.Error("not replaced")
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("left %d files", len(es))
	}
}

func TestRemoveOldSparesFreshTempFilesAndOthers(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "gosetup")
	for _, n := range []string{"gosetup", "gosetup.old-3", "gosetup.older", "gosetup.old-x", ".gosetup-update-1.new", ".gosetup-update-2.download", "notes.txt"} {
		write(t, filepath.Join(dir, n), n)
	}
	stale := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(dir, ".gosetup-update-2.download"), stale, stale)
	RemoveOld(exe)
	want := map[string]bool{"gosetup": true, "gosetup.older": true, "gosetup.old-x": true, ".gosetup-update-1.new": true, "notes.txt": true}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if !want[e.Name()] {
			t.Errorf("RemoveOld kept %s", e.Name())
		}
		delete(want, e.Name())
	}
	for n := range want {
		t.Errorf("RemoveOld removed %s", n)
	}
}
