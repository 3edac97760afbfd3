package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gosetup/gosetup/internal/mirrortest"
	"github.com/gosetup/gosetup/toolchain"
)

// An explicitly empty --dir, --mirrors, --mirror or VERSION (an unset
// shell variable) is a usage error, never "the default".
func TestInstallCommandEmptyValues(t *testing.T) {
	for _, args := range [][]string{
		{"install", "--dir", ""},
		{"install", "--dir="},
		{"install", "--mirrors", ""},
		{"install", "--mirror", ""},
		{"install", ""},
		{"install", "--dir", " "},
	} {
		code, _, errOut := instRun{}.run(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "empty") {
			t.Errorf("%q: exit %d, %s", args, code, errOut)
		}
	}
}

// A home directory with ~/bin/go, or a project whose VERSION says go...,
// is not a Go installation: refused whatever --yes says, and untouched.
func TestInstallCommandRefusesLookalikes(t *testing.T) {
	f := newInstFixture(t)
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "bin"), 0o755)
	os.WriteFile(filepath.Join(home, "bin", "go"), []byte("#!/bin/sh\necho go version go1.21.0 linux/amd64\n"), 0o755)
	os.WriteFile(filepath.Join(home, ".bashrc"), []byte("# mine\n"), 0o644)
	project := t.TempDir()
	os.WriteFile(filepath.Join(project, "VERSION"), []byte("go1.22.5\n"), 0o644)
	os.WriteFile(filepath.Join(project, "main.go"), []byte("package main\n"), 0o644)
	for _, dir := range []string{home, project} {
		code, _, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--yes")
		if code != exitFailure || !strings.Contains(errOut, "not a Go installation") {
			t.Errorf("%s: exit %d, %s", dir, code, errOut)
		}
	}
	if b, err := os.ReadFile(filepath.Join(home, ".bashrc")); err != nil || string(b) != "# mine\n" {
		t.Errorf("home changed: %q %v", b, err)
	}
	if f.archiveHits() != 0 {
		t.Error("downloaded before refusing")
	}
}

// gosetup marks what it installs; a marked tree is replaceable even when
// it no longer looks like a toolchain.
func TestInstallCommandWritesMark(t *testing.T) {
	f := newInstFixture(t)
	dir := filepath.Join(t.TempDir(), "go")
	if code, out, errOut := (instRun{}).run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--no-modify-path"); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	m, err := toolchain.ReadMark(dir)
	if err != nil || m.Version != instTestVersion || m.Dir != dir || m.Source == "" {
		t.Fatalf("mark %+v, %v", m, err)
	}
}

// Two installs into one directory at once: the first installs, the
// second waits for its lock and then finds it done; nothing is orphaned
// beside the target and no line is false.
func TestInstallCommandConcurrent(t *testing.T) {
	f := newInstFixture(t)
	downloading, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.Hook(mirrortest.RouteArchive, func(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		if r.Method == http.MethodGet {
			once.Do(func() { close(downloading); <-release }) // hold the first download
		}
		serve(w, r)
	})
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	putOldGo(t, dir)
	args := []string{"install", "--dir", dir, "--mirrors", f.mirrors, "--source", "archive", "--yes", "--no-modify-path"}
	type result struct {
		code     int
		out, err string
	}
	first := make(chan result, 1)
	go func() {
		code, out, errOut := instRun{}.run(t, args...)
		first <- result{code, out, errOut}
	}()
	<-downloading
	waiting := &signalWriter{want: "waiting for it to finish", seen: make(chan struct{})}
	second := make(chan result, 1)
	go func() {
		code, out, errOut := instRun{tee: waiting}.run(t, args...)
		second <- result{code, out, errOut}
	}()
	<-waiting.seen
	close(release)
	r1, r2 := <-first, <-second
	if r1.code != exitOK || !strings.HasPrefix(r1.out, "installed "+instTestVersion) {
		t.Errorf("first: exit %d\n%s\n%s", r1.code, r1.out, r1.err)
	}
	if r2.code != exitOK || !strings.Contains(r2.out, "already installed") || strings.Contains(r2.out, "installed go") {
		t.Errorf("second: exit %d\n%s\n%s", r2.code, r2.out, r2.err)
	}
	if readVersion(dir) != instTestVersion {
		t.Errorf("VERSION %q", readVersion(dir))
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("beside the target: %v", ents)
	}
}

