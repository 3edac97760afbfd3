package toolchain

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

const testDBName = "sum.gosetup.test"

// testDB is a real checksum database (golang.org/x/mod/sumdb's server with
// its in-memory tree) served over HTTP on loopback.
type testDB struct {
	signer, verifier string
	ts               *sumdb.TestServer
	srv              *httptest.Server
	hits             atomic.Int32
}

// zipHash is the fake but well-formed h1 hash the test database records for
// a module version.
func zipHash(path, vers string) string {
	return "h1:" + fakeSHA(path + "@" + vers)[:43] + "="
}

// newTestDB starts a database signed with keys' key (a fresh key when nil),
// knowing every golang.org/toolchain version in known and, to give the
// tree several tiles and real proof paths, extra filler modules.
func newTestDB(t testing.TB, keys *testDB, known []string, filler int) *testDB {
	db := &testDB{}
	if keys != nil {
		db.signer, db.verifier = keys.signer, keys.verifier
	} else {
		var err error
		db.signer, db.verifier, err = note.GenerateKey(rand.Reader, testDBName)
		if err != nil {
			t.Fatal(err)
		}
	}
	signer := db.signer
	knownSet := map[string]bool{}
	for _, v := range known {
		knownSet[v] = true
	}
	db.ts = sumdb.NewTestServer(signer, func(path, vers string) ([]byte, error) {
		if path == dist.ToolchainModule && !knownSet[vers] {
			return nil, fs.ErrNotExist // the server answers 404
		}
		return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, vers, zipHash(path, vers), path, vers, zipHash(path, vers+"/go.mod"))), nil
	})
	for i := 0; i < filler; i++ {
		lookupDirect(t, db.ts, fmt.Sprintf("example.com/filler%d", i), "v1.0.0")
	}
	for _, v := range known {
		lookupDirect(t, db.ts, dist.ToolchainModule, v)
	}
	h := sumdb.NewServer(db.ts)
	db.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		db.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(db.srv.Close)
	return db
}

func lookupDirect(t testing.TB, ts *sumdb.TestServer, path, vers string) {
	req := httptest.NewRequest("GET", "/lookup/"+path+"@"+vers, nil)
	rec := httptest.NewRecorder()
	sumdb.NewServer(ts).ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("seeding %s@%s: %d %s", path, vers, rec.Code, rec.Body)
	}
}

func sumdbCatalog(t testing.TB, key string, urls ...string) *catalog.Catalog {
	var entries []catalog.Entry
	for _, u := range urls {
		entries = append(entries, catalog.Entry{Name: testDBName, URL: u, Key: key})
	}
	return testCatalog(t, nil, nil, entries...)
}

const tv = "v0.0.1-go1.22.5.linux-amd64"

func sumDB(t testing.TB, c *catalog.Catalog) *SumDB {
	return &SumDB{Client: testClient(t), Catalog: c, Name: testDBName, Timeout: 5 * time.Second}
}

func TestZipHashDirect(t *testing.T) {
	db := newTestDB(t, nil, []string{tv, "v0.0.1-go1.23.0.linux-amd64"}, 300)
	s := sumDB(t, sumdbCatalog(t, db.verifier, db.srv.URL))
	for _, v := range []string{tv, "v0.0.1-go1.23.0.linux-amd64"} {
		got, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, v)
		if err != nil {
			t.Fatal(err)
		}
		if want := zipHash(dist.ToolchainModule, v); got != want {
			t.Errorf("ZipHash(%s) = %q, want %q", v, got, want)
		}
	}
}

// proxyFor is a GOPROXY that passes the database through at
// /sumdb/<name>/ when pass is set, and otherwise answers 404 there, as a
// proxy without checksum-database support does.
func proxyFor(t testing.TB, db *testDB, pass bool, broken bool) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	prefix := "/sumdb/" + testDBName
	h := http.StripPrefix(prefix, sumdb.NewServer(db.ts))
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case !pass || !strings.HasPrefix(r.URL.Path, prefix+"/"):
			http.NotFound(w, r)
		case r.URL.Path == prefix+"/supported":
			w.WriteHeader(200)
		case broken:
			http.Error(w, "upstream down", http.StatusBadGateway)
		default:
			h.ServeHTTP(w, r)
		}
	})
	return s, &hits
}

