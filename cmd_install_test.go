package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
	"github.com/gosetup/gosetup/toolchain"
)

// instFixture is a world for `gosetup install` (internal/mirrortest): a
// release index, an archive mirror, a module proxy with a checksum
// database behind it, all on 127.0.0.1, and a --mirrors file pointing at
// them.
type instFixture struct {
	*mirrortest.World
	mirrors string
	archive []byte
}

const instTestVersion = mirrortest.DefaultVersion

func newInstFixture(t *testing.T) *instFixture {
	t.Helper()
	mirrortest.SkipWithoutShell(t)
	w := mirrortest.New(t, mirrortest.Options{})
	return &instFixture{World: w, mirrors: w.MirrorsFile(t), archive: w.ArchiveBytes(instTestVersion, dist.Host())}
}

// hook replaces the archive mirror's handler.
func (f *instFixture) hook(h http.HandlerFunc) {
	f.Hook(mirrortest.RouteArchive, func(w http.ResponseWriter, r *http.Request, _ http.HandlerFunc) { h(w, r) })
}

func (f *instFixture) archiveHits() int { return f.Hits(mirrortest.RouteArchive) }

// instRun runs gosetup in-process; term makes stdin and stderr terminals.
type instRun struct {
	ctx   context.Context
	env   map[string]string
	stdin string
	term  bool
	// tee, when set, also gets everything written to stderr.
	tee io.Writer
}

func (r instRun) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	env := map[string]string{"HOME": t.TempDir(), "PATH": "", "GOSETUP_CACHE": t.TempDir()}
	for k, v := range r.env {
		env[k] = v
	}
	var errw io.Writer = &errb
	if r.tee != nil {
		errw = io.MultiWriter(&errb, r.tee)
	}
	a := &app{
		stdin:      strings.NewReader(r.stdin),
		stdout:     &out,
		stderr:     errw,
		getenv:     func(k string) string { return env[k] },
		isTerminal: func(any) bool { return r.term },
	}
	code = a.run(ctx, args)
	return code, out.String(), errb.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func putOldGo(t *testing.T, dir string) {
	t.Helper()
	if err := mirrortest.WriteTree(dir, mirrortest.Toolchain("go1.21.0", dist.Host())); err != nil {
		t.Fatal(err)
	}
}

func readVersion(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "VERSION"))
	v, _, _ := strings.Cut(string(b), "\n")
	return v
}

func TestInstallCommandArchive(t *testing.T) {
	f := newInstFixture(t)
	dir := filepath.Join(t.TempDir(), "go")
	code, out, errOut := instRun{}.run(t, "install", "1.22", "--dir", dir, "--mirrors", f.mirrors, "--source", "archive", "--no-modify-path")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "installed go1.22.5 in "+dir+" from archive test-archive (") || strings.Count(out, "\n") != 1 {
		t.Errorf("summary %q", out)
	}
	if strings.Contains(errOut, "\r") || strings.Contains(errOut, "\033[") {
		t.Errorf("terminal escapes without a terminal: %q", errOut)
	}
	for _, want := range []string{"downloading go1.22.5 via archive from test-archive", "SHA-256 matches release index test-index (" + f.IndexURL + ")", "done: go version go1.22.5", "export PATH=" + filepath.Join(dir, "bin")} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if readVersion(dir) != instTestVersion {
		t.Errorf("VERSION %q", readVersion(dir))
	}
	// Running it again is a no-op.
	code, out, _ = instRun{}.run(t, "install", "1.22.5", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitOK || !strings.Contains(out, "already installed") {
		t.Errorf("reinstall: exit %d, %q", code, out)
	}
}

