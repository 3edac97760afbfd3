// Package mirrortest is the simulated mirror world every package's tests,
// the benchmarks and the wizard's tests share: an official release index,
// an archive mirror, a golang.org/toolchain module proxy and a checksum
// database, on one loopback server, serving real generated archives whose
// hashes the index and the signed checksum database vouch for.
//
// Each route can be replaced by a Hook to play a broken or hostile mirror,
// and counts its requests. Nothing here touches the internet.
package mirrortest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// Route names one part of the world.
type Route string

// The routes, and where they are served under World.URL.
const (
	RouteIndex   Route = "index"   // /dl/?mode=json&include=all
	RouteArchive Route = "archive" // /archive/<filename>
	RouteProxy   Route = "proxy"   // /proxy/golang.org/toolchain/@v/... and /proxy/example.com/hello/@v/...
	RouteSumDB   Route = "sumdb"   // /sumdb/<name>/... and /proxy/sumdb/<name>/...
)

// Hook replaces a route's handler. serve is the healthy handler, for a
// hook that only sometimes misbehaves. A hook that blocks must return
// when r.Context() ends (the world cancels it when the test ends).
type Hook func(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc)

// Release is one Go release of the world.
type Release struct {
	Version string
	// Unstable marks a beta or release candidate (default: stable).
	Unstable bool
	// Platforms it is built for; nil means the host only.
	Platforms []dist.Platform
	// Files is the toolchain's content; nil means Toolchain(Version, p).
	Files func(p dist.Platform) []Entry
	// NoArchive and NoModule leave it out of the index or the proxy.
	NoArchive, NoModule bool
}

// Options shape a world. The zero value is one stable go1.22.5 for the
// host, on plain HTTP.
type Options struct {
	Releases []Release
	// SumDBName names the checksum database (default "sum.mirrortest.example").
	SumDBName string
	// TLS serves HTTPS with httptest's certificate (World.CertFile).
	TLS bool
}

// DefaultVersion is the release of a zero-Options world.
const DefaultVersion = "go1.22.5"

// World is a running simulated mirror world.
type World struct {
	// URL is the server's base URL; the route URLs below hang off it.
	URL                            string
	IndexURL, ArchiveURL, ProxyURL string
	SumDBURL                       string // the database's own URL (direct access)
	SumDBName, SumDBKey            string // name and verifier key
	Server                         *httptest.Server
	archives, modZips, h1s         map[string][]byte
	modules                        []string // module versions, in @v/list order
	helloZip                       []byte
	index                          []byte

	mu    sync.Mutex
	hooks map[Route]Hook
	hits  map[Route]int
	db    http.Handler
}

