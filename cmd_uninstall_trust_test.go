package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A state record naming what gosetup never writes (a system file, a
// toolchain without gosetup's mark, a path reached through .. or through a
// symlinked directory) must not make uninstall touch it, even as root: each
// is refused by name and stays in the record, everything else is undone,
// and the exit status is 1.
func TestUninstallRefusesHostileRecord(t *testing.T) {
	home := newHome(t)
	outside := t.TempDir()
	system := filepath.Join(outside, "profile")
	os.WriteFile(system, []byte("system\n"), 0o644)
	tc := filepath.Join(outside, "go") // a real-looking toolchain, no mark
	os.MkdirAll(filepath.Join(tc, "bin"), 0o755)
	os.WriteFile(filepath.Join(tc, "bin", "go"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(tc, "VERSION"), []byte("go1.22.12\n"), 0o644)
	// Joined by hand: filepath.Join would clean the .. away.
	traversal := home + "/../" + filepath.Base(outside) + "/profile"
	if filepath.Dir(home) != filepath.Dir(outside) {
		t.Fatalf("the test needs %s and %s side by side", home, outside)
	}
	os.Symlink(outside, filepath.Join(home, "linked"))
	viaLink := filepath.Join(home, "linked", "profile")

	if code, stdout, stderr := envApp(t, home, false, "", "env", "--yes", "--proxy", "https://goproxy.cn,direct"); code != exitOK {
		t.Fatalf("env: exit %d\n%s\n%s", code, stdout, stderr)
	}
	statePath := filepath.Join(home, ".config", "gosetup", "state.json")
	var st map[string]any
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &st)
	// Trusted, each entry would be removed: the recorded hash is what is
	// there and the record says gosetup created it.
	h := sha256.Sum256([]byte("system\n"))
	sum := hex.EncodeToString(h[:])
	files := st["files"].([]any)
	for _, p := range []string{system, traversal, viaLink} {
		files = append(files, map[string]any{"path": p, "created": true, "written": sum, "mode": 420})
	}
	st["files"] = files
	st["scripts"] = append(st["scripts"].([]any), filepath.Join(home, ".profile"))
	st["toolchain"] = tc
	b, _ = json.Marshal(st)
	os.WriteFile(statePath, b, 0o600)

	hostile := []string{system, traversal, viaLink}
	code, stdout, stderr := envApp(t, home, false, "", "uninstall", "--yes")
	if code != exitFailure {
		t.Fatalf("uninstall: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	for _, p := range []string{system, traversal, "~/linked/profile", tc} {
		if !strings.Contains(stdout+stderr, p) {
			t.Errorf("%s is not named:\n%s\n%s", p, stdout, stderr)
		}
	}
	if b, _ := os.ReadFile(system); string(b) != "system\n" {
		t.Errorf("the system file was changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(tc, "bin", "go")); err != nil {
		t.Errorf("the unmarked toolchain was removed: %v", err)
	}
	// The rest was undone, the refused entries are still recorded.
	if b, _ := os.ReadFile(filepath.Join(home, ".profile")); string(b) != "export EDITOR=vi\n" {
		t.Errorf(".profile = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".bashrc")); string(b) != "alias ll='ls -l'\n" {
		t.Errorf(".bashrc = %q", b)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "gosetup", "env")); err == nil {
		t.Error("the env script is still there")
	}
	left, _ := os.ReadFile(statePath)
	for _, p := range append(hostile, tc) {
		if !strings.Contains(string(left), p) {
			t.Errorf("%s was dropped from the record:\n%s", p, left)
		}
	}
}
