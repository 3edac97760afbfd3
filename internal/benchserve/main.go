// Command benchserve serves a Go release to gosetup's benchmark scripts on
// 127.0.0.1, the way the real sources would: a release index carrying the
// archive's SHA-256, an archive mirror, and a module proxy for
// golang.org/toolchain whose /sumdb/ pass-through hosts a local checksum
// database (golang.org/x/mod/sumdb's test server, signed with a key made at
// start-up) that records the zip's real h1 hash. Files are served with
// http.ServeContent, so Range requests work as on a real mirror.
//
// It writes a mirror catalogue for gosetup --mirrors pointing at itself and
// prints the base URL once it is ready:
//
//	benchserve -tgz go1.22.12.linux-amd64.tar.gz -zip v0.0.1-go1.22.12.linux-amd64.zip \
//	    -version go1.22.12 -mirrors-out mirrors.json
//
// -mirrors N serves the same files from N listeners, each its own archive
// mirror and module proxy in the catalogue, and -conn-rate caps every TCP
// connection (not every server) at that many bytes a second, as mirrors
// that throttle each client connection do; .ci/bench/connections.sh uses
// both to measure multi-connection downloads. GET /bench/served answers
// the bytes written to every connection so far (headers included), so a
// script can tell what one run cost the network (.ci/bench/auto.sh).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"

	"github.com/gosetup/gosetup/internal/dist"
)

const dbName = "sum.bench.localhost"

func main() {
	log.SetPrefix("benchserve: ")
	log.SetFlags(0)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	tgz := flag.String("tgz", "", "the release archive (.tar.gz) to serve")
	zipPath := flag.String("zip", "", "the golang.org/toolchain module zip to serve")
	version := flag.String("version", "", "the Go version both hold, e.g. go1.22.12")
	platform := flag.String("platform", dist.Host().String(), "GOOS/GOARCH of the files")
	mirrorsOut := flag.String("mirrors-out", "", "write a gosetup mirror catalogue here")
	nMirrors := flag.Int("mirrors", 1, "serve the files from this many listeners, each a mirror in the catalogue")
	connRate := flag.Int64("conn-rate", 0, "cap each connection at this many bytes a second (0: no cap)")
	flag.Parse()
	if *tgz == "" || *zipPath == "" || !dist.IsValid(*version) || *mirrorsOut == "" || *nMirrors < 1 || *connRate < 0 {
		flag.Usage()
		os.Exit(2)
	}
	goos, goarch, _ := strings.Cut(*platform, "/")
	p := dist.Platform{OS: goos, Arch: goarch}

	sum, size, err := fileSHA256(*tgz)
	if err != nil {
		log.Fatal(err)
	}
	h1, err := dirhash.HashZip(*zipPath, dirhash.Hash1)
	if err != nil {
		log.Fatal(err)
	}
	modVersion := dist.ModuleVersion(*version, p)
	skey, vkey, err := note.GenerateKey(nil, dbName)
	if err != nil {
		log.Fatal(err)
	}
	db := sumdb.NewServer(sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		if path != dist.ToolchainModule || vers != modVersion {
			return nil, fmt.Errorf("benchserve only knows %s@%s", dist.ToolchainModule, modVersion)
		}
		return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", path, vers, h1, path, vers)), nil
	}))

	archName := dist.ArchiveName(*version, p)
	arch := p.Arch
	if arch == "arm" {
		arch = "armv6l"
	}
	index, _ := json.Marshal([]map[string]any{{
		"version": *version, "stable": true,
		"files": []map[string]any{{"filename": archName, "os": p.OS, "arch": arch, "version": *version,
			"sha256": sum, "size": size, "kind": "archive"}},
	}})
	mux := http.NewServeMux()
	var served atomic.Int64
	mux.HandleFunc("/bench/served", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, served.Load())
	})
	mux.HandleFunc("/dl/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/dl/" {
			w.Header().Set("Content-Type", "application/json")
			w.Write(index)
			return
		}
		if r.URL.Path == "/dl/"+archName {
			serveFile(w, r, *tgz)
			return
		}
		http.NotFound(w, r)
	})
	modBase := "/proxy/" + dist.ToolchainModule + "/@v/"
	mux.HandleFunc("/proxy/", func(w http.ResponseWriter, r *http.Request) {
		switch path := r.URL.Path; {
		case path == modBase+"list":
			fmt.Fprintln(w, modVersion)
		case path == modBase+modVersion+".info":
			fmt.Fprintf(w, `{"Version":%q}`+"\n", modVersion)
		case path == modBase+modVersion+".mod":
			fmt.Fprintln(w, "module golang.org/toolchain")
		case path == modBase+modVersion+".zip":
			serveFile(w, r, *zipPath)
		case path == "/proxy/sumdb/"+dbName+"/supported":
		case strings.HasPrefix(path, "/proxy/sumdb/"+dbName+"/"):
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimPrefix(path, "/proxy/sumdb/"+dbName)
			db.ServeHTTP(w, r2)
		default:
			http.NotFound(w, r)
		}
	})

	// The first listener takes -addr; the others any free port, so each
	// is a separate host:port to gosetup, as separate mirrors are.
	var lns []net.Listener
	for i := 0; i < *nMirrors; i++ {
		a := *addr
		if i > 0 {
			host, _, _ := net.SplitHostPort(*addr)
			a = net.JoinHostPort(host, "0")
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			log.Fatal(err)
		}
		if *connRate > 0 {
			ln = throttledListener{ln, *connRate}
		}
		ln = countingListener{ln, &served}
		lns = append(lns, ln)
	}
	base := "http://" + lns[0].Addr().String()
	var archives, proxies []map[string]string
	for i, ln := range lns {
		u := "http://" + ln.Addr().String()
		name := fmt.Sprintf("bench%d", i+1)
		if len(lns) == 1 {
			name = "bench"
		}
		archives = append(archives, map[string]string{"name": name, "url": u + "/dl/"})
		proxies = append(proxies, map[string]string{"name": name, "url": u + "/proxy"})
	}
	cat := map[string]any{
		"mode":    "replace",
		"index":   []map[string]string{{"name": "bench", "url": base + "/dl/"}},
		"archive": archives,
		"proxy":   proxies,
		"sumdb":   []map[string]string{{"name": dbName, "url": base + "/proxy/sumdb/" + dbName, "key": vkey}},
	}
	data, _ := json.MarshalIndent(cat, "", "  ")
	if err := os.WriteFile(*mirrorsOut, data, 0o644); err != nil {
		log.Fatal(err)
	}
	for _, ln := range lns[1:] {
		go func() { log.Fatal(http.Serve(ln, mux)) }()
	}
	fmt.Println(base)
	log.Fatal(http.Serve(lns[0], mux))
}

