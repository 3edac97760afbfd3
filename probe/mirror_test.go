package probe

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// Test mirrors: real HTTP servers on 127.0.0.1 that speak the protocols the
// probe checks, each with knobs for the ways real mirrors go wrong.

var linux = dist.Platform{OS: "linux", Arch: "amd64"}

// testKey is a checksum database key pair for "sum.golang.org", generated
// per test, so that the catalogue's key (not the real one) verifies it.
type testKey struct {
	skey, vkey string
	signer     note.Signer
}

func newKey(t testing.TB, name string) testKey {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{skey, vkey, s}
}

// treeHead is a /latest body of n records signed with k.
func (k testKey) treeHead(t testing.TB, n int64) []byte {
	t.Helper()
	text := tlog.FormatTree(tlog.Tree{N: n, Hash: tlog.Hash{1, 2, 3}})
	msg, err := note.Sign(&note.Note{Text: string(text)}, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// mirror is one test server and what it saw.
type mirror struct {
	*httptest.Server
	mu      sync.Mutex
	agents  map[string]bool
	remotes map[string]bool
	hits    int
}

// serve starts a mirror whose handler runs after latency. Handlers that
// hang must watch r.Context(), which the probe cancels at its deadline.
func serve(t testing.TB, latency time.Duration, h http.HandlerFunc) *mirror {
	t.Helper()
	m := &mirror{agents: map[string]bool{}, remotes: map[string]bool{}}
	m.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.agents[r.UserAgent()] = true
		m.remotes[r.RemoteAddr] = true
		m.hits++
		m.mu.Unlock()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		h(w, r)
	}))
	// Every request's context ends when the test does, so a hanging
	// handler can never block Close, whatever the client did.
	ctx, cancel := context.WithCancel(context.Background())
	m.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	m.Start()
	t.Cleanup(m.Close)
	t.Cleanup(cancel) // runs first
	return m
}

func (m *mirror) connections() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.remotes)
}

func (m *mirror) requests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits
}

func (m *mirror) userAgents() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for a := range m.agents {
		out = append(out, a)
	}
	return out
}

// hang blocks until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// proxySpec describes a fake module proxy.
type proxySpec struct {
	versions []string      // Go versions listed for linux/amd64 (and windows/amd64)
	sumdb    []byte        // /sumdb/sum.golang.org/latest body; nil: not supported (404)
	list     func() []byte // overrides the list body
}

func listBody(goVersions ...string) []byte {
	var b strings.Builder
	for _, v := range goVersions {
		for _, p := range []dist.Platform{linux, {OS: "windows", Arch: "amd64"}, {OS: "darwin", Arch: "arm64"}} {
			b.WriteString(dist.ModuleVersion(v, p) + "\n")
		}
	}
	return []byte(b.String())
}

func (s proxySpec) handler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		const mod = "/golang.org/toolchain/@v/"
		switch {
		case r.URL.Path == mod+"list":
			body := listBody(s.versions...)
			if s.list != nil {
				body = s.list()
			}
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			w.Write(body)
		case strings.HasPrefix(r.URL.Path, mod) && strings.HasSuffix(r.URL.Path, ".info"):
			v := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, mod), ".info")
			json.NewEncoder(w).Encode(map[string]string{"Version": v, "Time": "2024-07-02T17:07:02Z"})
		case r.URL.Path == "/sumdb/sum.golang.org/supported" && s.sumdb != nil:
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/sumdb/sum.golang.org/latest" && s.sumdb != nil:
			w.Write(s.sumdb)
		default:
			http.NotFound(w, r)
		}
	}
}

// archiveBody is a synthetic archive: magic bytes then zeros, size bytes
// long, served with Range support by http.ServeContent without ever
// holding 70 MB in memory.
type archiveBody struct {
	prefix []byte
	size   int64
}

func (a archiveBody) ReadAt(p []byte, off int64) (int, error) {
	if off >= a.size {
		return 0, io.EOF
	}
	n := len(p)
	if rem := a.size - off; int64(n) > rem {
		n = int(rem)
	}
	for i := 0; i < n; i++ {
		p[i] = 0
		if o := off + int64(i); o < int64(len(a.prefix)) {
			p[i] = a.prefix[o]
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

const realSize = 68 << 20 // about a real linux-amd64 archive

var gzipMagic = []byte{0x1f, 0x8b, 0x08, 0x00}

// archiveHandler serves files (name -> body) with Range support.
func archiveHandler(files map[string]archiveBody) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(a, 0, a.size))
	}
}

// goodArchive serves the linux-amd64 archive of version.
func goodArchive(version string) http.HandlerFunc {
	return archiveHandler(map[string]archiveBody{
		dist.ArchiveName(version, linux): {gzipMagic, realSize},
	})
}

// cat builds a catalogue of test mirrors. sumdb entries get k's key.
type cat struct {
	Index, Archive, Proxy, SumDB []catalog.Entry
}

func (c *cat) add(k catalog.Kind, name string, m *mirror, key ...string) *cat {
	e := catalog.Entry{Name: name, URL: m.URL}
	switch k {
	case catalog.KindIndex:
		c.Index = append(c.Index, e)
	case catalog.KindArchive:
		c.Archive = append(c.Archive, e)
	case catalog.KindProxy:
		c.Proxy = append(c.Proxy, e)
	case catalog.KindSumDB:
		if len(key) > 0 {
			e.Key = key[0]
		}
		c.SumDB = append(c.SumDB, e)
	}
	return c
}

func (c *cat) build(t testing.TB, key testKey) *catalog.Catalog {
	t.Helper()
	f := map[string]any{"mode": "replace", "index": c.Index, "archive": c.Archive, "proxy": c.Proxy, "sumdb": c.SumDB}
	if len(c.SumDB) == 0 {
		// The probe asks proxies about the databases the catalogue names;
		// name sum.golang.org with the test key even when none is probed.
		f["sumdb"] = []catalog.Entry{{Name: "sum.golang.org", URL: "http://127.0.0.1:1", Key: key.vkey}}
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := catalog.Parse(data, nil)
	if err != nil {
		t.Fatalf("test catalogue: %v", err)
	}
	return out
}

// find returns the result for kind and name.
func find(t testing.TB, rep *Report, k catalog.Kind, name string) Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Kind == k && r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s result named %q in %+v", k, name, rep.Results)
	return Result{}
}

func names(rep *Report, k catalog.Kind) string {
	var out []string
	for _, r := range rep.Results {
		if r.Kind == k {
			s := r.Name
			if !r.OK {
				s += "(fail)"
			}
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

func describe(rep *Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		fmt.Fprintf(&b, "  %-7s %-10s ok=%v lat=%.1f n=%d tput=%.0f err=%q note=%q\n", r.Kind, r.Name, r.OK, r.LatencyMS, r.Samples, r.ThroughputBytesPerSec, r.Error, r.Note)
	}
	return b.String()
}
