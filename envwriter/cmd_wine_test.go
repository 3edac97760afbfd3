//go:build !windows

package envwriter

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestWineGosetupEnvUninstall runs the real gosetup.exe under Wine (using
// the registry tests' Wine kit): `gosetup env` writes HKCU\Environment
// through the plan/apply/state code, and `gosetup uninstall` puts every
// value back as it was.
func TestWineGosetupEnvUninstall(t *testing.T) {
	w := setupWine(t)
	exe := filepath.Join(t.TempDir(), "gosetup.exe")
	w.buildWindows(t, exe, "build", "-o", exe, ".")
	p := w.newPrefix(t)
	seed := `%USERPROFILE%\bin;C:\Windows\system32`
	p.regAdd(t, "Path", "REG_EXPAND_SZ", seed)
	p.regAdd(t, "GOPROXY", "REG_EXPAND_SZ", "https://proxy.golang.org,direct")

	out, err := p.run(t, nil, exe, "env", "--proxy", "https://goproxy.cn,direct", "--sumdb", "sum.golang.google.cn",
		"--path", `C:\Program Files\Go\bin`, "--yes")
	if err != nil {
		t.Fatalf("gosetup env under Wine: %v\n%s", err, out)
	}
	if !strings.Contains(out, `HKCU\Environment\GOPROXY`) {
		t.Errorf("gosetup env did not list the registry values:\n%s", out)
	}
	p.expect(t, "Path", "REG_EXPAND_SZ", `C:\Program Files\Go\bin;`+seed)
	p.expect(t, "GOPROXY", "REG_SZ", "https://goproxy.cn,direct")
	p.expect(t, "GOSUMDB", "REG_SZ", "sum.golang.google.cn")

	// Running it again changes nothing.
	out, err = p.run(t, nil, exe, "env", "--proxy", "https://goproxy.cn,direct", "--yes")
	if err != nil {
		t.Fatalf("second gosetup env: %v\n%s", err, out)
	}
	p.expect(t, "Path", "REG_EXPAND_SZ", `C:\Program Files\Go\bin;`+seed)

	out, err = p.run(t, nil, exe, "uninstall", "--yes")
	if err != nil {
		t.Fatalf("gosetup uninstall under Wine: %v\n%s", err, out)
	}
	p.expect(t, "Path", "REG_EXPAND_SZ", seed)
	p.expect(t, "GOPROXY", "REG_EXPAND_SZ", "https://proxy.golang.org,direct")
	p.expectAbsent(t, "GOSUMDB")
}