func TestZipHashThroughProxy(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 10)
	proxy, proxyHits := proxyFor(t, db, true, false)
	s := sumDB(t, sumdbCatalog(t, db.verifier, db.srv.URL))
	got, err := s.ZipHash(context.Background(), proxy.URL+"/", dist.ToolchainModule, tv)
	if err != nil {
		t.Fatal(err)
	}
	if got != zipHash(dist.ToolchainModule, tv) {
		t.Errorf("got %q", got)
	}
	if db.hits.Load() != 0 || proxyHits.Load() < 3 {
		t.Errorf("direct hits %d, proxy hits %d: with /supported answering 200 all traffic must go through the proxy", db.hits.Load(), proxyHits.Load())
	}
}

func TestZipHashProxyWithoutSupportGoesDirect(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 10)
	proxy, proxyHits := proxyFor(t, db, false, false)
	s := sumDB(t, sumdbCatalog(t, db.verifier, db.srv.URL))
	if _, err := s.ZipHash(context.Background(), proxy.URL, dist.ToolchainModule, tv); err != nil {
		t.Fatal(err)
	}
	if proxyHits.Load() != 1 || db.hits.Load() == 0 {
		t.Errorf("proxy hits %d (want only /supported), direct hits %d", proxyHits.Load(), db.hits.Load())
	}
}

// A proxy that claims support is used exclusively, as the go command does:
// when it then fails, the lookup fails rather than quietly going direct.
func TestZipHashProxyFailureNoFallback(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 10)
	proxy, _ := proxyFor(t, db, true, true)
	s := sumDB(t, sumdbCatalog(t, db.verifier, db.srv.URL))
	_, err := s.ZipHash(context.Background(), proxy.URL, dist.ToolchainModule, tv)
	var se *SumDBError
	if !errors.As(err, &se) || se.Security || !strings.Contains(err.Error(), "502") {
		t.Errorf("err = %v", err)
	}
	if db.hits.Load() != 0 {
		t.Errorf("fell back to the direct database (%d hits)", db.hits.Load())
	}
}

func TestZipHashFailover(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 10)
	down := statusServer(t, 503, "maintenance")
	hang := hangServer(t)
	s := sumDB(t, sumdbCatalog(t, db.verifier, down.URL, hang.URL, db.srv.URL))
	s.Timeout = 300 * time.Millisecond
	got, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv)
	if err != nil || got != zipHash(dist.ToolchainModule, tv) {
		t.Errorf("ZipHash = %q, %v", got, err)
	}
}

// A tree head signed by a different key under the same name (an impostor
// database, or a proxy forging answers) must be rejected.
func TestZipHashForgedTreeHead(t *testing.T) {
	real := newTestDB(t, nil, []string{tv}, 10)
	forger := newTestDB(t, nil, []string{tv}, 10) // same name, its own key
	s := sumDB(t, sumdbCatalog(t, real.verifier, forger.srv.URL))
	_, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv)
	var se *SumDBError
	if !errors.As(err, &se) || !se.Security || !strings.Contains(err.Error(), "FAILED VERIFICATION") {
		t.Fatalf("err = %v, want a security failure", err)
	}
	// Also through a proxy that passes the forger through.
	proxy, _ := proxyFor(t, forger, true, false)
	if _, err := s.ZipHash(context.Background(), proxy.URL, dist.ToolchainModule, tv); !errors.As(err, &se) || !se.Security {
		t.Errorf("through proxy: err = %v", err)
	}
}

// A record whose hash was altered in transit is not in the signed tree: the
// inclusion proof fails.
func TestZipHashTamperedRecord(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 300)
	good := zipHash(dist.ToolchainModule, tv)
	evil := zipHash("evil", tv)
	h := sumdb.NewServer(db.ts)
	mitm := server(t, func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasPrefix(r.URL.Path, "/lookup/") {
			body = bytes.ReplaceAll(body, []byte(good), []byte(evil))
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
	s := sumDB(t, sumdbCatalog(t, db.verifier, mitm.URL))
	got, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv)
	var se *SumDBError
	if !errors.As(err, &se) || !se.Security || !strings.Contains(err.Error(), "authenticate") {
		t.Fatalf("ZipHash = %q, %v; want the tampered record rejected", got, err)
	}
}

