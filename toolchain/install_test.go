package toolchain

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// archiveSetup serves archive from each mirror, using wrap (per mirror,
// may be nil) to misbehave.
func archiveSetup(t *testing.T, e *env, archive []byte, wraps ...func(w http.ResponseWriter, r *http.Request, serve func())) ([]*fileServer, Release) {
	rel := testRelease(instVersion, e.p, archive)
	files := map[string][]byte{"/" + rel.Files[0].Filename: archive}
	var srvs []*fileServer
	for i, w := range wraps {
		s := newFileServer(t, files, w)
		e.addArchive("m"+string(rune('a'+i)), s.URL)
		srvs = append(srvs, s)
	}
	return srvs, rel
}

func goodArchive(t *testing.T, e *env) []byte {
	return mirrortest.TarGz("go/", fakeToolchain(instVersion, e.p))
}

func TestInstallArchive(t *testing.T) {
	e := newEnv(t)
	archive := mirrortest.TarGz("go/", bigToolchain(instVersion, e.p))
	srvs, rel := archiveSetup(t, e, archive, nil)
	parent := t.TempDir()
	dir := filepath.Join(parent, "sub", "go")
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceArchive || res.Mirror != "ma" || res.Bytes != int64(len(archive)) || res.Files < 150 {
		t.Errorf("result %+v", res)
	}
	if want := "go version " + instVersion + " " + e.p.String(); res.GoVersion != want {
		t.Errorf("GoVersion %q, want %q", res.GoVersion, want)
	}
	fi, err := os.Stat(filepath.Join(dir, "bin", "go"))
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("bin/go: %v %v", fi, err)
	}
	big, err := os.ReadFile(filepath.Join(dir, "pkg", "tool", e.p.OS+"_"+e.p.Arch, "big"))
	if err != nil || len(big) < arenaSize {
		t.Fatalf("big file: %d bytes, %v", len(big), err)
	}
	assertClean(t, filepath.Join(parent, "sub"), "go")
	for _, r := range srvs[0].requests() {
		if ua := r.UserAgent(); !strings.HasPrefix(ua, "gosetup/") {
			t.Errorf("User-Agent %q", ua)
		}
	}
	var phases []Phase
	for _, ev := range e.events {
		if len(phases) == 0 || phases[len(phases)-1] != ev.Phase {
			phases = append(phases, ev.Phase)
		}
	}
	got := ""
	for _, p := range phases {
		got += string(p) + " "
	}
	for _, want := range []Phase{PhaseResolve, PhaseConnect, PhaseDownload, PhaseVerify, PhaseCheck, PhaseSwap, PhaseDone} {
		if !strings.Contains(got, string(want)) {
			t.Errorf("no %s event in %s", want, got)
		}
	}
}

func TestInstallReplacesExisting(t *testing.T) {
	e := newEnv(t)
	_, rel := archiveSetup(t, e, goodArchive(t, e), nil)
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	installExisting(t, dir, "go1.21.0", e.p)
	os.WriteFile(filepath.Join(dir, "old-only"), []byte("x"), 0o644)
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replaced != "go1.21.0" {
		t.Errorf("Replaced = %q", res.Replaced)
	}
	if _, err := os.Stat(filepath.Join(dir, "old-only")); !os.IsNotExist(err) {
		t.Errorf("old file survived the swap: %v", err)
	}
	v, _ := os.ReadFile(filepath.Join(dir, "VERSION"))
	if !strings.HasPrefix(string(v), instVersion) {
		t.Errorf("VERSION %q", v)
	}
	assertClean(t, parent, "go")
}

func TestInstallWrongGoVersionRestoresExisting(t *testing.T) {
	e := newEnv(t)
	// The archive's bin/go claims to be another version.
	es := fakeToolchain(instVersion, e.p)
	es[1].Body = mirrortest.GoScript("go1.19.1", e.p)
	_, rel := archiveSetup(t, e, mirrortest.TarGz("go/", es), nil)
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	installExisting(t, dir, "go1.21.0", e.p)
	before := snapshot(t, dir)
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir})
	var ce *CheckError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "go1.19.1") {
		t.Fatalf("err = %v, want a CheckError naming go1.19.1", err)
	}
	assertSame(t, before, snapshot(t, dir))
	assertClean(t, parent, "go")
}

