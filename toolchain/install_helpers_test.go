package toolchain

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/httpx"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// tEntry is one archive entry of a test archive: the shared mirror
// world's entry, so that its archive builders serve these tests too.
type tEntry = mirrortest.Entry

const instVersion = "go1.22.5"

// fakeToolchain is the content of a small but real-shaped toolchain whose
// bin/go runs (a shell script), with enough files to exercise the parallel
// writer.
func fakeToolchain(version string, p dist.Platform) []tEntry {
	es := []tEntry{
		{Name: "bin/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "bin/go", Body: mirrortest.GoScript(version, p), Mode: 0o755},
		{Name: "VERSION", Body: version + "\ntime 2024-01-01T00:00:00Z\n", Mode: 0o644},
		{Name: "pkg/tool/" + p.OS + "_" + p.Arch + "/compile", Body: "#!/bin/sh\necho compile\n", Mode: 0o755},
		{Name: "src/medium.txt", Body: strings.Repeat("m", 200<<10), Mode: 0o644},
		{Name: "src/empty.txt", Body: "", Mode: 0o644},
	}
	for i := range 150 {
		es = append(es, tEntry{Name: fmt.Sprintf("src/pkg%d/file%d.go", i%13, i), Body: fmt.Sprintf("package p%d // %d\n", i%13, i), Mode: 0o644})
	}
	return es
}

// bigToolchain adds files larger than the in-memory and zip buffer sizes,
// to exercise the streaming write paths.
func bigToolchain(version string, p dist.Platform) []tEntry {
	return append(fakeToolchain(version, p),
		tEntry{Name: "pkg/tool/" + p.OS + "_" + p.Arch + "/big", Body: strings.Repeat("0123456789abcdef", (arenaSize+100)/16), Mode: 0o755},
		tEntry{Name: "src/twomeg.txt", Body: strings.Repeat("2", 2<<20), Mode: 0o644},
		tEntry{Name: "src/almost-arena.txt", Body: strings.Repeat("9", 900<<10), Mode: 0o644})
}

// withRoot prefixes every entry name.
func withRoot(root string, es []tEntry) []tEntry {
	out := make([]tEntry, len(es))
	for i, e := range es {
		e.Name = root + e.Name
		out[i] = e
	}
	return out
}

// zipH1 is the checksum database's h1 hash of a module zip.
func zipH1(t testing.TB, data []byte) string {
	t.Helper()
	h, err := mirrortest.H1(data)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// release is a Release whose index entry matches archive.
func testRelease(version string, p dist.Platform, archive []byte) Release {
	name := dist.ArchiveName(version, p)
	return Release{Version: version, Stable: true,
		Files:   []File{{Filename: name, OS: p.OS, Arch: p.Arch, Version: version, SHA256: mirrortest.SHA256(archive), Size: int64(len(archive)), Kind: "archive"}},
		Modules: []string{p.String()}}
}

// fileServer serves fixed content with Range support (http.ServeContent)
// and records the requests it saw.
type fileServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func (s *fileServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func newFileServer(t testing.TB, files map[string][]byte, wrap func(w http.ResponseWriter, r *http.Request, serve func())) *fileServer {
	fs := &fileServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.reqs = append(fs.reqs, r.Clone(context.Background()))
		fs.mu.Unlock()
		serve := func() {
			data, ok := files[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("ETag", `"`+mirrortest.SHA256(data)[:16]+`"`)
			w.Header().Set("Content-Type", "application/octet-stream")
			http.ServeContent(w, r, "", time.Unix(1e9, 0), bytes.NewReader(data))
		}
		if wrap != nil {
			wrap(w, r, serve)
			return
		}
		serve()
	}))
	t.Cleanup(fs.Close)
	return fs
}

// testSumDB is an in-process checksum database (golang.org/x/mod/sumdb's
// own test server) that knows the hashes it is given.
type testSumDB struct {
	name, vkey string
	handler    http.Handler
	mu         sync.Mutex
	hashes     map[string]string // path@version -> h1
}

func newTestSumDB(t testing.TB) *testSumDB {
	t.Helper()
	skey, vkey, err := note.GenerateKey(nil, "sum.test.example")
	if err != nil {
		t.Fatal(err)
	}
	db := &testSumDB{name: "sum.test.example", vkey: vkey, hashes: map[string]string{}}
	ts := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		db.mu.Lock()
		defer db.mu.Unlock()
		h, ok := db.hashes[path+"@"+vers]
		if !ok {
			return nil, fmt.Errorf("unknown module %s@%s", path, vers)
		}
		return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", path, vers, h, path, vers)), nil
	})
	db.handler = sumdb.NewServer(ts)
	return db
}