// A tampered tile (a proof path that does not hash to the signed root) is
// rejected too.
func TestZipHashTamperedTile(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 300)
	h := sumdb.NewServer(db.ts)
	mitm := server(t, func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasPrefix(r.URL.Path, "/tile/") && len(body) > 0 {
			body = append([]byte(nil), body...)
			body[0] ^= 0xff
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
	s := sumDB(t, sumdbCatalog(t, db.verifier, mitm.URL))
	_, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv)
	var se *SumDBError
	if !errors.As(err, &se) || !se.Security {
		t.Fatalf("err = %v; want a tampered tile rejected", err)
	}
}

func TestZipHashUnknownModule(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 10)
	s := sumDB(t, sumdbCatalog(t, db.verifier, db.srv.URL))
	_, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, "v0.0.1-go1.22.99.linux-amd64")
	var se *SumDBError
	if !errors.Is(err, ErrNotInSumDB) || !errors.As(err, &se) || se.Security {
		t.Errorf("err = %v, want ErrNotInSumDB", err)
	}
}

func TestZipHashUnknownDatabase(t *testing.T) {
	s := &SumDB{Client: testClient(t), Catalog: catalog.Default(), Name: "sum.nobody.example"}
	_, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv)
	var me *MissingSumDBError
	if !errors.As(err, &me) || !me.NoKey || !strings.Contains(err.Error(), "no verifier key") || strings.Contains(err.Error(), "--") {
		t.Errorf("err = %v", err)
	}
}

// With CacheDir, verified tiles, records and the tree head persist: a second
// lookup needs no network at all.
func TestZipHashCache(t *testing.T) {
	db := newTestDB(t, nil, []string{tv}, 300)
	s := sumDB(t, sumdbCatalog(t, db.verifier, db.srv.URL))
	s.CacheDir = t.TempDir()
	if _, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv); err != nil {
		t.Fatal(err)
	}
	latest, err := filepath.Glob(filepath.Join(s.CacheDir, testDBName+"+*", "config", testDBName, "latest"))
	if err != nil || len(latest) != 1 {
		t.Fatalf("no stored tree head under %s: %v %v", s.CacheDir, latest, err)
	}
	db.srv.Close()
	got, err := s.ZipHash(context.Background(), "", dist.ToolchainModule, tv)
	if err != nil || got != zipHash(dist.ToolchainModule, tv) {
		t.Errorf("cached lookup = %q, %v", got, err)
	}
}

// A database that later serves a tree inconsistent with one gosetup saw
// before (a fork, or a split view for this user) is caught through the
// stored tree head, even though each tree is validly signed.
func TestZipHashDetectsFork(t *testing.T) {
	a := newTestDB(t, nil, []string{tv}, 20)
	b := newTestDB(t, a, []string{tv, "v0.0.1-go1.23.0.linux-amd64"}, 40) // same key, different history
	cache := t.TempDir()
	sa := sumDB(t, sumdbCatalog(t, a.verifier, a.srv.URL))
	sa.CacheDir = cache
	if _, err := sa.ZipHash(context.Background(), "", dist.ToolchainModule, tv); err != nil {
		t.Fatal(err)
	}
	sb := sumDB(t, sumdbCatalog(t, b.verifier, b.srv.URL))
	sb.CacheDir = cache
	_, err := sb.ZipHash(context.Background(), "", dist.ToolchainModule, "v0.0.1-go1.23.0.linux-amd64")
	var se *SumDBError
	if !errors.As(err, &se) || !se.Security {
		t.Fatalf("err = %v; want the forked tree detected", err)
	}
	// Without the stored state the fork would go unnoticed: this is what
	// CacheDir buys.
	sb.CacheDir = ""
	if _, err := sb.ZipHash(context.Background(), "", dist.ToolchainModule, "v0.0.1-go1.23.0.linux-amd64"); err != nil {
		t.Errorf("fresh client: %v", err)
	}
}

