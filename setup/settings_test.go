package setup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
)

// What install writes after a successful install: the toolchain's bin and
// GOPATH's bin first on PATH, and the toolchain recorded for uninstall.
func TestWriteInstallSettings(t *testing.T) {
	home := t.TempDir()
	tc := filepath.Join(home, "sdk", "go")
	os.MkdirAll(filepath.Join(tc, "bin"), 0o755)
	os.WriteFile(filepath.Join(tc, "bin", "go"), nil, 0o755)
	env := map[string]string{"HOME": home, "PATH": "/usr/bin:/bin", "GOENV": filepath.Join(home, "goenv")}
	f := &Flow{Env: envwriter.Env{Getenv: func(k string) string { return env[k] }, Shells: []string{"bash"}}}
	p, err := f.WriteInstallSettings(context.Background(), SettingsRequest{Scope: envwriter.ScopeShell}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if p.Purpose() != envwriter.PurposeWrite || len(p.Changed()) == 0 {
		t.Errorf("plan: purpose %v, %d changes", p.Purpose(), len(p.Changed()))
	}
	b, _ := os.ReadFile(filepath.Join(home, ".config/gosetup/env"))
	if !strings.Contains(string(b), "_gosetup_path '"+filepath.Join(tc, "bin")+"' '"+filepath.Join(home, "go", "bin")+"'\n") {
		t.Errorf("env script:\n%s", b)
	}
	st, err := envwriter.LoadState(filepath.Join(home, ".config/gosetup/state.json"))
	if err != nil || st.Toolchain != tc {
		t.Errorf("state toolchain = %q (%v), want %q", st.Toolchain, err, tc)
	}
}

// Bad input is found without the network, before any probe.
func TestCheckSettings(t *testing.T) {
	f := &Flow{}
	if err := f.CheckSettings(SettingsRequest{Scope: "everywhere"}); err == nil {
		t.Error("bad scope accepted")
	}
	if err := f.CheckSettings(SettingsRequest{Settings: envwriter.Settings{GOPROXY: Auto, GOSUMDB: "bad value with spaces and more"}}); err == nil {
		t.Error("bad GOSUMDB accepted alongside auto")
	}
	if err := f.CheckSettings(SettingsRequest{Settings: envwriter.Settings{GOPROXY: Auto}}); err != nil {
		t.Errorf("auto alone: %v", err)
	}
}
