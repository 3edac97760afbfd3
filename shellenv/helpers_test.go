package shellenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// need finds a shell, skipping the test when it is missing, or failing it
// when GOSETUP_TEST_REQUIRE=all (as .ci/run sets), so CI cannot pass by
// skipping.
func need(t *testing.T, name string) Shell {
	t.Helper()
	for _, s := range Detect(os.Getenv("PATH")) {
		if s.Name == name {
			return s
		}
	}
	if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
		t.Fatalf("%s is required (GOSETUP_TEST_REQUIRE=all) but not installed", name)
	}
	t.Skipf("%s is not installed", name)
	return Shell{}
}

// writeFiles writes files relative to home, creating directories.
func writeFiles(t *testing.T, home string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// testOpts starts shells with nothing but HOME, a short PATH and TERM, as
// env -i would, and a timeout generous for a loaded CI machine.
func testOpts(home string, extra ...string) Options {
	return Options{Home: home, Env: append([]string{"PATH=/usr/bin:/bin", "TERM=dumb"}, extra...), Timeout: 20 * time.Second}
}

func run(t *testing.T, sh Shell, m Mode, opts Options) Result {
	t.Helper()
	r := Run(context.Background(), sh, m, opts)
	t.Logf("%s %s: %v, err=%v, note=%q, files=%q", r.Shell, r.Mode, r.Duration, r.Err, r.TraceNote, r.Files)
	for _, a := range r.Assignments {
		t.Logf("  %s cond=%v", a, a.Cond)
	}
	return r
}

// find returns the assignments of v in file at line.
func find(as []Assignment, v, file string, line int) []Assignment {
	var out []Assignment
	for _, a := range as {
		if a.Var == v && a.File == file && a.Line == line {
			out = append(out, a)
		}
	}
	return out
}

func has(as []Assignment, v string) bool {
	for _, a := range as {
		if a.Var == v {
			return true
		}
	}
	return false
}

func realHome(t *testing.T) string {
	t.Helper()
	// A home whose name needs quoting: startup files and our scripts must
	// cope with it.
	h := filepath.Join(t.TempDir(), "home dir")
	if err := os.Mkdir(h, 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

func lookPathOK(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

var _ = strings.Contains
