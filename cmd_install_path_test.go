//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/dist"
)

// TestInstallWritesPathForNewShells installs with the default behaviour
// (PATH written) and then starts a fresh login shell with HOME in the test's
// directory: it must find the new go first and see the GOPROXY given to
// install. uninstall then removes the toolchain and every file written.
func TestInstallWritesPathForNewShells(t *testing.T) {
	sh, err := exec.LookPath("dash")
	if err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatal("dash is required (GOSETUP_TEST_REQUIRE=all)")
		}
		t.Skip("dash not installed")
	}
	f := newInstFixture(t)
	home := t.TempDir()
	dir := filepath.Join(t.TempDir(), "go")
	env := map[string]string{"HOME": home, "SHELL": sh, "XDG_CONFIG_HOME": ""}
	code, out, errOut := instRun{env: env}.run(t, "install", "1.22", "--dir", dir, "--mirrors", f.mirrors,
		"--proxy", "https://goproxy.cn|https://proxy.golang.org,direct")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if strings.Contains(errOut, "export PATH=") {
		t.Errorf("install printed a PATH line to add although it wrote PATH itself:\n%s", errOut)
	}

	// A fresh login shell sees the toolchain first and the proxy.
	cmd := exec.Command(sh, "-l", "-c", `command -v go; go version; printf '%s\n' "$GOPROXY"`)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "TERM=dumb"}
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("login shell: %v\n%s", err, got)
	}
	want := filepath.Join(dir, "bin", "go") + "\ngo version go1.22.5 " + dist.Host().String() + "\nhttps://goproxy.cn|https://proxy.golang.org,direct\n"
	if string(got) != want {
		t.Errorf("fresh login shell printed\n%s\nwant\n%s", got, want)
	}

	// A bad value is refused before anything is downloaded or written.
	dir2 := filepath.Join(t.TempDir(), "go")
	code, _, errOut = instRun{env: env}.run(t, "install", "--dir", dir2, "--mirrors", f.mirrors, "--proxy", "https://goproxy.cn\nrm -rf ~")
	if code != exitUsage || !strings.Contains(errOut, "GOPROXY") {
		t.Errorf("hostile --proxy: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(dir2); !os.IsNotExist(err) {
		t.Errorf("a refused install left %s", dir2)
	}
	code, _, errOut = instRun{env: env}.run(t, "install", "--dir", dir2, "--mirrors", f.mirrors, "--no-modify-path", "--proxy", "direct")
	if code != exitUsage || !strings.Contains(errOut, "--no-modify-path") {
		t.Errorf("--no-modify-path with --proxy: exit %d, %s", code, errOut)
	}

	// uninstall removes the files it created and the toolchain it installed.
	code, _, errOut = instRun{env: env}.run(t, "uninstall", "--yes")
	if code != exitOK {
		t.Fatalf("uninstall: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("uninstall left the toolchain %s", dir)
	}
	for _, f := range []string{".profile", ".bashrc", ".zshenv", ".config/gosetup/env"} {
		if _, err := os.Stat(filepath.Join(home, f)); !os.IsNotExist(err) {
			t.Errorf("uninstall left ~/%s, which install created", f)
		}
	}
}