func TestInstallBrokenGoBinary(t *testing.T) {
	e := newEnv(t)
	es := fakeToolchain(instVersion, e.p)
	es[1].Body = "#!/bin/sh\nexit 3\n"
	_, rel := archiveSetup(t, e, mirrortest.TarGz("go/", es), nil)
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir})
	var ce *CheckError
	if !errors.As(err, &ce) || ce.Err == nil {
		t.Fatalf("err = %v, want a CheckError with the run failure", err)
	}
	assertClean(t, parent)
}

func assertSame(t testing.TB, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("target changed: %d entries before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("target changed at %s: %q -> %q", k, v, after[k])
		}
	}
}

// A target that is a symbolic link to an old installation: the link is
// replaced by the new tree and the old tree is left alone.
func TestInstallOverSymlink(t *testing.T) {
	e := newEnv(t)
	_, rel := archiveSetup(t, e, goodArchive(t, e), nil)
	parent := t.TempDir()
	old := filepath.Join(parent, "go1.21.0")
	installExisting(t, old, "go1.21.0", e.p)
	before := snapshot(t, old)
	dir := filepath.Join(parent, "go")
	if err := os.Symlink(old, dir); err != nil {
		t.Skip(err)
	}
	ex, err := Inspect(dir)
	if err != nil || !ex.IsGo || ex.Version != "go1.21.0" || ex.Symlink != old {
		t.Fatalf("Inspect = %+v, %v", ex, err)
	}
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || res.Replaced != "go1.21.0" {
		t.Fatalf("target %v %v, replaced %q", fi, err, res.Replaced)
	}
	assertSame(t, before, snapshot(t, old))
	assertClean(t, parent, "go", "go1.21.0")
}

// Leftovers of a killed install are swept once they are old; a young one
// (maybe an install running now) and a moved-aside old tree are kept.
// What killed installs left goes, whatever its age: holding the target's
// lock proves no install is using it. An old tree beside an existing
// target is a finished swap whose removal was cut short (it may be half
// deleted, so it need not look like Go any more).
func TestInstallRemovesLeftoversOfAnyAge(t *testing.T) {
	e := newEnv(t)
	_, rel := archiveSetup(t, e, goodArchive(t, e), nil)
	parent := t.TempDir()
	installExisting(t, filepath.Join(parent, "go"), "go1.21.0", e.p)
	long := time.Now().Add(-2 * time.Hour)
	for _, n := range []string{".go.gosetup-new-1", ".go.gosetup-dl-2.zip", ".go.gosetup-new-young", ".go.gosetup-old-3", ".other.gosetup-new-4"} {
		p := filepath.Join(parent, n)
		if strings.Contains(n, ".zip") {
			os.WriteFile(p, []byte("partial"), 0o644)
		} else {
			os.MkdirAll(filepath.Join(p, "bin"), 0o755)
		}
		if !strings.Contains(n, "young") {
			os.Chtimes(p, long, long)
		}
	}
	if _, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go")}); err != nil {
		t.Fatal(err)
	}
	// Another target's leftovers are not this install's business.
	assertClean(t, parent, "go", ".other.gosetup-new-4")
}

