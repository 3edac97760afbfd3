//go:build !windows

package envwriter

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineDoctorPaths runs the real gosetup.exe doctor under Wine against
// a real registry: a user Path stored as REG_SZ that holds %USERPROFILE%
// entries, an entry in both the user and the system Path, and a Go (the
// MSI's place) in the system Path ahead of the user's.
func TestWineDoctorPaths(t *testing.T) {
	w := setupWine(t)
	exe := filepath.Join(t.TempDir(), "gosetup.exe")
	w.buildWindows(t, exe, "build", "-o", exe, ".")
	p := w.newPrefix(t)
	drive := filepath.Join(p.dir, "drive_c")
	for _, d := range []string{`Program Files/Go/bin`, `tools/go/bin`} {
		os.MkdirAll(filepath.Join(drive, d), 0o755)
		os.WriteFile(filepath.Join(drive, d, "go.exe"), []byte("MZ not really"), 0o755)
	}
	sysKey := `HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment`
	out, found := p.regQuery(t, sysKey, "/v", "Path")
	if !found {
		t.Fatalf("reg query: the system Path is missing\n%s", out)
	}
	sysPath := ""
	for _, line := range strings.Split(out, "\n") {
		if m := wineRegValueRE.FindStringSubmatch(line); m != nil && strings.EqualFold(m[1], "Path") {
			sysPath = m[3]
		}
	}
	if out, err := p.run(t, nil, "reg", "add", sysKey, "/v", "Path", "/t", "REG_EXPAND_SZ", "/d", `C:\Program Files\Go\bin;`+sysPath, "/f"); err != nil {
		t.Fatalf("reg add the system Path: %v\n%s", err, out)
	}
	p.regAdd(t, "Path", "REG_SZ", `%USERPROFILE%\go\bin;C:\tools\go\bin;C:\windows\system32`)

	out, _ = p.run(t, nil, exe, "doctor", "--json", "--offline", "windows")
	i, j := strings.Index(out, "{"), strings.LastIndex(out, "}")
	if i < 0 || j < i {
		t.Fatalf("gosetup doctor printed no JSON:\n%s", out)
	}
	var rep struct {
		Findings []struct {
			Check, Severity, Message string
			Sources                  []struct{ Kind, Key string }
		}
	}
	if err := json.Unmarshal([]byte(out[i:j+1]), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []struct{ check, severity, msg string }{
		{"windows.path-type", "fail", `stored as REG_SZ, so its entries with %VAR% (%USERPROFILE%\go\bin)`},
		{"windows.path-duplicates", "warn", `both the user and the system Path: C:\windows\system32`},
		{"windows.system-go", "fail", `a Go in the system Path (C:\Program Files\Go\bin) comes before the user Path`},
		{"windows.path-length", "ok", "characters long"},
	}
	for _, w := range want {
		found := false
		for _, f := range rep.Findings {
			if f.Check == w.check && f.Severity == w.severity && strings.Contains(f.Message, w.msg) {
				found = true
				if w.check == "windows.path-type" && (len(f.Sources) == 0 || f.Sources[0].Key != `HKCU\Environment\Path`) {
					t.Errorf("path-type source: %+v", f.Sources)
				}
			}
		}
		if !found {
			t.Errorf("no %s %s finding with %q:\n%s", w.severity, w.check, w.msg, out[i:j+1])
		}
	}
}