// New starts a world; it stops when the test ends.
func New(t testing.TB, opts Options) *World {
	t.Helper()
	if len(opts.Releases) == 0 {
		opts.Releases = []Release{{Version: DefaultVersion}}
	}
	if opts.SumDBName == "" {
		opts.SumDBName = "sum.mirrortest.example"
	}
	w := &World{
		SumDBName: opts.SumDBName,
		archives:  map[string][]byte{}, modZips: map[string][]byte{}, h1s: map[string][]byte{},
		hooks: map[Route]Hook{}, hits: map[Route]int{},
	}
	type file struct {
		Filename string `json:"filename"`
		OS       string `json:"os"`
		Arch     string `json:"arch"`
		Version  string `json:"version"`
		SHA256   string `json:"sha256"`
		Size     int    `json:"size"`
		Kind     string `json:"kind"`
	}
	type rel struct {
		Version string `json:"version"`
		Stable  bool   `json:"stable"`
		Files   []file `json:"files"`
	}
	var index []rel
	for _, r := range opts.Releases {
		plats := r.Platforms
		if plats == nil {
			plats = []dist.Platform{dist.Host()}
		}
		ir := rel{Version: r.Version, Stable: !r.Unstable, Files: []file{}}
		for _, p := range plats {
			es := Toolchain(r.Version, p)
			if r.Files != nil {
				es = r.Files(p)
			}
			if !r.NoArchive {
				name := dist.ArchiveName(r.Version, p)
				data := Archive(p, es)
				w.archives[name] = data
				arch := p.Arch
				if arch == "arm" {
					arch = "armv6l"
				}
				ir.Files = append(ir.Files, file{Filename: name, OS: p.OS, Arch: arch, Version: r.Version, SHA256: SHA256(data), Size: len(data), Kind: "archive"})
			}
			if !r.NoModule {
				mv := dist.ModuleVersion(r.Version, p)
				data := ModuleZip(r.Version, p, es)
				h1, err := H1(data)
				if err != nil {
					t.Fatal(err)
				}
				w.modZips[mv], w.h1s[mv] = data, []byte(h1)
				w.modules = append(w.modules, mv)
			}
		}
		if !r.NoArchive {
			index = append(index, ir)
		}
	}
	var err error
	if w.index, err = json.Marshal(index); err != nil {
		t.Fatal(err)
	}

	skey, vkey, err := note.GenerateKey(nil, w.SumDBName)
	if err != nil {
		t.Fatal(err)
	}
	w.SumDBKey = vkey
	modH1 := ModH1(ModFile)
	w.helloZip = HelloZip()
	helloH1, err := H1(w.helloZip)
	if err != nil {
		t.Fatal(err)
	}
	w.db = sumdb.NewServer(sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		if path == HelloModule && vers == HelloVersion {
			return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, vers, helloH1, path, vers, ModH1(HelloModFile))), nil
		}
		h1, ok := w.h1s[vers]
		if path != dist.ToolchainModule || !ok {
			return nil, fmt.Errorf("unknown module %s@%s", path, vers)
		}
		return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, vers, h1, path, vers, modH1)), nil
	}))

	srv := httptest.NewUnstartedServer(http.HandlerFunc(w.serveHTTP))
	// Every request's context ends with the test, so a hanging hook can
	// never block Close.
	ctx, cancel := context.WithCancel(context.Background())
	srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	if opts.TLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	t.Cleanup(cancel) // runs first
	w.Server, w.URL = srv, srv.URL
	w.IndexURL = srv.URL + "/dl/"
	w.ArchiveURL = srv.URL + "/archive/"
	w.ProxyURL = srv.URL + "/proxy"
	w.SumDBURL = srv.URL + "/sumdb/" + w.SumDBName
	return w
}

// Hook replaces route's handler; nil restores the healthy one.
func (w *World) Hook(route Route, h Hook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if h == nil {
		delete(w.hooks, route)
	} else {
		w.hooks[route] = h
	}
}

// Hits is how many requests route has had.
func (w *World) Hits(route Route) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hits[route]
}

// ArchiveBytes is the archive of version for p; nil if there is none.
func (w *World) ArchiveBytes(version string, p dist.Platform) []byte {
	return w.archives[dist.ArchiveName(version, p)]
}

// ModuleZipBytes is the module zip of version for p; nil if none.
func (w *World) ModuleZipBytes(version string, p dist.Platform) []byte {
	return w.modZips[dist.ModuleVersion(version, p)]
}

// Entries are the catalogue entries naming the world's mirrors:
// "test-index", "test-archive", "test-proxy", and the checksum database.
func (w *World) Entries() (index, archive, proxy, sumdb catalog.Entry) {
	return catalog.Entry{Name: "test-index", URL: w.IndexURL},
		catalog.Entry{Name: "test-archive", URL: w.ArchiveURL},
		catalog.Entry{Name: "test-proxy", URL: w.ProxyURL},
		catalog.Entry{Name: w.SumDBName, URL: w.SumDBURL, Key: w.SumDBKey}
}

// CatalogJSON is a --mirrors file that replaces the built-in catalogue
// with the world's mirrors.
func (w *World) CatalogJSON() []byte {
	i, a, p, s := w.Entries()
	data, err := json.Marshal(map[string]any{"mode": "replace",
		"index": []catalog.Entry{i}, "archive": []catalog.Entry{a}, "proxy": []catalog.Entry{p}, "sumdb": []catalog.Entry{s}})
	must(err)
	return data
}

