package doctor

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// mirrorWorld is a mirrortest world whose index and proxy list versions (the
// first is the newest); its checksum database is named db ("" for the
// default).
func mirrorWorld(t *testing.T, db string, versions ...string) *mirrortest.World {
	t.Helper()
	var rels []mirrortest.Release
	for _, v := range versions {
		rels = append(rels, mirrortest.Release{Version: v})
	}
	return mirrortest.New(t, mirrortest.Options{Releases: rels, SumDBName: db})
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
	idx := mirrorWorld(t, "", "go1.26.3", "go1.26.2", "go1.25.10", "go1.24.13")
	cache := filepath.Join(w.home, "cache")
	cat := &catalog.Catalog{Index: []catalog.Entry{{Name: "test-index", URL: idx.IndexURL}}}
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
	idx.Server.Close()
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
	// db's proxy passes its checksum database through.
	db := mirrorWorld(t, "sum.example.test", "go1.26.3")
	good := mirrorWorld(t, "", "go1.26.3", "go1.26.2")
	stale := mirrorWorld(t, "", "go1.26.2")
	dead := deadAddr(t)
	idx := mirrorWorld(t, "", "go1.26.3", "go1.26.2")

	w := newWorld(t)
	bin := w.fakeGo("sdk/go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	w.env["GOPROXY"] = good.ProxyURL + "," + stale.ProxyURL + "|" + dead + ",direct"
	w.env["GOSUMDB"] = db.SumDBKey + " " + db.SumDBURL
	cat := &catalog.Catalog{Index: []catalog.Entry{{Name: "idx", URL: idx.IndexURL}}}
	start := time.Now()
	rep := w.run(Options{Catalog: cat, Client: &http.Client{}, Timeout: 3 * time.Second}, "net")
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("network checks took %s with a 3s deadline", d)
	}
	must(t, rep, "net.proxy", OK, "GOPROXY entry "+good.ProxyURL+" answers")
	must(t, rep, "net.proxy", Warn, "GOPROXY entry "+stale.ProxyURL+" is stale: it lacks go1.26.3")
	must(t, rep, "net.proxy", Warn, "GOPROXY entry "+dead+" does not work from here")
	must(t, rep, "net.sumdb", OK, "the checksum database sum.example.test answers")

	// The database unreachable: fail, unless the proxy passes it through.
	w.env["GOPROXY"] = dead
	w.env["GOSUMDB"] = db.SumDBKey + " " + deadAddr(t)
	rep = w.run(Options{Catalog: cat, Client: &http.Client{}, Timeout: 3 * time.Second}, "net")
	must(t, rep, "net.proxy", Fail, "GOPROXY entry "+dead+" does not work from here")
	f := must(t, rep, "net.sumdb", Fail, "unreachable from here")
	if !hasSource(f, SourceProcess, "GOSUMDB", 0) {
		t.Errorf("sources:\n%s", dump(rep))
	}
	w.env["GOPROXY"] = db.ProxyURL
	rep = w.run(Options{Catalog: cat, Client: &http.Client{}, Timeout: 3 * time.Second}, "net")
	must(t, rep, "net.sumdb", OK, "but the proxy "+db.ProxyURL+" passes it through")
}