// Killed between the two renames of the swap: the target is missing and
// the old tree is the user's only toolchain. Install refuses to go on
// (so that a later cleanup can never delete it) and names it.
func TestInstallStopsAtSurvivingOldTree(t *testing.T) {
	e := newEnv(t)
	_, rel := archiveSetup(t, e, goodArchive(t, e), nil)
	parent := t.TempDir()
	old := filepath.Join(parent, ".go.gosetup-old-abc")
	installExisting(t, old, "go1.21.0", e.p)
	before := snapshot(t, old)
	os.Mkdir(filepath.Join(parent, ".go.gosetup-new-9"), 0o755)
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go")})
	var se *SurvivorError
	if !errors.As(err, &se) || se.Old.Path != old || se.Old.Version != "go1.21.0" || !strings.Contains(err.Error(), old) {
		t.Fatalf("err = %v, want a SurvivorError naming %s", err, old)
	}
	assertSame(t, before, snapshot(t, old))
	assertClean(t, parent, ".go.gosetup-old-abc")

	lock, err := LockTarget(context.Background(), filepath.Join(parent, "go"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.Restore(se.Old); err != nil {
		t.Fatal(err)
	}
	lock.Release()
	assertSame(t, before, snapshot(t, filepath.Join(parent, "go")))
}

// A second install into the same directory waits for the first; one that
// cannot wait long enough fails saying so and changes nothing.
func TestInstallLocksTarget(t *testing.T) {
	e := newEnv(t)
	_, rel := archiveSetup(t, e, goodArchive(t, e), nil)
	dir := filepath.Join(t.TempDir(), "go")
	lock, err := LockTarget(context.Background(), dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := e.installer()
	in.LockWait = 50 * time.Millisecond
	_, err = in.Install(context.Background(), Request{Release: rel, Dir: dir})
	var be *BusyError
	if !errors.As(err, &be) || be.Dir != dir || !strings.Contains(err.Error(), "another gosetup install") {
		t.Fatalf("err = %v, want BusyError", err)
	}
	if _, err := os.Lstat(dir); err == nil {
		t.Fatal("installed while another held the lock")
	}
	// The holder may pass its lock in.
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Lock: lock}); err != nil {
		t.Fatal(err)
	}
	lock.Release()
	if !HasMark(dir) {
		t.Error("no gosetup mark in the installed toolchain")
	}
	assertClean(t, filepath.Dir(dir), "go")
}

func TestInstallRefusesNonGoDir(t *testing.T) {
	e := newEnv(t)
	_, rel := archiveSetup(t, e, goodArchive(t, e), nil)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "thesis.tex"), []byte("precious"), 0o644)
	before := snapshot(t, dir)
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir})
	var ng *NotGoDirError
	if !errors.As(err, &ng) {
		t.Fatalf("err = %v, want NotGoDirError", err)
	}
	assertSame(t, before, snapshot(t, dir))
}

// Each misbehaving first mirror must be abandoned for the good second one.
func TestArchiveFailover(t *testing.T) {
	archive := mirrortest.TarGz("go/", fakeToolchain(instVersion, dist.Host()))
	corrupt := retimed(archive)
	garbled := append([]byte(nil), archive...)
	garbled[len(garbled)/2] ^= 0xff
	cases := map[string]func(w http.ResponseWriter, r *http.Request, serve func()){
		"404": func(w http.ResponseWriter, r *http.Request, serve func()) { http.NotFound(w, r) },
		"500": func(w http.ResponseWriter, r *http.Request, serve func()) { http.Error(w, "boom", 500) },
		"html": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><title>Mirror maintenance</title>"))
		},
		"html-as-octet-stream": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("<!doctype html><title>Mirror maintenance</title>"))
		},
		"hang-before-headers": func(w http.ResponseWriter, r *http.Request, serve func()) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		},
		"stall-mid-body": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Header().Set("Content-Length", itoa(len(archive)))
			w.Write(archive[:1000])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		},
		"corrupt-deflate": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Write(garbled)
		},
		"short-file": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Write(archive[:len(archive)-100])
		},
		"size-mismatch": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Write(append(append([]byte(nil), archive...), 0))
		},
		"checksum-mismatch": func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(corrupt)
		},
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			_, rel := archiveSetup(t, e, archive, bad, nil)
			parent := t.TempDir()
			dir := filepath.Join(parent, "go")
			in := e.installer()
			in.RankTimeout = -1 // keep the bad mirror first
			res, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mirror != "mb" {
				t.Errorf("served by %q, want mb", res.Mirror)
			}
			if f := e.failovers(); len(f) == 0 || f[0] != "ma" {
				t.Errorf("failover events %v, want ma first", f)
			}
			assertClean(t, parent, "go")
		})
	}
}

