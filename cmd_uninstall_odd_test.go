//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// One odd file (a startup file turned into a link to /dev/null, one made
// unreadable) must not stop the whole uninstall: the rest is undone, each
// odd file is named as the user knows it (the link, not its target) and
// stays in the record, the exit status is 1, and once the files are fixed
// a second uninstall finishes the job. Run as a user, not as root, whom
// no mode makes a file unreadable.
func TestUninstallSurvivesOddFiles(t *testing.T) {
	root := t.TempDir()
	os.Chmod(filepath.Dir(root), 0o755)
	os.Chmod(root, 0o755)
	bin := filepath.Join(root, "gosetup")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := filepath.Join(root, "home")
	os.MkdirAll(home, 0o755)
	os.WriteFile(filepath.Join(home, ".profile"), []byte("export EDITOR=vi\n"), 0o644)
	os.WriteFile(filepath.Join(home, ".bashrc"), []byte("alias ll='ls -l'\n"), 0o644)
	var asUser []string
	if os.Geteuid() == 0 {
		asUser = []string{requireTool(t, "setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", "--"}
		if out, err := exec.Command("chown", "-R", "65534:65534", home).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	run := func(args ...string) (int, string) {
		t.Helper()
		argv := append(append(append([]string{}, asUser...), bin), args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "SHELL=/bin/bash"}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if err != nil && cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String()
	}
	if code, out := run("env", "--yes", "--proxy", "https://goproxy.cn,direct"); code != 0 {
		t.Fatalf("env: exit %d\n%s", code, out)
	}
	profile, bashrc := filepath.Join(home, ".profile"), filepath.Join(home, ".bashrc")
	withBlock, _ := os.ReadFile(bashrc)
	os.Remove(bashrc)
	if err := os.Symlink("/dev/null", bashrc); err != nil {
		t.Fatal(err)
	}
	os.Chmod(profile, 0)

	code, out := run("uninstall", "--yes")
	if code != 1 {
		t.Fatalf("uninstall: exit %d, want 1\n%s", code, out)
	}
	for _, name := range []string{"~/.bashrc", "~/.profile"} {
		if !strings.Contains(out, name) {
			t.Errorf("%s is not named:\n%s", name, out)
		}
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "gosetup", "env")); err == nil {
		t.Errorf("the env script was not removed:\n%s", out)
	}
	state, _ := os.ReadFile(filepath.Join(home, ".config", "gosetup", "state.json"))
	for _, p := range []string{profile, bashrc} {
		if !bytes.Contains(state, []byte(p)) {
			t.Errorf("%s is no longer recorded:\n%s", p, state)
		}
	}

	// Fixed, a second uninstall gives both files back.
	os.Chmod(profile, 0o644)
	os.Remove(bashrc)
	os.WriteFile(bashrc, withBlock, 0o644)
	os.Lchown(bashrc, 65534, 65534)
	if code, out := run("uninstall", "--yes"); code != 0 {
		t.Fatalf("second uninstall: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(profile); string(b) != "export EDITOR=vi\n" {
		t.Errorf(".profile = %q", b)
	}
	if b, _ := os.ReadFile(bashrc); string(b) != "alias ll='ls -l'\n" {
		t.Errorf(".bashrc = %q", b)
	}
}