func TestSumDBCachePathsStayInside(t *testing.T) {
	o := &sumdbOps{cacheDir: t.TempDir(), name: "n", key: "n+1234abcd+AAAA"}
	for _, bad := range []string{"", "/etc/passwd", "../x", "n/../../x", `n\x`, "c:x", "n//x"} {
		if _, err := o.path("cache", bad); err == nil {
			t.Errorf("path(%q) accepted", bad)
		}
	}
	p, err := o.path("cache", "n/tile/8/0/001")
	if err != nil || !strings.HasPrefix(p, o.cacheDir) {
		t.Errorf("path = %q, %v", p, err)
	}
}

func TestSumDBCancel(t *testing.T) {
	hang := hangServer(t)
	db := newTestDB(t, nil, []string{tv}, 1)
	s := sumDB(t, sumdbCatalog(t, db.verifier, hang.URL))
	s.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := s.ZipHash(ctx, "", dist.ToolchainModule, tv); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// TestZipHashRealNetwork checks a real toolchain module against the real
// sum.golang.org through the proxy in `go env GOPROXY`. Opt in with
// GOSETUP_TEST_NETWORK=1.
func TestZipHashRealNetwork(t *testing.T) {
	if os.Getenv("GOSETUP_TEST_NETWORK") != "1" {
		t.Skip("set GOSETUP_TEST_NETWORK=1 to check against the real checksum database")
	}
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatal(err)
	}
	proxy := ""
	for _, p := range strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' }) {
		if strings.HasPrefix(p, "http") {
			proxy = p
			break
		}
	}
	if proxy == "" {
		t.Skip("go env GOPROXY names no HTTP proxy")
	}
	s := &SumDB{Client: testClient(t), Catalog: catalog.Default(), CacheDir: t.TempDir()}
	// sum.golang.org is append-only: this line can never change.
	const want = "h1:Hdh4VJAlDWzMnhKpqDwqJJr+sE7NgsJ86dyR4wrv2oY="
	start := time.Now()
	got, err := s.ZipHash(context.Background(), proxy, dist.ToolchainModule, "v0.0.1-go1.22.12.linux-amd64")
	if err != nil || got != want {
		t.Fatalf("ZipHash via %s = %q, %v; want %s", proxy, got, err, want)
	}
	cold := time.Since(start)
	start = time.Now()
	if got, err := s.ZipHash(context.Background(), proxy, dist.ToolchainModule, "v0.0.1-go1.22.12.linux-amd64"); err != nil || got != want {
		t.Fatalf("cached ZipHash = %q, %v", got, err)
	}
	t.Logf("ZipHash cold %s, with the verified cache %s", cold, time.Since(start))
	// The real Finder against the same proxy, module channel only.
	f := &Finder{Client: testClient(t), Catalog: catalog.Default(), Platform: linuxAMD64, Proxy: proxy, Grace: 3 * time.Second}
	set, err := f.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Select("1.22", linuxAMD64, false)
	if err != nil || !r.HasModule(linuxAMD64) {
		t.Errorf("Select 1.22 from the real proxy = %+v, %v", r, err)
	}
	t.Logf("real proxy: %d releases, 1.22 -> %s, warnings %q", len(set.Releases), r.Version, set.Warnings)
}

// The shorthand name sum.golang.google.cn means the database sum.golang.org
// (same key), as the go command treats it: a proxy is asked for
// /sumdb/sum.golang.org/.
func TestZipHashAliasName(t *testing.T) {
	paths := make(chan string, 16)
	proxy := server(t, func(w http.ResponseWriter, r *http.Request) {
		paths <- r.URL.Path
		if r.URL.Path == "/sumdb/sum.golang.org/supported" {
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	s := &SumDB{Client: testClient(t), Catalog: catalog.Default(), Name: "sum.golang.google.cn", Timeout: 5 * time.Second}
	_, err := s.ZipHash(context.Background(), proxy.URL, dist.ToolchainModule, tv)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v", err)
	}
	close(paths)
	var got []string
	for p := range paths {
		got = append(got, p)
	}
	if len(got) != 2 || got[0] != "/sumdb/sum.golang.org/supported" || got[1] != "/sumdb/sum.golang.org/lookup/golang.org/toolchain@"+tv {
		t.Errorf("proxy asked for %q", got)
	}
}
