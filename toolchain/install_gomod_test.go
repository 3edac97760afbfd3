package toolchain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// moduleToolchainWithGoMods is a toolchain zip shaped like the real
// golang.org/toolchain ones: its nested modules' go.mod files are carried
// as _go.mod (a module zip may not hold another module's go.mod), and
// lib/wasm holds the exec wrappers the go command makes executable.
func moduleToolchainWithGoMods(t *testing.T, p dist.Platform) ([]tEntry, []byte) {
	es := append(fakeToolchain(instVersion, p),
		tEntry{Name: "bin/gofmt", Body: "#!/bin/sh\n"},
		tEntry{Name: "src/_go.mod", Body: "module std\n\ngo 1.22\n"},
		tEntry{Name: "src/cmd/_go.mod", Body: "module cmd\n\ngo 1.22\n\nrequire golang.org/x/mod v0.14.0\n"},
		tEntry{Name: "src/crypto/internal/bigmod/_asm/_go.mod", Body: "module asm\n"},
		tEntry{Name: "lib/wasm/go_js_wasm_exec", Body: "#!/bin/sh\n"},
		tEntry{Name: "lib/wasm/wasm_exec.js", Body: "// js\n"},
		tEntry{Name: "misc/wasm/go_js_wasm_exec", Body: "#!/bin/sh\n"},
	)
	es = withRoot(dist.ModuleZipPrefix(instVersion, p), es)
	return es, mirrortest.Zip("", es)
}

// The module channel does to the tree what the go command does when it
// installs a toolchain from such a zip: each _go.mod is copied to go.mod
// beside it (and kept), and lib/**/go_*_*_exec become executable.
func TestModuleRestoresGoMod(t *testing.T) {
	e := newEnv(t)
	_, zipData := moduleToolchainWithGoMods(t, e.p)
	_, rel := moduleSetup(t, e, zipData, nil)
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"src", "src/cmd", "src/crypto/internal/bigmod/_asm"} {
		under, err := os.ReadFile(filepath.Join(dir, d, "_go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, d, "go.mod"))
		if err != nil || string(got) != string(under) {
			t.Errorf("%s/go.mod = %q, %v; want a copy of its _go.mod %q", d, got, err, under)
		}
	}
	for rel, want := range map[string]bool{"lib/wasm/go_js_wasm_exec": true, "lib/wasm/wasm_exec.js": false, "misc/wasm/go_js_wasm_exec": false, "src/go.mod": false} {
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode()&0o111 != 0; got != want {
			t.Errorf("%s: mode %v, executable %v, want %v (as the go command leaves it)", rel, fi.Mode(), got, want)
		}
	}
}

// The tree gosetup installs from a module zip is the tree the go command
// itself makes from the same zip (GOTOOLCHAIN=<version> downloading it
// from the same loopback proxy, verified by the same checksum database):
// the same files, the same contents, the same executable bits.
func TestModuleTreeMatchesGoCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake toolchain's bin/go is a shell script")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatal("GOSETUP_TEST_REQUIRE=all but no go command is on PATH")
		}
		t.Skip("no go command on PATH")
	}
	e := newEnv(t)
	_, zipData := moduleToolchainWithGoMods(t, e.p)
	srvs, rel := moduleSetup(t, e, zipData, nil)
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule}); err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	modcache := filepath.Join(home, "modcache")
	cmd := exec.Command(goCmd, "version")
	cmd.Dir = home
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "GOENV=off", "GOFLAGS=-modcacherw",
		"GOPATH=" + filepath.Join(home, "gopath"), "GOMODCACHE=" + modcache, "GOCACHE=" + filepath.Join(home, "cache"),
		"GOPROXY=" + srvs[0].URL, "GOSUMDB=" + e.db.vkey, "GONOSUMDB=", "GOPRIVATE=", "GOINSECURE=",
		"GOTOOLCHAIN=" + instVersion,
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "go version "+instVersion) {
		t.Fatalf("GOTOOLCHAIN=%s go version: %v\n%s", instVersion, err, out)
	}
	theirs := treeSummary(t, filepath.Join(modcache, dist.ToolchainModule+"@"+dist.ModuleVersion(instVersion, e.p)))
	ours := treeSummary(t, dir)
	for p, v := range theirs {
		if ours[p] != v {
			t.Errorf("%s: the go command made %q, gosetup %q", p, v, ours[p])
		}
	}
	for p, v := range ours {
		if _, ok := theirs[p]; !ok && p != MarkFile { // gosetup's own mark is the one addition
			t.Errorf("%s: gosetup made %q, the go command nothing", p, v)
		}
	}
}

// treeSummary maps each path under dir to its kind, executable bit and
// content hash (not the full mode: the module cache is read-only).
func treeSummary(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			out[rel] = "dir"
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v := "file " + hex.EncodeToString(sum[:8])
		if fi.Mode()&0o111 != 0 {
			v += " exec"
		}
		out[rel] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
