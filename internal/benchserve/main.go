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
	flag.Parse()
	if *tgz == "" || *zipPath == "" || !dist.IsValid(*version) || *mirrorsOut == "" {
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

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cat := map[string]any{
		"mode":    "replace",
		"index":   []map[string]string{{"name": "bench", "url": base + "/dl/"}},
		"archive": []map[string]string{{"name": "bench", "url": base + "/dl/"}},
		"proxy":   []map[string]string{{"name": "bench", "url": base + "/proxy"}},
		"sumdb":   []map[string]string{{"name": dbName, "url": base + "/proxy/sumdb/" + dbName, "key": vkey}},
	}
	data, _ := json.MarshalIndent(cat, "", "  ")
	if err := os.WriteFile(*mirrorsOut, data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(base)
	log.Fatal(http.Serve(ln, mux))
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
