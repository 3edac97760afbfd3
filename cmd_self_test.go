//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/selfupdate"
)

// runBinary runs a gosetup binary with only HOME and the release host in
// its environment.
func runBinary(t *testing.T, bin, home, url string, args ...string) shellRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "GOSETUP_DOWNLOAD_URL=" + url, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := shellRun{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
	if err != nil && r.code < 0 {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return r
}

// installedCopy copies bin into a fresh directory, as an installed gosetup.
func installedCopy(t *testing.T, bin string) string {
	t.Helper()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(bin))
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestSelfUpdate(t *testing.T) {
	version, archives := hostRelease(t)
	old := stampedBinary(t, runtime.GOOS, runtime.GOARCH, fixtureOldVersion)
	name, _ := selfupdate.ArchiveName(version, runtime.GOOS, runtime.GOARCH)
	home := t.TempDir()

	t.Run("older to newer", func(t *testing.T) {
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		exe := installedCopy(t, old)
		r := runBinary(t, exe, home, site.URL, "self", "update", "--check")
		if r.code != 0 || !strings.Contains(r.stdout, "gosetup "+version+" is available") {
			t.Fatalf("self update --check:\n%s", r)
		}
		r = runBinary(t, exe, home, site.URL, "self", "update")
		if r.code != 0 || !strings.Contains(r.stdout, fixtureOldVersion+" -> "+version) {
			t.Fatalf("self update:\n%s", r)
		}
		if r := runBinary(t, exe, home, site.URL, "version"); !strings.HasPrefix(r.stdout, "gosetup "+version+"\n") {
			t.Fatalf("after the update, version says:\n%s", r)
		}
		if names := dirNames(t, filepath.Dir(exe)); len(names) != 1 {
			t.Errorf("the update left files beside the binary: %v", names)
		}
		if fi, _ := os.Stat(exe); fi.Mode().Perm() != 0o755 {
			t.Errorf("the new binary has mode %v, want the old one's 0755", fi.Mode())
		}

		// Now current: one look at checksums.txt, no archive download.
		before := len(site.requests())
		r = runBinary(t, exe, home, site.URL, "self", "update")
		if r.code != 0 || !strings.Contains(r.stdout, "is up to date") {
			t.Fatalf("self update when current:\n%s", r)
		}
		for _, h := range site.requests()[before:] {
			if h != "/latest/download/checksums.txt" {
				t.Errorf("an up-to-date self update fetched %s", h)
			}
		}

		// An explicit older VERSION is installed over it (a downgrade).
		oldName, _ := selfupdate.ArchiveName(fixtureOldVersion, runtime.GOOS, runtime.GOARCH)
		site.publish(t, fixtureOldVersion, map[string][]byte{oldName: packArchive(t, runtime.GOOS, old)}, nil, false)
		if r := runBinary(t, exe, home, site.URL, "self", "update", "v"+fixtureOldVersion); r.code != 0 {
			t.Fatalf("self update %s:\n%s", fixtureOldVersion, r)
		}
		if r := runBinary(t, exe, home, site.URL, "version"); !strings.HasPrefix(r.stdout, "gosetup "+fixtureOldVersion+"\n") {
			t.Fatalf("after the downgrade, version says:\n%s", r)
		}
	})

	refusedUpdate := func(t *testing.T, site *releaseSite, want string) {
		t.Helper()
		exe := installedCopy(t, old)
		before, _ := os.ReadFile(exe)
		r := runBinary(t, exe, home, site.URL, "self", "update")
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("want exit 1 and %q:\n%s", want, r)
		}
		after, _ := os.ReadFile(exe)
		if !bytes.Equal(before, after) {
			t.Error("a refused update changed the binary")
		}
		if names := dirNames(t, filepath.Dir(exe)); len(names) != 1 {
			t.Errorf("a refused update left files beside the binary: %v", names)
		}
	}

	t.Run("tampered archive", func(t *testing.T) {
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		// Same size, one byte flipped, checksums.txt unchanged.
		b := bytes.Clone(archives[name])
		b[len(b)/3] ^= 0x01
		os.WriteFile(filepath.Join(goodDir(site, version), name), b, 0o644)
		refusedUpdate(t, site, "checksum mismatch for "+name)
	})

	t.Run("missing checksum line", func(t *testing.T) {
		site := newReleaseSite(t)
		archives2 := map[string][]byte{name: archives[name], "gosetup_" + version + "_plan9_amd64.tar.gz": []byte("x")}
		site.publish(t, version, archives2, map[string]string{name: ""}, true)
		refusedUpdate(t, site, "lists no "+name)
	})

	t.Run("HTML", func(t *testing.T) {
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		os.WriteFile(filepath.Join(goodDir(site, version), name), []byte("<html><body>blocked</body></html>"), 0o644)
		refusedUpdate(t, site, "HTML page")
	})

	t.Run("development build", func(t *testing.T) {
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		dev := stampedBinary(t, runtime.GOOS, runtime.GOARCH, "")
		r := runBinary(t, installedCopy(t, dev), home, site.URL, "self", "update")
		if r.code != 1 || !strings.Contains(r.stderr, "development build") || !strings.Contains(r.stderr, "self update "+version) {
			t.Errorf("self update of a (devel) build:\n%s", r)
		}
	})
}

func TestSelfUninstall(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("removes the running binary the Unix way")
	}
	bin := stampedBinary(t, runtime.GOOS, runtime.GOARCH, fixtureOldVersion)
	home := t.TempDir()
	exe := installedCopy(t, bin)
	cache := filepath.Join(home, ".cache", "gosetup")
	os.MkdirAll(filepath.Join(cache, "downloads"), 0o755)
	os.WriteFile(filepath.Join(cache, "downloads", "x"), []byte("x"), 0o644)

	// Without a terminal and --yes: refused, nothing removed.
	r := runBinary(t, exe, home, "", "self", "uninstall")
	if r.code != 1 || !strings.Contains(r.stderr, "run again with --yes") {
		t.Fatalf("self uninstall without --yes:\n%s", r)
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatal("refused self uninstall removed the binary")
	}
	r = runBinary(t, exe, home, "", "self", "uninstall", "--yes")
	if r.code != 0 {
		t.Fatalf("self uninstall --yes:\n%s", r)
	}
	for _, p := range []string{exe, cache} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there after self uninstall", p)
		}
	}
}
