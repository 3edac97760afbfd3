package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// realGo returns the go command running these tests and its version: the
// list command's installed marker is checked against a real `go version`.
func realGo(t *testing.T) (bin, version string) {
	t.Helper()
	bin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatal("GOSETUP_TEST_REQUIRE=all but no go command is on PATH")
		}
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(bin, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	version = strings.TrimSpace(string(out))
	if !dist.IsValid(version) {
		t.Skipf("go on PATH reports a development version %q", version)
	}
	return bin, version
}

// listFixture is a mirror world (internal/mirrortest) for the host
// platform and a replace-mode catalogue pointing at it. The index knows
// go1.98.1, go1.98.0 and goInstalled; the proxy serves go1.98.1,
// goInstalled, go1.99rc1 (module only) and a release for another platform.
func listFixture(t *testing.T, goInstalled string) (mirrors string, w *mirrortest.World) {
	t.Helper()
	w = mirrortest.New(t, mirrortest.Options{Releases: []mirrortest.Release{
		{Version: "go1.99rc1", Unstable: true, NoArchive: true},
		{Version: "go1.98.1"},
		{Version: "go1.98.0", NoModule: true},
		{Version: goInstalled},
		{Version: "go1.97.0", NoArchive: true, Platforms: []dist.Platform{{OS: "plan9", Arch: "mips"}}},
	}})
	return w.MirrorsFile(t), w
}

func TestListPlain(t *testing.T) {
	bin, v := realGo(t)
	mirrors, _ := listFixture(t, v)
	env := map[string]string{"PATH": filepath.Dir(bin)}
	code, out, stderr := runApp(t, env, "list", "--mirrors", mirrors, "--dir", t.TempDir())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 stable versions, got:\n%s", out)
	}
	want := [][]string{
		{"go1.98.1", "archive,module"},
		{"go1.98.0", "archive"},
		{v, "archive,module", "(installed)"},
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); !reflect.DeepEqual(got, w) {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}
	if !strings.Contains(stderr, "installed: "+v+" at "+bin+" (on PATH)") ||
		!strings.Contains(stderr, "from release index test-index and module proxy test-proxy") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestListAllJSON(t *testing.T) {
	bin, v := realGo(t)
	mirrors, w := listFixture(t, v)
	// The installed Go is found in --dir (a directory whose bin/go is the
	// real go), not on PATH.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(dir, "bin", filepath.Base(bin))); err != nil {
		t.Skipf("symlink: %v", err)
	}
	env := map[string]string{"PATH": ""}
	code, out, stderr := runApp(t, env, "list", "--all", "--json", "--dir", dir, "--mirrors", mirrors)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Decode loosely to check the documented schema exactly.
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var versions []string
	for _, e := range got {
		var keys []string
		for k := range e {
			keys = append(keys, k)
		}
		if len(keys) != 5 || e["version"] == nil || e["stable"] == nil || e["module"] == nil || e["installed"] == nil {
			t.Errorf("entry keys = %v, want version, stable, archive, module, installed", keys)
		}
		if _, ok := e["archive"]; !ok {
			t.Errorf("entry %v lacks archive (null when absent)", e["version"])
		}
		versions = append(versions, e["version"].(string))
	}
	if strings.Join(versions, " ") != "go1.99rc1 go1.98.1 go1.98.0 "+v {
		t.Fatalf("versions = %v", versions)
	}
	rc := got[0]
	if rc["stable"] != false || rc["archive"] != nil || rc["module"] != true || rc["installed"] != false {
		t.Errorf("go1.99rc1 = %v", rc)
	}
	arch := got[2]["archive"].(map[string]any)
	if arch["filename"] != dist.ArchiveName("go1.98.0", dist.Host()) || arch["size"] != float64(len(w.ArchiveBytes("go1.98.0", dist.Host()))) || len(arch["sha256"].(string)) != 64 {
		t.Errorf("go1.98.0 archive = %v", arch)
	}
	if got[2]["module"] != false || got[3]["installed"] != true || got[1]["installed"] != false {
		t.Errorf("entries = %v", got)
	}
	if !strings.Contains(stderr, "installed: "+v+" at "+dir) {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestListModuleOnlyWarning(t *testing.T) {
	bin, v := realGo(t)
	mirrors, _ := listFixture(t, v)
	// Point the index at a dead port: the module channel alone answers.
	data, _ := os.ReadFile(mirrors)
	data = []byte(strings.Replace(string(data), `/dl/"`, `/nope/"`, 1))
	os.WriteFile(mirrors, data, 0o644)
	code, out, stderr := runApp(t, map[string]string{"PATH": filepath.Dir(bin)}, "list", "--mirrors", mirrors, "--dir", t.TempDir())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: release index unreachable") || !strings.Contains(stderr, "404") {
		t.Errorf("stderr = %q", stderr)
	}
	if strings.Fields(strings.Split(out, "\n")[0])[1] != "module" {
		t.Errorf("out = %q", out)
	}
}

func TestListFailures(t *testing.T) {
	dead := filepath.Join(t.TempDir(), "dead.json")
	os.WriteFile(dead, []byte(`{"mode":"replace","index":[{"name":"i","url":"http://127.0.0.1:1/dl/"}],"proxy":[{"name":"p","url":"http://127.0.0.1:1"}]}`), 0o644)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"mode":"replace","proxy":[{"name":"p","url":"ftp://x"}]}`), 0o644)
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"list", "--mirrors", dead}, exitFailure, []string{"no release source answered", "index i", "proxy p", "HTTPS_PROXY", "--mirrors FILE"}},
		{[]string{"list", "--mirrors", bad}, exitFailure, []string{"ftp://x"}},
		{[]string{"list", "1.22"}, exitUsage, []string{`"1.22"`, "gosetup install 1.22"}},
		{[]string{"list", "--bogus"}, exitUsage, []string{"-bogus"}},
	}
	for _, c := range cases {
		code, _, stderr := runApp(t, map[string]string{}, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, stderr)
			}
		}
	}
}

func TestGoVersionOfNonGo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	// Something named go that is not a Go toolchain is not an installation.
	os.WriteFile(filepath.Join(dir, "bin", "go"), []byte("#!/bin/sh\necho hello\n"), 0o755)
	if got := findInstalled(t.Context(), dir, func(string) string { return "" }); len(got) != 0 {
		t.Errorf("findInstalled = %v", got)
	}
}
