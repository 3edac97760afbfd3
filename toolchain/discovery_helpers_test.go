package toolchain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// Fixture releases shared by the discovery, selection and list tests. The
// index knows go1.23.1 .. go1.21.0; the module channel additionally serves
// go1.24rc1 (no index entry yet) and misses some index releases, as real
// proxies do for releases before Go 1.21.
var (
	linuxAMD64  = dist.Platform{OS: "linux", Arch: "amd64"}
	darwinARM64 = dist.Platform{OS: "darwin", Arch: "arm64"}
	linuxARM    = dist.Platform{OS: "linux", Arch: "arm"}
	windowsARM  = dist.Platform{OS: "windows", Arch: "arm64"}
)

func fakeSHA(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func archiveFile(v string, p dist.Platform) File {
	arch := p.Arch
	if arch == "arm" {
		arch = "armv6l"
	}
	name := dist.ArchiveName(v, p)
	return File{Filename: name, OS: p.OS, Arch: arch, Version: v, SHA256: fakeSHA(name), Size: 1000, Kind: "archive"}
}

// fixtureIndex is the JSON an official index would serve (newest first).
func fixtureIndex(t testing.TB) []byte {
	type rel struct {
		v      string
		stable bool
		plats  []dist.Platform
	}
	rels := []rel{
		{"go1.23.1", true, []dist.Platform{linuxAMD64, darwinARM64, linuxARM}},
		{"go1.23.0", true, []dist.Platform{linuxAMD64, darwinARM64, linuxARM}},
		{"go1.23rc1", false, []dist.Platform{linuxAMD64, darwinARM64}},
		{"go1.22.12", true, []dist.Platform{linuxAMD64, darwinARM64}},
		{"go1.22.5", true, []dist.Platform{linuxAMD64, darwinARM64}},
		{"go1.21.0", true, []dist.Platform{linuxAMD64}},
		{"go1.20.14", true, []dist.Platform{linuxAMD64}},
		{"go1.20", true, []dist.Platform{linuxAMD64}},
	}
	var out []Release
	for _, r := range rels {
		rr := Release{Version: r.v, Stable: r.stable}
		for _, p := range r.plats {
			rr.Files = append(rr.Files, archiveFile(r.v, p))
			// Installers and sources must never be taken for archives.
			rr.Files = append(rr.Files, File{Filename: r.v + "." + p.OS + "-" + p.Arch + ".pkg", OS: p.OS, Arch: p.Arch,
				Version: r.v, SHA256: fakeSHA(r.v + "pkg"), Size: 10, Kind: "installer"})
		}
		rr.Files = append(rr.Files, File{Filename: r.v + ".src.tar.gz", Version: r.v, SHA256: fakeSHA(r.v), Size: 5, Kind: "source"})
		out = append(out, rr)
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fixtureModuleList is a golang.org/toolchain @v/list answer (unordered, as
// proxies serve it).
func fixtureModuleList() string {
	var b strings.Builder
	for _, v := range []string{"go1.24rc1", "go1.23.1", "go1.23.0", "go1.23rc1", "go1.22.12", "go1.22.5", "go1.21.0"} {
		for _, p := range []dist.Platform{linuxAMD64, darwinARM64, windowsARM} {
			if v == "go1.21.0" && p != linuxAMD64 {
				continue
			}
			fmt.Fprintln(&b, dist.ModuleVersion(v, p))
		}
	}
	return b.String()
}

// server starts an httptest server for h; handlers that block must return
// when the request's context ends, since Close waits for them.
func server(t testing.TB, h http.HandlerFunc) *httptest.Server {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// indexServer serves the fixture index at <url>/dl/.
func indexServer(t testing.TB) *httptest.Server {
	body := fixtureIndex(t)
	return server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/dl/" || r.URL.Query().Get("mode") != "json" || r.URL.Query().Get("include") != "all" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

// proxyServer serves the fixture module list as a GOPROXY.
func proxyServer(t testing.TB) *httptest.Server {
	list := fixtureModuleList()
	return server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/golang.org/toolchain/@v/list" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, list)
	})
}

// hangServer accepts requests and never answers until the client gives up.
func hangServer(t testing.TB) *httptest.Server {
	return server(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
}

func statusServer(t testing.TB, code int, body string) *httptest.Server {
	return server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	})
}

// testCatalog builds a catalogue through catalog.Parse, as a --mirrors file
// would, with the given index and proxy base URLs.
func testCatalog(t testing.TB, indexes, proxies []string, sumdbs ...catalog.Entry) *catalog.Catalog {
	var f struct {
		Mode  string          `json:"mode"`
		Index []catalog.Entry `json:"index,omitempty"`
		Proxy []catalog.Entry `json:"proxy,omitempty"`
		SumDB []catalog.Entry `json:"sumdb,omitempty"`
	}
	f.Mode = "replace"
	for i, u := range indexes {
		f.Index = append(f.Index, catalog.Entry{Name: fmt.Sprintf("index%d", i), URL: u})
	}
	for i, u := range proxies {
		f.Proxy = append(f.Proxy, catalog.Entry{Name: fmt.Sprintf("proxy%d", i), URL: u})
	}
	f.SumDB = sumdbs
	if len(f.Index)+len(f.Proxy)+len(f.SumDB) == 0 {
		// A replace catalogue must list something; an unroutable proxy
		// stands in for "nothing reachable".
		f.SumDB = []catalog.Entry{{Name: "sum.golang.org", URL: "http://127.0.0.1:1"}}
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