// With every mirror bad, the install fails, says why per mirror, and
// leaves the existing installation alone.
func TestArchiveAllMirrorsFail(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	corrupt := retimed(archive)
	_, rel := archiveSetup(t, e, archive,
		func(w http.ResponseWriter, r *http.Request, serve func()) { http.NotFound(w, r) },
		func(w http.ResponseWriter, r *http.Request, serve func()) { w.Write(corrupt) })
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	installExisting(t, dir, "go1.21.0", e.p)
	before := snapshot(t, dir)
	in := e.installer()
	in.RankTimeout = -1
	_, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
	if err == nil {
		t.Fatal("install succeeded")
	}
	for _, want := range []string{"ma: not found", "mb: ", "checksum mismatch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	assertSame(t, before, snapshot(t, dir))
	assertClean(t, parent, "go")
}

// A connection dropped mid-body is resumed with a Range request on the
// same mirror, guarded by If-Range.
func TestArchiveResumeAfterDrop(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	var drops atomic.Int32
	srvs, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == "" && r.Header.Get("Range") != "bytes=0-0" && drops.Add(1) <= 2 {
			// Send the headers and part of the body, then cut the connection.
			hj := w.(http.Hijacker)
			conn, buf, _ := hj.Hijack()
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nETag: \"" + mirrortest.SHA256(archive)[:16] + "\"\r\nContent-Length: " + itoa(len(archive)) + "\r\n\r\n")
			buf.Write(archive[:len(archive)/3])
			buf.Flush()
			conn.(*net.TCPConn).SetLinger(0)
			return
		}
		serve()
	})
	parent := t.TempDir()
	in := e.installer()
	in.RankTimeout = -1
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != int64(len(archive)) {
		t.Errorf("downloaded %d bytes, want %d (resume should not re-download)", res.Bytes, len(archive))
	}
	var ranged bool
	for _, r := range srvs[0].requests() {
		if rg := r.Header.Get("Range"); strings.HasPrefix(rg, "bytes=") && rg != "bytes=0-0" {
			ranged = true
			if r.Header.Get("If-Range") == "" {
				t.Errorf("resume without If-Range: %v", r.Header)
			}
		}
	}
	if !ranged {
		t.Error("no Range request was made")
	}
	if len(e.failovers()) != 0 {
		t.Errorf("failed over (%v) instead of resuming", e.failovers())
	}
}

// The only mirror answering 503 once is retried, not abandoned.
func TestArchiveLastMirror503IsRetried(t *testing.T) {
	e := newEnv(t)
	var n atomic.Int32
	_, rel := archiveSetup(t, e, goodArchive(t, e), func(w http.ResponseWriter, r *http.Request, serve func()) {
		if n.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		serve()
	})
	in := e.installer()
	in.RankTimeout = -1
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
}

// A mirror that ignores Range on resume (answers 200) still works: the
// already-received prefix is skipped.
func TestArchiveResumeWithoutRangeSupport(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	var n atomic.Int32
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) {
		w.Header().Set("Content-Length", itoa(len(archive)))
		if n.Add(1) == 1 {
			w.Write(archive[:len(archive)/2])
			w.(http.Flusher).Flush()
			hj, _, _ := w.(http.Hijacker).Hijack()
			hj.Close()
			return
		}
		w.Write(archive)
	})
	in := e.installer()
	in.RankTimeout = -1
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
}

// Ctrl-C in the middle of the download leaves the target untouched and no
// staging directory behind.
func TestInstallCancelMidDownload(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	started := make(chan struct{})
	var once atomic.Bool
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == "bytes=0-0" {
			serve()
			return
		}
		w.Header().Set("Content-Length", itoa(len(archive)))
		w.Write(archive[:len(archive)/2])
		w.(http.Flusher).Flush()
		if once.CompareAndSwap(false, true) {
			close(started)
		}
		<-r.Context().Done()
	})
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	installExisting(t, dir, "go1.21.0", e.p)
	before := snapshot(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := e.installer()
	in.StallTimeout = 10 * time.Second
	// Cancel once the installer reports bytes arriving: the download is
	// under way, whatever the machine's load.
	progress := in.Progress
	var cancelled atomic.Bool
	in.Progress = func(ev Event) {
		progress(ev)
		if ev.Phase == PhaseDownload && ev.Done > 0 && cancelled.CompareAndSwap(false, true) {
			<-started
			cancel()
		}
	}
	_, err := in.Install(ctx, Request{Release: rel, Dir: dir})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertSame(t, before, snapshot(t, dir))
	assertClean(t, parent, "go")
}

// retimed is the same archive with another gzip timestamp: it unpacks
// fine, so only the SHA-256 can tell it apart.
func retimed(archive []byte) []byte {
	c := append([]byte(nil), archive...)
	c[4] ^= 0x5a
	return c
}

func itoa(n int) string { return strconvItoa(n) }