// throttledListener hands out connections whose writes are paced by a
// token bucket of their own, so each connection, however many a client
// opens, gets at most rate bytes a second.
type throttledListener struct {
	net.Listener
	rate int64
}

func (l throttledListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &throttledConn{Conn: c, rate: l.rate, burst: max(l.rate/50, 16<<10), last: time.Now()}, nil
}

// throttledConn paces Write. Wrapping the conn also hides its ReadFrom,
// so net/http copies files through Write (no sendfile) and every byte is
// paced. The bucket starts empty and holds at most burst (20 ms of
// traffic), so an idle keep-alive connection cannot save up a fast start.
type throttledConn struct {
	net.Conn
	rate, burst int64
	tokens      float64
	last        time.Time
}

func (c *throttledConn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		chunk := int64(len(p))
		if chunk > c.burst {
			chunk = c.burst
		}
		for {
			now := time.Now()
			c.tokens = min(float64(c.burst), c.tokens+now.Sub(c.last).Seconds()*float64(c.rate))
			c.last = now
			need := float64(chunk) - c.tokens
			if need <= 0 {
				break
			}
			time.Sleep(time.Duration(need / float64(c.rate) * float64(time.Second)))
		}
		c.tokens -= float64(chunk)
		n, err := c.Conn.Write(p[:chunk])
		written += n
		if err != nil {
			return written, err
		}
		p = p[chunk:]
	}
	return written, nil
}

// countingListener's connections add what they write to n.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: l.n}, nil
}

// countingConn counts written bytes. Its ReadFrom passes the inner
// connection's on, so a file still goes out by sendfile (and a throttled
// connection, which has none, through its paced Write).
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(r)
		c.n.Add(n)
		return n, err
	}
	return io.Copy(struct{ io.Writer }{c}, r)
}

// serveFile serves a file with Range support; an *os.File body lets the
// kernel send it (sendfile), so the server costs the benchmark little.
func serveFile(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano()))
	http.ServeContent(w, r, filepath.Base(path), fi.ModTime(), f)
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