func (db *testSumDB) add(path, vers, h1 string) {
	db.mu.Lock()
	db.hashes[path+"@"+vers] = h1
	db.mu.Unlock()
}

// proxyHandler serves a module proxy: the given zips plus the checksum
// database pass-through under /sumdb/<name>/.
func (db *testSumDB) proxyFiles(t testing.TB, files map[string][]byte, wrap func(w http.ResponseWriter, r *http.Request, serve func())) *fileServer {
	return newFileServer(t, files, func(w http.ResponseWriter, r *http.Request, serve func()) {
		prefix := "/sumdb/" + db.name
		if rest, ok := strings.CutPrefix(r.URL.Path, prefix); ok {
			if rest == "/supported" {
				return // 200
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = rest
			db.handler.ServeHTTP(w, r2)
			return
		}
		if wrap != nil {
			wrap(w, r, serve)
			return
		}
		serve()
	})
}

// env is one test's world: servers, catalogue and an Installer.
type env struct {
	t      *testing.T
	p      dist.Platform
	cat    *catalog.Catalog
	db     *testSumDB
	events []Event
	mu     sync.Mutex
}

func newEnv(t *testing.T) *env {
	if runtime.GOOS == "windows" {
		t.Skip("the fake toolchain's bin/go is a shell script")
	}
	return &env{t: t, p: dist.Host(), cat: &catalog.Catalog{}}
}

func (e *env) addArchive(name, url string) {
	e.cat.Archive = append(e.cat.Archive, catalog.Entry{Name: name, URL: strings.TrimSuffix(url, "/") + "/"})
}

func (e *env) addProxy(name, url string) {
	e.cat.Proxy = append(e.cat.Proxy, catalog.Entry{Name: name, URL: strings.TrimSuffix(url, "/")})
}

func (e *env) installer() *Installer {
	client, err := httpx.NewClient(httpx.Options{HeaderTimeout: time.Second, ConnectTimeout: time.Second, Getenv: func(string) string { return "" }})
	if err != nil {
		e.t.Fatal(err)
	}
	in := &Installer{
		Client: client, Catalog: e.cat, Platform: e.p,
		StallTimeout: 500 * time.Millisecond, Backoff: 10 * time.Millisecond, Attempts: 2, RankTimeout: 2 * time.Second,
		Progress: func(ev Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		},
	}
	if e.db != nil {
		e.cat.SumDB = []catalog.Entry{{Name: e.db.name, URL: "http://127.0.0.1:1/unused", Key: e.db.vkey}}
		in.SumDB = &SumDB{Client: client, Catalog: e.cat, Name: e.db.name, CacheDir: filepath.Join(e.t.TempDir(), "sumdb")}
	}
	return in
}

// failovers lists the mirrors named by failover events.
func (e *env) failovers() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		if ev.Phase == PhaseFailover && ev.Mirror != "" {
			out = append(out, ev.Mirror)
		}
	}
	return out
}

// snapshot records every path under dir with its mode and content hash, to
// prove a failed install changed nothing.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		v := info.Mode().String()
		if d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			v += " " + mirrortest.SHA256(b)
		}
		out[rel] = v
		return nil
	})
	return out
}

// assertClean fails if anything but want is in parent (no staging dirs,
// no partial downloads).
func assertClean(t testing.TB, parent string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(parent)
	if err != nil {
		if os.IsNotExist(err) && len(want) == 0 {
			return
		}
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s holds %v, want only %v (leftover staging or partial files?)", parent, got, want)
	}
}

// installExisting puts an older fake toolchain at dir.
func installExisting(t testing.TB, dir, version string, p dist.Platform) {
	t.Helper()
	for _, e := range append(fakeToolchain(version, p)[:4], tEntry{Name: "src/runtime/runtime.go", Body: "package runtime\n"}) {
		if e.Type == tar.TypeDir {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(e.Name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(e.Body), os.FileMode(e.Mode)); err != nil {
			t.Fatal(err)
		}
	}
}

func strconvItoa(n int) string { return fmt.Sprint(n) }

func dist_host() dist.Platform { return dist.Host() }