// signalWriter closes seen once want has been written.
type signalWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
	done bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.want) {
		w.done = true
		close(w.seen)
	}
	return len(p), nil
}

// A second install that cannot get the lock in time says another install
// is running, and changes nothing.
func TestInstallCommandLockTimeout(t *testing.T) {
	f := newInstFixture(t)
	dir := filepath.Join(t.TempDir(), "go")
	putOldGo(t, dir)
	lock, err := toolchain.LockTarget(context.Background(), dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, out, errOut := instRun{env: map[string]string{"GOSETUP_LOCK_WAIT": "100ms"}}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--yes", "--no-modify-path")
	if code != exitFailure || !strings.Contains(errOut, "another gosetup install") || strings.Contains(out, "installed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if readVersion(dir) != "go1.21.0" || f.archiveHits() != 0 {
		t.Error("the target was touched")
	}
}

// Killed mid-swap: the target is missing and the old tree survives. The
// next run says so, refuses to go on without a yes, and with --yes puts
// it back and replaces it properly. A half-deleted old tree beside an
// existing target is removed.
func TestInstallCommandLeftovers(t *testing.T) {
	f := newInstFixture(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	old := filepath.Join(parent, ".go.gosetup-old-0123456789ab")
	putOldGo(t, old)
	os.Mkdir(filepath.Join(parent, ".go.gosetup-new-42"), 0o755)
	code, _, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--no-modify-path")
	if code != exitFailure || !strings.Contains(errOut, old) || !strings.Contains(errOut, "--yes") || !strings.Contains(errOut, "go1.21.0") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if readVersion(old) != "go1.21.0" {
		t.Fatal("the surviving tree was touched")
	}
	code, out, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--no-modify-path", "--yes")
	if code != exitOK || !strings.Contains(errOut, "put the previous installation (go1.21.0) back") || readVersion(dir) != instTestVersion {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("beside the target: %v", ents)
	}
	// A half-deleted old tree of a finished swap goes on the next run.
	half := filepath.Join(parent, ".go.gosetup-old-ffffffffffff")
	os.MkdirAll(filepath.Join(half, "src", "net"), 0o755)
	os.WriteFile(filepath.Join(half, "src", "net", "x.go"), []byte("package net\n"), 0o644)
	code, _, errOut = instRun{}.run(t, "install", "1.22", "--dir", dir, "--mirrors", f.mirrors, "--no-modify-path", "--yes")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if _, err := os.Lstat(half); err == nil {
		t.Errorf("the half-deleted old tree stays:\n%s", errOut)
	}
}

// 128 + the signal: SIGTERM exits 143, SIGINT 130, and the target stays.
func TestInstallCommandSignals(t *testing.T) {
	f := newInstFixture(t)
	started := make(chan struct{}, 4)
	f.hook(func(w http.ResponseWriter, r *http.Request) {
		// The download: anything but the probe's one-byte range (a
		// ranged download's chunks carry Range too).
		if r.Header.Get("Range") != "bytes=0-0" && r.Method == http.MethodGet {
			started <- struct{}{}
		}
		<-r.Context().Done()
	})
	bin := filepath.Join(t.TempDir(), "gosetup")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Skipf("cannot build gosetup: %v\n%s", err, out)
	}
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		dir := filepath.Join(t.TempDir(), "go")
		putOldGo(t, dir)
		cmd := exec.Command(bin, "install", "--dir", dir, "--mirrors", f.mirrors, "--source", "archive", "--yes", "--no-modify-path")
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=", "GOSETUP_CACHE=" + t.TempDir()}
		var errb syncBuffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		<-started
		cmd.Process.Signal(c.sig)
		cmd.Wait()
		if got := cmd.ProcessState.ExitCode(); got != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.sig, got, c.code, errb.String())
		}
		if readVersion(dir) != "go1.21.0" {
			t.Errorf("%v: the target changed", c.sig)
		}
		if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
			t.Errorf("%v: leftovers %v", c.sig, ents)
		}
	}
}
