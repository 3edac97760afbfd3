package mirrortest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
	"github.com/gosetup/gosetup/toolchain"
)

// The world is only useful if gosetup's real code accepts it: the release
// index and the proxy list agree, and both channels install and verify.
func TestWorldInstallsThroughBothChannels(t *testing.T) {
	mirrortest.SkipWithoutShell(t)
	w := mirrortest.New(t, mirrortest.Options{})
	cat := w.Catalog(t)
	client := w.Client()
	host := dist.Host()
	set, err := (&toolchain.Finder{Client: client, Catalog: cat, Platform: host}).Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rel, err := set.Select("latest", host, false)
	if err != nil || rel.Version != mirrortest.DefaultVersion || !rel.HasModule(host) {
		t.Fatalf("select: %+v, %v", rel, err)
	}
	for _, src := range []toolchain.Source{toolchain.SourceArchive, toolchain.SourceModule} {
		dir := filepath.Join(t.TempDir(), "go")
		in := &toolchain.Installer{Client: client, Catalog: cat, Platform: host,
			SumDB: &toolchain.SumDB{Client: client, Catalog: cat, Name: w.SumDBName}}
		res, err := in.Install(context.Background(), toolchain.Request{Release: rel, Dir: dir, Source: src})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if res.Source != src || !strings.Contains(res.GoVersion, mirrortest.DefaultVersion) {
			t.Errorf("%s: %+v", src, res)
		}
		if _, err := os.Stat(filepath.Join(dir, "src", "runtime")); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
	if w.Hits(mirrortest.RouteArchive) == 0 || w.Hits(mirrortest.RouteSumDB) == 0 {
		t.Errorf("hits: archive %d sumdb %d", w.Hits(mirrortest.RouteArchive), w.Hits(mirrortest.RouteSumDB))
	}
}

// A hook plays a broken mirror, and removing it heals the world.
func TestHook(t *testing.T) {
	w := mirrortest.New(t, mirrortest.Options{})
	w.Hook(mirrortest.RouteIndex, func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		http.Error(rw, "down", http.StatusBadGateway)
	})
	get := func() int {
		resp, err := w.Client().Get(w.IndexURL + "?mode=json&include=all")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(); c != http.StatusBadGateway {
		t.Errorf("hooked: %d", c)
	}
	w.Hook(mirrortest.RouteIndex, nil)
	if c := get(); c != http.StatusOK || w.Hits(mirrortest.RouteIndex) != 2 {
		t.Errorf("healed: %d, hits %d", c, w.Hits(mirrortest.RouteIndex))
	}
}
