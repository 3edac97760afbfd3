package mirrortest_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
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

// The real go command downloads the world's ordinary module through its
// proxy and verifies it against its checksum database, into a throwaway
// module cache: what the wizard's fresh-shell proof does.
func TestWorldRealGoVerifiesHelloModule(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	w := mirrortest.New(t, mirrortest.Options{})
	download := func(mod string) (string, error) {
		dir := t.TempDir()
		cmd := exec.Command(goCmd, "mod", "download", "-json", mod)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOMODCACHE="+filepath.Join(dir, "mod"), "GOFLAGS=-modcacherw",
			// The go command remembers each database's latest signed tree
			// under GOPATH: a world's key is new each run.
			"GOPATH="+filepath.Join(dir, "gopath"),
			"GOPROXY="+w.ProxyURL, "GOSUMDB="+w.SumDBKey+" "+w.SumDBURL,
			"GONOSUMDB=", "GONOSUMCHECK=", "GOPRIVATE=", "GONOPROXY=", "GOINSECURE=", "GO111MODULE=on", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := download(mirrortest.HelloModule + "@" + mirrortest.HelloVersion)
	if err != nil || !strings.Contains(out, `"Sum": "h1:`) {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	// A sum the database does not vouch for is refused.
	w.Hook(mirrortest.RouteProxy, func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		if strings.HasSuffix(r.URL.Path, ".mod") {
			rw.Write([]byte("module example.com/hello\n\ngo 1.22\n"))
			return
		}
		serve(rw, r)
	})
	if out, err := download(mirrortest.HelloModule + "@" + mirrortest.HelloVersion); err == nil || !strings.Contains(out, "SECURITY ERROR") {
		t.Errorf("a forged go.mod was accepted: %v\n%s", err, out)
	}
}
