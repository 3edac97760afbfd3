package envwriter

import (
	"encoding/json"

	"github.com/gosetup/gosetup/toolchain"

	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// need returns the path of a program the test runs for real, skipping the
// test when it is missing, or failing it when GOSETUP_TEST_REQUIRE=all (as
// in CI, where a missing shell must not pass silently).
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatalf("%s is required (GOSETUP_TEST_REQUIRE=all) but not installed: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// realGo finds the real go command's GOROOT.
func realGoroot(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(filepath.Dir(r))
		}
	}
	r := runtime.GOROOT()
	if _, err := os.Stat(filepath.Join(r, "bin", "go")); err != nil {
		t.Fatalf("cannot find the go command: %v", err)
	}
	return r
}

// testEnv is an Env for a fresh home directory with the given extra
// environment variables, detecting no shells but those listed.
func testEnv(home string, shells []string, vars map[string]string) Env {
	m := map[string]string{"HOME": home}
	for k, v := range vars {
		m[k] = v
	}
	return Env{
		Getenv:    func(k string) string { return m[k] },
		Home:      home,
		GOOS:      runtime.GOOS,
		Shells:    shells,
		EtcShells: filepath.Join(home, "no-etc-shells"),
		LookPath:  func(string) (string, error) { return "", os.ErrNotExist },
	}
}

// snapshot reads every regular file under dir (and symlinks as links).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			m[rel] = "link:" + l
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[rel] = fi.Mode().Perm().String() + ":" + string(b)
		case fi.IsDir():
			m[rel+"/"] = "dir"
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func diffSnapshots(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	for k, v := range a {
		if w, ok := b[k]; !ok {
			t.Errorf("%s: %s disappeared", what, k)
		} else if v != w {
			t.Errorf("%s: %s changed:\n--- before\n%q\n--- after\n%q", what, k, v, w)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("%s: %s appeared", what, k)
		}
	}
}

func mustApply(t *testing.T, opts Options) *Plan {
	t.Helper()
	p, err := Apply(context.Background(), opts)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p
}

func mustUninstall(t *testing.T, opts UninstallOptions) *Plan {
	t.Helper()
	p, err := PlanUninstall(context.Background(), opts)
	if err != nil {
		t.Fatalf("PlanUninstall: %v", err)
	}
	if err := p.Apply(context.Background()); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	return p
}

// writeMark marks dir as a toolchain gosetup installed, as an install does.
func writeMark(t *testing.T, dir string) {
	t.Helper()
	b, _ := json.Marshal(toolchain.Mark{Tool: "gosetup", Dir: dir, Version: "go1.22.12"})
	if err := os.WriteFile(filepath.Join(dir, toolchain.MarkFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
