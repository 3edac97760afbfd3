//go:build !windows

package envwriter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineRepairNonStringPath runs the real gosetup.exe under Wine on a
// user Path that some tool rewrote as REG_DWORD after gosetup env put its
// directory on it. doctor must say what the value is and what to do;
// repair must leave it as it is (nothing in it is a directory list, and
// writing over it would lose it) and say what to do, instead of "changed
// since doctor read it; run gosetup repair again" on every run (it read
// such a Path as missing). Once the user deletes it, as told, repair puts
// gosetup's directory on a new Path.
func TestWineRepairNonStringPath(t *testing.T) {
	w := setupWine(t)
	exe := filepath.Join(t.TempDir(), "gosetup.exe")
	w.buildWindows(t, exe, "build", "-o", exe, ".")
	p := w.newPrefix(t)
	if err := os.MkdirAll(filepath.Join(p.dir, "drive_c", "gs", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	p.regAdd(t, "Path", "REG_EXPAND_SZ", `C:\windows`)
	if out, err := p.run(t, nil, exe, "env", "--path", `C:\gs\bin`, "--yes"); err != nil {
		t.Fatalf("gosetup env under Wine: %v\n%s", err, out)
	}
	p.regAdd(t, "Path", "REG_DWORD", "7")
	expectEnv(t, p, map[string]string{"Path": "REG_DWORD 0x7"})

	out, _ := p.run(t, nil, exe, "doctor", "windows")
	if !strings.Contains(out, `HKCU\Environment\Path) is REG_DWORD, not a string`) || !strings.Contains(out, `reg query HKCU\Environment /v Path`) {
		t.Errorf("doctor does not say what the user Path is and what to do:\n%s", out)
	}

	out, err := p.run(t, nil, exe, "repair", "--yes", "windows")
	t.Logf("gosetup repair --yes windows:\n%s", out)
	if err == nil || strings.Contains(out, "changed since") || !strings.Contains(out, "is REG_DWORD") || !strings.Contains(out, `fix: see what it holds with: reg query HKCU\Environment /v Path`) {
		t.Errorf("repair does not refuse clearly (%v):\n%s", err, out)
	}
	expectEnv(t, p, map[string]string{"Path": "REG_DWORD 0x7"})

	if out, err := p.run(t, nil, "reg", "delete", `HKCU\Environment`, "/v", "Path", "/f"); err != nil {
		t.Fatalf("reg delete: %v\n%s", err, out)
	}
	out, err = p.run(t, nil, exe, "repair", "--yes", "windows")
	if err != nil || strings.Contains(out, "changed since") {
		t.Errorf("repair after the Path was deleted (%v):\n%s", err, out)
	}
	expectEnv(t, p, map[string]string{"Path": `REG_EXPAND_SZ C:\gs\bin`})
}