func TestInstallCommandModule(t *testing.T) {
	f := newInstFixture(t)
	dir := filepath.Join(t.TempDir(), "go")
	code, out, errOut := instRun{}.run(t, "install", "--source=module", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(out, "from module test-proxy") || !strings.Contains(errOut, "h1 hash matches the checksum database") {
		t.Errorf("stdout %q\nstderr %s", out, errOut)
	}
	if f.archiveHits() != 0 {
		t.Error("the archive mirror was used with --source=module")
	}
}

func TestInstallCommandGOSUMDBOff(t *testing.T) {
	f := newInstFixture(t)
	code, _, errOut := instRun{env: map[string]string{"GOSUMDB": "off"}}.run(t, "install", "--source=module", "--dir", filepath.Join(t.TempDir(), "go"), "--mirrors", f.mirrors)
	if code != exitFailure || !strings.Contains(errOut, "checksum database") {
		t.Errorf("exit %d, %s", code, errOut)
	}
}

// GOSUMDB=name+key names a checksum database the catalogue does not list.
func TestInstallCommandGOSUMDBWithKey(t *testing.T) {
	f := newInstFixture(t)
	mirrors := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(mirrors, []byte(fmt.Sprintf(`{"mode":"replace","proxy":[{"name":"test-proxy","url":%q}]}`, f.ProxyURL)), 0o644)
	code, out, errOut := instRun{env: map[string]string{"GOSUMDB": f.SumDBKey}}.run(t, "install", "--source=module", "--dir", filepath.Join(t.TempDir(), "go"), "--mirrors", mirrors)
	if code != exitOK || !strings.Contains(out, "from module test-proxy") {
		t.Fatalf("GOSUMDB=name+key: exit %d\n%s\n%s", code, out, errOut)
	}
}

// Without a terminal, replacing an existing installation needs --yes.
func TestInstallCommandExistingNeedsYes(t *testing.T) {
	f := newInstFixture(t)
	dir := filepath.Join(t.TempDir(), "go")
	putOldGo(t, dir)
	code, _, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitFailure || !strings.Contains(errOut, "--yes") || !strings.Contains(errOut, "go1.21.0") {
		t.Fatalf("exit %d, %s", code, errOut)
	}
	if readVersion(dir) != "go1.21.0" || f.archiveHits() != 0 {
		t.Fatalf("the old install was touched or a download started")
	}
	code, out, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--yes")
	if code != exitOK || readVersion(dir) != instTestVersion {
		t.Fatalf("--yes: exit %d %s %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "already holds Go go1.21.0; it will be replaced by go1.22.5") {
		t.Errorf("no report of the existing install: %s", errOut)
	}
}

// On a terminal gosetup asks; "n" keeps the old install, "y" replaces it.
// The terminal also gets a live progress bar.
func TestInstallCommandPrompt(t *testing.T) {
	f := newInstFixture(t)
	dir := filepath.Join(t.TempDir(), "go")
	putOldGo(t, dir)
	code, _, errOut := instRun{term: true, stdin: "n\n"}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitFailure || !strings.Contains(errOut, "Replace it? [y/N]") || readVersion(dir) != "go1.21.0" {
		t.Fatalf("answer n: exit %d, %s", code, errOut)
	}
	code, _, errOut = instRun{term: true, stdin: "y\n"}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--source", "archive")
	if code != exitOK || readVersion(dir) != instTestVersion {
		t.Fatalf("answer y: exit %d, %s", code, errOut)
	}
	if !strings.Contains(errOut, "\r\033[K") || !strings.Contains(errOut, "%") {
		t.Errorf("no live bar on a terminal: %q", errOut)
	}
}

// A failed install says what failed and that the old one is untouched.
func TestInstallCommandFailureLeavesOld(t *testing.T) {
	f := newInstFixture(t)
	corrupt := append([]byte(nil), f.archive...)
	corrupt[4] ^= 1 // another gzip timestamp: unpacks, wrong SHA-256
	f.hook(func(w http.ResponseWriter, r *http.Request) { w.Write(corrupt) })
	dir := filepath.Join(t.TempDir(), "go")
	putOldGo(t, dir)
	code, _, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--source", "archive", "--yes")
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"checksum mismatch", "test-archive", "the existing installation in " + dir + " (go1.21.0) was left untouched"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if readVersion(dir) != "go1.21.0" {
		t.Error("old install changed")
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Errorf("leftovers beside the target: %v", ents)
	}
}

// auto falls back to the module channel when the archive mirror fails.
func TestInstallCommandAutoFallback(t *testing.T) {
	f := newInstFixture(t)
	f.hook(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	dir := filepath.Join(t.TempDir(), "go")
	code, out, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitOK || !strings.Contains(out, "from module") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// auto measures both channels and says which it chose and why: a proxy
// that delivers its zip at 32 kB/s loses to the archive mirror.
func TestInstallCommandAutoSaysWhy(t *testing.T) {
	f := newInstFixture(t)
	f.Hook(mirrortest.RouteProxy, func(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		if !strings.HasSuffix(r.URL.Path, ".zip") {
			serve(w, r)
			return
		}
		serve(&trickleWriter{ResponseWriter: w, ctx: r.Context(), rate: 32 << 10}, r)
	})
	dir := filepath.Join(t.TempDir(), "go")
	code, out, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitOK || !strings.Contains(out, "from archive") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if want := "gosetup: archive from test-archive: downloads clearly faster than the module zip (~"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
}

// trickleWriter delivers at most rate bytes a second, in 4 kB pieces.
type trickleWriter struct {
	http.ResponseWriter
	ctx  context.Context
	rate float64
}

func (s *trickleWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 4<<10)
		m, err := s.ResponseWriter.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		http.NewResponseController(s.ResponseWriter).Flush()
		select {
		case <-time.After(time.Duration(float64(k) / s.rate * float64(time.Second))):
		case <-s.ctx.Done():
			return n, s.ctx.Err()
		}
		p = p[k:]
	}
	return n, nil
}

// Ctrl-C during the download exits 130 and leaves nothing behind.
func TestInstallCommandInterrupted(t *testing.T) {
	f := newInstFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.hook(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") == "bytes=0-0" {
			http.ServeContent(w, r, "", time.Unix(1e9, 0), bytes.NewReader(f.archive))
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(f.archive)))
		w.Write(f.archive[:100])
		w.(http.Flusher).Flush()
		cancel() // the user presses Ctrl-C mid-download
		<-r.Context().Done()
	})
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	putOldGo(t, dir)
	code, _, errOut := instRun{ctx: ctx}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--source", "archive", "--yes")
	if code != exitInterrupted {
		t.Fatalf("exit %d, %s", code, errOut)
	}
	if !strings.Contains(errOut, "left untouched") || readVersion(dir) != "go1.21.0" {
		t.Errorf("stderr %s", errOut)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 {
		t.Errorf("leftovers: %v", ents)
	}
}

func TestInstallCommandUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"install", "--source", "ftp"}, `--source "ftp"`},
		{[]string{"install", "1.21", "1.22"}, "one VERSION"},
		{[]string{"install", "--bogus"}, "-bogus"},
	} {
		code, _, errOut := instRun{}.run(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %s", c.args, code, errOut)
		}
	}
}

func TestInstallCommandUnknownVersion(t *testing.T) {
	f := newInstFixture(t)
	code, _, errOut := instRun{}.run(t, "install", "1.22.99", "--dir", filepath.Join(t.TempDir(), "go"), "--mirrors", f.mirrors)
	if code != exitFailure || !strings.Contains(errOut, "go1.22.5") {
		t.Errorf("exit %d, %s", code, errOut)
	}
}

func TestInstallCommandRefusesNonGoDir(t *testing.T) {
	f := newInstFixture(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	code, _, errOut := instRun{}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors, "--yes")
	if code != exitFailure || !strings.Contains(errOut, "not a Go installation") {
		t.Errorf("exit %d, %s", code, errOut)
	}
	if f.archiveHits() != 0 {
		t.Error("downloaded before refusing")
	}
}

// A different go first on PATH is reported before installing.
func TestInstallCommandReportsOtherGo(t *testing.T) {
	f := newInstFixture(t)
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "go"), []byte("#!/bin/sh\necho go version go1.20 linux/amd64\n"), 0o755)
	dir := filepath.Join(t.TempDir(), "go")
	code, _, errOut := instRun{env: map[string]string{"PATH": other}}.run(t, "install", "--dir", dir, "--mirrors", f.mirrors)
	if code != exitOK || !strings.Contains(errOut, "the go first on your PATH is "+filepath.Join(other, "go")) {
		t.Errorf("exit %d, %s", code, errOut)
	}
}

// A GOSUMDB written with `gosetup env --scope goenv` (the Go env file) is
// the one install verifies against, as the go command would use it.
func TestInstallCommandGOSUMDBFromGoEnvFile(t *testing.T) {
	f := newInstFixture(t)
	mirrors := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(mirrors, []byte(fmt.Sprintf(`{"mode":"replace","proxy":[{"name":"test-proxy","url":%q}]}`, f.ProxyURL)), 0o644)
	env := map[string]string{"HOME": t.TempDir()}
	if code, out, errOut := (instRun{env: env}).run(t, "env", "--scope", "goenv", "--sumdb", f.SumDBKey, "--yes"); code != exitOK {
		t.Fatalf("env: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := instRun{env: env}.run(t, "install", "--source=module", "--dir", filepath.Join(t.TempDir(), "go"), "--mirrors", mirrors, "--no-modify-path")
	if code != exitOK || !strings.Contains(out, "from module test-proxy") {
		t.Fatalf("GOSUMDB in the Go env file: exit %d\n%s\n%s", code, out, errOut)
	}
}

// Usage errors come before any network work: a bad --source with
// --proxy auto is exit 2 at once, without probing.
func TestInstallCommandUsageBeforeProbe(t *testing.T) {
	f := newInstFixture(t)
	code, _, errOut := instRun{}.run(t, "install", "--proxy", "auto", "--source", "nonsense", "--mirrors", f.mirrors, "--dir", filepath.Join(t.TempDir(), "go"))
	if code != exitUsage || !strings.Contains(errOut, `--source "nonsense"`) {
		t.Fatalf("exit %d, %s", code, errOut)
	}
	if strings.Contains(errOut, "probing") || f.Hits(mirrortest.RouteProxy)+f.Hits(mirrortest.RouteSumDB)+f.Hits(mirrortest.RouteIndex) != 0 {
		t.Errorf("the network was used before the usage error:\n%s", errOut)
	}
}

// The summary's size and rate are this run's download; bytes kept from
// an interrupted run are named apart, not counted as fetched.
func TestInstallSummaryNamesResumedBytes(t *testing.T) {
	r := &toolchain.Result{Version: "go1.22.5", Dir: "go", Source: toolchain.SourceArchive, Mirror: "m", Bytes: 3e6, Resumed: 7e6, Duration: time.Second}
	if got, want := summary(r), "installed go1.22.5 in go from archive m (3.0 MB in 1.0s, 3.0 MB/s, 7.0 MB resumed from an earlier run)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	r.Resumed = 0
	if got := summary(r); strings.Contains(got, "resumed") {
		t.Errorf("summary %q names a resume that did not happen", got)
	}
}
