package doctor

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// releaseIndex serves an official-style release index listing versions.
func releaseIndex(t *testing.T, versions ...string) *httptest.Server {
	t.Helper()
	type file struct {
		Filename string `json:"filename"`
		OS       string `json:"os"`
		Arch     string `json:"arch"`
		Version  string `json:"version"`
		SHA256   string `json:"sha256"`
		Size     int64  `json:"size"`
		Kind     string `json:"kind"`
	}
	type rel struct {
		Version string `json:"version"`
		Stable  bool   `json:"stable"`
		Files   []file `json:"files"`
	}
	var rels []rel
	host := dist.Host()
	for _, v := range versions {
		rels = append(rels, rel{v, true, []file{{Filename: dist.ArchiveName(v, host), OS: host.OS, Arch: host.Arch, Version: v,
			SHA256: strings.Repeat("ab", 32), Size: 1000, Kind: "archive"}}})
	}
	b, _ := json.Marshal(rels)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sumdb is a checksum database serving a signed tree head.
type sumdb struct {
	srv  *httptest.Server
	name string
	key  string
}

func newSumDB(t *testing.T, name string) *sumdb {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	head, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 5, Hash: tlog.Hash{1}}))}, signer)
	if err != nil {
		t.Fatal(err)
	}
	db := &sumdb{name: name, key: vkey}
	db.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest" {
			w.Write(head)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(db.srv.Close)
	return db
}

// proxy is a module proxy listing golang.org/toolchain versions; through,
// when set, is the database it passes through.
func newProxy(t *testing.T, through *sumdb, versions ...string) *httptest.Server {
	t.Helper()
	host := dist.Host()
	var list []string
	for _, v := range versions {
		list = append(list, dist.ModuleVersion(v, host))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/golang.org/toolchain/@v/list":
			fmt.Fprintln(w, strings.Join(list, "\n"))
		case strings.HasPrefix(p, "/golang.org/toolchain/@v/") && strings.HasSuffix(p, ".info"):
			v := strings.TrimSuffix(strings.TrimPrefix(p, "/golang.org/toolchain/@v/"), ".info")
			fmt.Fprintf(w, `{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, v)
		case through != nil && p == "/sumdb/"+through.name+"/supported":
			w.WriteHeader(http.StatusOK)
		case through != nil && p == "/sumdb/"+through.name+"/latest":
			resp, err := http.Get(through.srv.URL + "/latest")
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 4096)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			w.Write([]byte(b.String()))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// deadAddr is a loopback URL nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestNewestPatchFromReleaseIndexAndCache(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("sdk/go", "go1.26.2")
	w.setPath(bin, "/usr/bin")
	idx := releaseIndex(t, "go1.26.3", "go1.26.2", "go1.25.10", "go1.24.13")
	cache := filepath.Join(w.home, "cache")
	cat := &catalog.Catalog{Index: []catalog.Entry{{Name: "test-index", URL: idx.URL + "/"}}}
	rep := w.run(Options{Catalog: cat, Client: idx.Client(), CacheDir: cache}, "security.go-patch", "security.go-supported")
	f := must(t, rep, "security.go-patch", Warn, "go1.26.2 is older than go1.26.3, the newest patch release of go1.26")
	if !hasSource(f, SourceRelease, "test-index", 0) {
		t.Errorf("release source:\n%s", dump(rep))
	}
	must(t, rep, "security.go-supported", OK, "go1.26 is supported")
	if _, err := os.Stat(filepath.Join(cache, releaseCacheName)); err != nil {
		t.Fatalf("release list not cached: %v", err)
	}

	// Offline, the cached list answers, and says it is cached.
	idx.Close()
	rep = w.run(Options{Offline: true, CacheDir: cache}, "security.go-patch")
	f = must(t, rep, "security.go-patch", Warn, "older than go1.26.3")
	if !strings.Contains(f.Sources[len(f.Sources)-1].Key, "cached") {
		t.Errorf("cached list not marked: %+v", f.Sources)
	}

	// An unsupported release.
	old := w.fakeGo("sdk/go122", "go1.22.5")
	w.setPath(old, "/usr/bin")
	rep = w.run(Options{Offline: true, CacheDir: cache}, "security.go-supported")
	must(t, rep, "security.go-supported", Fail, "go1.22.5 is a release the Go project no longer supports (supported: go1.26 and go1.25)")

	// Offline without a cache: a warning that says so, not a guess.
	rep = w.run(Options{Offline: true, CacheDir: filepath.Join(w.home, "nocache")}, "security.go-patch")
	must(t, rep, "security.go-patch", Warn, "no release list is cached")
}

func TestNetProxyAndSumDB(t *testing.T) {
	db := newSumDB(t, "sum.example.test")
	good := newProxy(t, nil, "go1.26.3", "go1.26.2")
	stale := newProxy(t, nil, "go1.26.2")
	dead := deadAddr(t)
	idx := releaseIndex(t, "go1.26.3", "go1.26.2")

	w := newWorld(t)
	bin := w.fakeGo("sdk/go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	w.env["GOPROXY"] = good.URL + "," + stale.URL + "|" + dead + ",direct"
	w.env["GOSUMDB"] = db.key + " " + db.srv.URL
	cat := &catalog.Catalog{Index: []catalog.Entry{{Name: "idx", URL: idx.URL + "/"}}}
	start := time.Now()
	rep := w.run(Options{Catalog: cat, Client: &http.Client{}, Timeout: 3 * time.Second}, "net")
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("network checks took %s with a 3s deadline", d)
	}
	must(t, rep, "net.proxy", OK, "GOPROXY entry "+good.URL+" answers")
	must(t, rep, "net.proxy", Warn, "GOPROXY entry "+stale.URL+" is stale: it lacks go1.26.3")
	must(t, rep, "net.proxy", Warn, "GOPROXY entry "+dead+" does not work from here")
	must(t, rep, "net.sumdb", OK, "the checksum database sum.example.test answers")

	// The database unreachable: fail, unless the proxy passes it through.
	w.env["GOPROXY"] = dead
	w.env["GOSUMDB"] = db.key + " " + deadAddr(t)
	rep = w.run(Options{Catalog: cat, Client: &http.Client{}, Timeout: 3 * time.Second}, "net")
	must(t, rep, "net.proxy", Fail, "GOPROXY entry "+dead+" does not work from here")
	f := must(t, rep, "net.sumdb", Fail, "unreachable from here")
	if !hasSource(f, SourceProcess, "GOSUMDB", 0) {
		t.Errorf("sources:\n%s", dump(rep))
	}
	through := newProxy(t, db, "go1.26.3")
	w.env["GOPROXY"] = through.URL
	rep = w.run(Options{Catalog: cat, Client: &http.Client{}, Timeout: 3 * time.Second}, "net")
	must(t, rep, "net.sumdb", OK, "but the proxy "+through.URL+" passes it through")
}
