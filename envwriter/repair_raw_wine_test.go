//go:build !windows

package envwriter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestWineRepairRawValues runs the real gosetup.exe repair under Wine on
// values whose bytes are not the canonical form of their text, as some
// installers leave them: a REG_SZ user Path that holds %USERPROFILE% and a
// duplicate, stored with a second NUL after its terminator, and a
// REG_EXPAND_SZ GOPROXY with stray bytes after its terminator. Windows
// reads both as plain text, but gosetup's record keeps such a prior as its
// exact bytes; repair must compare the value it reads again with what
// doctor read in that same form, fix both in one run (reg query shows the
// result), and gosetup uninstall must put the exact bytes back (Wine's own
// registry file shows them). Repair also says what it checks there: what
// new processes get, not fresh Unix shells.
func TestWineRepairRawValues(t *testing.T) {
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
	pathText := `%USERPROFILE%\bin;C:\tools\bin;C:\tools\bin`
	pathRaw := append(regStringBytes(pathText), 0, 0)
	proxyRaw := append(regStringBytes("https://goproxy.io,direct"), regStringBytes("old")...)
	p.regImport(t, map[string]string{
		"Path":    regHex(1, pathRaw),
		"GOPROXY": regHex(2, proxyRaw),
	})
	expectEnv(t, p, map[string]string{"Path": "REG_SZ " + pathText, "GOPROXY": "REG_EXPAND_SZ https://goproxy.io,direct"})
	before := p.savedEnvironment(t)
	for _, name := range []string{"Path", "GOPROXY"} {
		if !strings.Contains(before[strings.ToLower(name)], `\0`) {
			t.Fatalf("the seeded %s is not stored with bytes after its NUL: %q", name, before[strings.ToLower(name)])
		}
	}

	out, _ := p.run(t, nil, exe, "repair", "--dry-run", "windows")
	for _, want := range []string{`--- HKCU\Environment\Path (REG_SZ)`, `+++ HKCU\Environment\Path (REG_EXPAND_SZ)`, "\n-C:\\tools\\bin\n",
		`--- HKCU\Environment\GOPROXY (REG_EXPAND_SZ)`, "\n-https://goproxy.io,direct\n", "dry run: nothing was changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("repair --dry-run does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "base64") || strings.Contains(out, "\x00") {
		t.Errorf("repair --dry-run shows a prior as gosetup records it, not as its text:\n%q", out)
	}

	out, err := p.run(t, nil, exe, "repair", "--yes", "windows")
	t.Logf("gosetup repair --yes windows:\n%s", out)
	if err != nil || strings.Contains(out, "changed since") || strings.Contains(out, "cannot fix") {
		t.Errorf("repair did not fix the values in one run (%v):\n%s", err, out)
	}
	// On Windows it checks what new processes get, not Unix shells.
	if strings.Contains(out, "shells") || !strings.Contains(out, "checking what new processes get") || !strings.Contains(out, "checking again what new processes get") {
		t.Errorf("repair does not say what it checks on Windows:\n%s", out)
	}
	expectEnv(t, p, map[string]string{"Path": `REG_EXPAND_SZ %USERPROFILE%\bin;C:\tools\bin`, "GOPROXY": ""})
	goenv := filepath.Join(drive, "users", user, "AppData", "Roaming", "go", "env")
	if b, err := os.ReadFile(goenv); err != nil || string(b) != "GOPROXY=https://goproxy.io,direct\n" {
		t.Errorf("Go env file after repair: %q (%v)", b, err)
	}
	states, _ := filepath.Glob(filepath.Join(drive, "users", user, "AppData", "*", "gosetup", "state.json"))
	if len(states) != 1 {
		t.Fatalf("state.json: %v", states)
	}
	var st State
	if b, err := os.ReadFile(states[0]); err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("reading %s: %v", states[0], err)
	}
	for _, r := range st.Registry {
		want, typ := pathRaw, RegSZ
		if strings.EqualFold(r.Name, "GOPROXY") {
			want, typ = proxyRaw, RegExpandSZ
		}
		if got, err := decodePrior(r.PriorData); err != nil || !r.PriorExists || r.PriorType != typ || !bytes.Equal(got, want) {
			t.Errorf("state.json record of %s: prior type %d bytes %q (%v), want type %d bytes %q", r.Name, r.PriorType, got, err, typ, want)
		}
	}
	if len(st.Registry) != 2 {
		t.Errorf("state.json registry records: %+v", st.Registry)
	}

	if out, err := p.run(t, nil, exe, "uninstall", "--yes"); err != nil {
		t.Fatalf("gosetup uninstall under Wine: %v\n%s", err, out)
	}
	after := p.savedEnvironment(t)
	for _, name := range []string{"path", "goproxy"} {
		if after[name] != before[name] {
			t.Errorf("uninstall did not restore %s byte for byte:\n got %s\nwant %s", name, after[name], before[name])
		}
	}
}

// regHex is a value of type typ with exactly raw as its data, in the
// syntax of a .reg file.
func regHex(typ int, raw []byte) string {
	hex := make([]string, len(raw))
	for i, b := range raw {
		hex[i] = fmt.Sprintf("%02x", b)
	}
	return fmt.Sprintf("hex(%x):%s", typ, strings.Join(hex, ","))
}

// regImport writes values (name -> .reg data) into HKCU\Environment with
// reg import: unlike reg add, it stores any bytes. The file is UTF-16, as
// regedit writes it, so that hex() data is taken as is.
func (p *winePrefix) regImport(t *testing.T, values map[string]string) {
	t.Helper()
	text := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Environment]\r\n"
	for name, data := range values {
		text += fmt.Sprintf("%q=%s\r\n", name, data)
	}
	u := utf16.Encode([]rune("\ufeff" + text))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	// run starts Wine in the prefix's parent directory.
	if err := os.WriteFile(filepath.Join(filepath.Dir(p.dir), "seed.reg"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := p.run(t, nil, "reg", "import", "seed.reg"); err != nil {
		t.Fatalf("reg import: %v\n%s", err, out)
	}
}

// savedEnvironment is HKCU\Environment as Wine stores it on disk (user.reg,
// written when its wineserver stops), by lower-case name: the exact bytes,
// in Wine's notation, that reg query does not show (a string with bytes
// after its NUL, one without a NUL). The server is started again after.
func (p *winePrefix) savedEnvironment(t *testing.T) map[string]string {
	t.Helper()
	p.stopServer()
	defer p.startServer(t)
	b, err := os.ReadFile(filepath.Join(p.dir, "user.reg"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "["):
			in = strings.HasPrefix(line, "[Environment]")
		case in && strings.HasPrefix(line, `"`):
			name, data, _ := strings.Cut(line, "=")
			out[strings.ToLower(strings.Trim(name, `"`))] = data
		}
	}
	return out
}
