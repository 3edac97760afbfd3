package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
)

// The command printed after `gosetup env` must work when pasted into a
// shell, whatever the home directory is called, and run nothing else.
func TestShellHintPastes(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "my home 'x$(touch pwned)`touch pwned2`", ".config", "gosetup")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "env"), []byte("echo sourced\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hint := shellHint(&envwriter.Plan{ConfigDir: cfg})
	_, cmdline, ok := strings.Cut(hint, "run: ")
	if !ok {
		t.Fatalf("hint %q has no command", hint)
	}
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "sourced" {
		t.Errorf("pasting %q: %v %q", cmdline, err, out)
	}
	for _, f := range []string{"pwned", "pwned2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("pasting the hint ran code")
		}
	}
}
