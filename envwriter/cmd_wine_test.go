//go:build !windows

package envwriter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineGosetupEnvUninstall runs the real gosetup.exe under Wine (using
// the registry tests' Wine kit): `gosetup env` writes HKCU\Environment
// through the plan/apply/state code, and `gosetup uninstall` puts every
// value back as it was and removes the files and directories env made,
// even when it runs with USERPROFILE and APPDATA spelled in another case
// than the record's paths (Windows paths are case-insensitive, and tools
// spell them either way).
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
	expectEnv(t, p, map[string]string{
		"Path":    "REG_EXPAND_SZ " + `C:\Program Files\Go\bin;` + seed,
		"GOPROXY": "REG_SZ https://goproxy.cn,direct",
		"GOSUMDB": "REG_SZ sum.golang.google.cn",
	})

	// Running it again changes nothing.
	out, err = p.run(t, nil, exe, "env", "--proxy", "https://goproxy.cn,direct", "--yes")
	if err != nil {
		t.Fatalf("second gosetup env: %v\n%s", err, out)
	}
	expectEnv(t, p, map[string]string{
		"Path":    "REG_EXPAND_SZ " + `C:\Program Files\Go\bin;` + seed,
		"GOPROXY": "REG_SZ https://goproxy.cn,direct",
		"GOSUMDB": "REG_SZ sum.golang.google.cn",
	})

	// Moving the GO* values to the Go env file takes them out of the
	// registry, where they would shadow it.
	out, err = p.run(t, nil, exe, "env", "--scope", "goenv", "--yes")
	if err != nil {
		t.Fatalf("gosetup env --scope goenv: %v\n%s", err, out)
	}
	expectEnv(t, p, map[string]string{
		"Path":    "REG_EXPAND_SZ " + `C:\Program Files\Go\bin;` + seed,
		"GOPROXY": "REG_EXPAND_SZ https://proxy.golang.org,direct",
		"GOSUMDB": "",
	})
	user := wineUser(t, p)
	roaming := filepath.Join(p.dir, "drive_c", "users", user, "AppData", "Roaming")
	goenv := filepath.Join(roaming, "go", "env")
	if b, err := os.ReadFile(goenv); err != nil || string(b) != "GOPROXY=https://goproxy.cn,direct\nGOSUMDB=sum.golang.google.cn\n" {
		t.Errorf("Go env file %s = %q (%v)", goenv, b, err)
	}

	// Wine sets USERPROFILE and APPDATA for the first process from its
	// registry; a cmd passes its own on.
	winExe := "Z:" + strings.ReplaceAll(exe, "/", `\`)
	out, err = p.run(t, nil, "cmd", "/c", `set USERPROFILE=c:\USERS\`+strings.ToUpper(user)+`&& set APPDATA=c:\users\`+strings.ToLower(user)+`\appdata\roaming&& `+winExe+" uninstall --yes")
	t.Logf("gosetup uninstall --yes, with USERPROFILE and APPDATA in other cases:\n%s", out)
	if err != nil || strings.Contains(out, "refused") {
		t.Fatalf("gosetup uninstall under Wine: %v\n%s", err, out)
	}
	expectEnv(t, p, map[string]string{
		"Path":    "REG_EXPAND_SZ " + seed,
		"GOPROXY": "REG_EXPAND_SZ https://proxy.golang.org,direct",
		"GOSUMDB": "",
	})
	// The Go env file, its directory and gosetup's own (with state.json)
	// were all made by env.
	for _, made := range []string{goenv, filepath.Dir(goenv), filepath.Join(roaming, "gosetup")} {
		if _, err := os.Lstat(made); err == nil {
			ents, _ := os.ReadDir(made)
			t.Errorf("uninstall left %s, which env created: %v", made, ents)
		}
	}
}

// expectEnv checks several HKCU\Environment values with one reg query (each
// Wine start costs a second): want maps a name to "TYPE DATA", or "" for
// absent.
func expectEnv(t *testing.T, p *winePrefix, want map[string]string) {
	t.Helper()
	out := p.queryAll(t)
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if m := wineRegValueRE.FindStringSubmatch(line); m != nil {
			got[strings.ToLower(m[1])] = m[2] + " " + m[3]
		}
	}
	for name, w := range want {
		if g := got[strings.ToLower(name)]; g != w {
			t.Errorf(`HKCU\Environment\%s = %q, want %q`, name, g, w)
		}
	}
}