// MirrorsFile writes CatalogJSON to a temporary file and returns its path.
func (w *World) MirrorsFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mirrors.json")
	if err := os.WriteFile(p, w.CatalogJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Catalog is the world's catalogue, parsed as a --mirrors file would be.
func (w *World) Catalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Parse(w.CatalogJSON(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Client is an HTTP client that trusts the world's certificate (for a
// TLS world) and never uses a proxy from the environment.
func (w *World) Client() *http.Client {
	c := w.Server.Client()
	if tr, ok := c.Transport.(*http.Transport); ok {
		tr.Proxy = nil
	}
	return c
}

// SkipWithoutShell skips a test that runs a generated bin/go, which is a
// shell script.
func SkipWithoutShell(t testing.TB) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the generated toolchain's bin/go is a shell script")
	}
}

func (w *World) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	route, serve := w.route(r)
	if route == "" {
		http.NotFound(rw, r)
		return
	}
	w.mu.Lock()
	w.hits[route]++
	hook := w.hooks[route]
	w.mu.Unlock()
	if hook != nil {
		hook(rw, r, serve)
		return
	}
	serve(rw, r)
}

// route finds the healthy handler for r.
func (w *World) route(r *http.Request) (Route, http.HandlerFunc) {
	p := r.URL.Path
	switch {
	case p == "/dl/":
		return RouteIndex, func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("mode") != "json" {
				http.NotFound(rw, r)
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			rw.Write(w.index)
		}
	case strings.HasPrefix(p, "/archive/"):
		return RouteArchive, func(rw http.ResponseWriter, r *http.Request) {
			serveBytes(rw, r, w.archives[strings.TrimPrefix(r.URL.Path, "/archive/")])
		}
	case strings.HasPrefix(p, "/proxy/sumdb/"+w.SumDBName+"/"), strings.HasPrefix(p, "/sumdb/"+w.SumDBName+"/"):
		return RouteSumDB, func(rw http.ResponseWriter, r *http.Request) {
			rest := r.URL.Path[strings.Index(r.URL.Path, "/sumdb/"+w.SumDBName)+len("/sumdb/"+w.SumDBName):]
			if rest == "/supported" {
				return // 200: the proxy passes the database through
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = rest
			w.db.ServeHTTP(rw, r2)
		}
	case strings.HasPrefix(p, "/proxy/"+dist.ToolchainModule+"/@v/"):
		return RouteProxy, func(rw http.ResponseWriter, r *http.Request) {
			name := strings.TrimPrefix(r.URL.Path, "/proxy/"+dist.ToolchainModule+"/@v/")
			if name == "list" {
				for _, v := range w.modules {
					fmt.Fprintln(rw, v)
				}
				return
			}
			ext := filepath.Ext(name)
			v := strings.TrimSuffix(name, ext)
			if _, ok := w.modZips[v]; !ok {
				http.NotFound(rw, r)
				return
			}
			switch ext {
			case ".info":
				fmt.Fprintf(rw, `{"Version":%q,"Time":"2024-01-01T00:00:00Z"}`, v)
			case ".mod":
				fmt.Fprint(rw, ModFile)
			case ".zip":
				serveBytes(rw, r, w.modZips[v])
			default:
				http.NotFound(rw, r)
			}
		}
	case strings.HasPrefix(p, "/proxy/"+HelloModule+"/@v/"):
		return RouteProxy, func(rw http.ResponseWriter, r *http.Request) {
			switch strings.TrimPrefix(r.URL.Path, "/proxy/"+HelloModule+"/@v/") {
			case "list":
				fmt.Fprintln(rw, HelloVersion)
			case HelloVersion + ".info":
				fmt.Fprintf(rw, `{"Version":%q,"Time":"2024-01-01T00:00:00Z"}`, HelloVersion)
			case HelloVersion + ".mod":
				fmt.Fprint(rw, HelloModFile)
			case HelloVersion + ".zip":
				serveBytes(rw, r, w.helloZip)
			default:
				http.NotFound(rw, r)
			}
		}
	}
	return "", nil
}

// serveBytes serves data with Range and ETag support, as a CDN does.
func serveBytes(rw http.ResponseWriter, r *http.Request, data []byte) {
	if data == nil {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("ETag", `"`+SHA256(data)[:16]+`"`)
	rw.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(rw, r, "", time.Unix(1e9, 0), bytes.NewReader(data))
}
