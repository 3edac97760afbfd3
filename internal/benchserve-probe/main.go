// Command benchserve-probe drives the probe benchmark (.ci/bench/probe.sh):
// it serves 15 mirrors of every kind on loopback, each with its own
// artificial latency, twice (once healthy, once with two mirrors hanging),
// and times in the same run:
//
//   - `gosetup probe` over all 15 mirrors;
//   - `gosetup probe` over each mirror alone (its own probe time);
//   - a sequential curl loop making the same requests, one mirror after
//     another, as shell-script mirror testers do.
//
// It prints every round and the medians and ratios the README quotes.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/gosetup/gosetup/internal/dist"
)

const newest = "go1.22.12"

type spec struct {
	kind, name  string
	latency     time.Duration
	passthrough bool // proxies: serve /sumdb/sum.golang.org/
	hangInB     bool // hangs in the second set
}

var mirrors = []spec{
	{"proxy", "p1", 10 * time.Millisecond, true, false},
	{"proxy", "p2", 25 * time.Millisecond, true, false},
	{"proxy", "p3", 40 * time.Millisecond, false, false},
	{"proxy", "p4", 60 * time.Millisecond, true, false},
	{"proxy", "p5", 90 * time.Millisecond, false, false},
	{"proxy", "p6", 120 * time.Millisecond, false, true},
	{"archive", "a1", 15 * time.Millisecond, false, false},
	{"archive", "a2", 35 * time.Millisecond, false, false},
	{"archive", "a3", 55 * time.Millisecond, false, false},
	{"archive", "a4", 80 * time.Millisecond, false, false},
	{"archive", "a5", 140 * time.Millisecond, false, true},
	{"sumdb", "s1", 20 * time.Millisecond, false, false},
	{"sumdb", "s2", 45 * time.Millisecond, false, false},
	{"sumdb", "s3", 70 * time.Millisecond, false, false},
	{"sumdb", "s4", 100 * time.Millisecond, false, false},
}

type server struct {
	spec
	url  string
	hang bool
}

func main() {
	gosetup := flag.String("gosetup", "", "gosetup binary to benchmark")
	rounds := flag.Int("rounds", 5, "rounds; medians are reported")
	timeout := flag.Duration("timeout", 3*time.Second, "probe --timeout, also curl's --max-time per mirror")
	serveOnly := flag.Bool("serve", false, "only serve the mirrors and print the catalogue files, for trying gosetup probe by hand; Ctrl-C ends")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchserve-probe: ")
	if *gosetup == "" && !*serveOnly {
		log.Fatal("-gosetup BIN is required")
	}
	dir, err := os.MkdirTemp("", "probe-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	skey, vkey, err := note.GenerateKey(rand.Reader, "sum.golang.org")
	if err != nil {
		log.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	head, _ := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 123456}))}, signer)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var setA, setB []server
	for _, s := range mirrors {
		setA = append(setA, server{s, start(ctx, s, false, head), false})
		setB = append(setB, server{s, start(ctx, s, s.hangInB, head), s.hangInB})
	}
	catA := writeCatalog(dir, "all-a.json", setA, vkey)
	catB := writeCatalog(dir, "all-b.json", setB, vkey)

	if *serveOnly {
		fmt.Printf("healthy set:       gosetup probe --mirrors %s\ntwo mirrors hang:  gosetup probe --mirrors %s\n", catA, catB)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return
	}
	b := bench{gosetup: *gosetup, timeout: *timeout}
	var full, fullWall, slowest, curlA, hangWall, curlB []float64
	var slowestName string
	fmt.Printf("%-6s %12s %12s %16s %7s %12s | %14s %12s\n", "round", "probe all", "probe wall", "slowest alone", "ratio", "curl loop", "2 hang: probe", "curl loop")
	for r := 1; r <= *rounds; r++ {
		rep, wall := b.probe(catA, "")
		if rep.ok != len(mirrors) {
			log.Printf("round %d: only %d of %d healthy mirrors passed: %s", r, rep.ok, len(mirrors), rep.failures)
		}
		own, name := 0.0, ""
		for _, s := range setA {
			single := writeSingle(dir, s, setA, vkey)
			srep, _ := b.probe(single, s.kind)
			if srep.elapsed > own {
				own, name = srep.elapsed, s.name
			}
		}
		ca := b.curlLoop(setA)
		hrep, hwall := b.probe(catB, "")
		if hrep.ok != len(mirrors)-2 || hrep.timeouts != 2 {
			log.Printf("round %d (hanging set): %d healthy, %d timeouts; want 13 and 2: %s", r, hrep.ok, hrep.timeouts, hrep.failures)
		}
		cb := b.curlLoop(setB)
		fmt.Printf("%-6d %10.0fms %10.0fms %11.0fms %-4s %6.2f %10.0fms | %12.0fms %10.0fms\n",
			r, rep.elapsed, wall, own, name, rep.elapsed/own, ca, hwall, cb)
		full, fullWall, slowest, curlA, hangWall, curlB = append(full, rep.elapsed), append(fullWall, wall),
			append(slowest, own), append(curlA, ca), append(hangWall, hwall), append(curlB, cb)
		slowestName = name
	}
	mf, ms, mc, mh, mcb := median(full), median(slowest), median(curlA), median(hangWall), median(curlB)
	fmt.Printf("\nmedians over %d rounds (15 mirrors: 6 proxies, 5 archive mirrors, 4 checksum databases; latency 10-140 ms)\n", *rounds)
	fmt.Printf("  none hanging: probe %.0f ms (process wall %.0f ms); slowest mirror alone %.0f ms (%s); ratio %.2f (target <= 1.3)\n",
		mf, median(fullWall), ms, slowestName, mf/ms)
	fmt.Printf("                sequential curl loop %.0f ms; curl loop / probe = %.1fx\n", mc, mc/mf)
	fmt.Printf("  two hanging:  probe process wall %.0f ms with a %s deadline; overshoot %.0f ms (target <= 300 ms)\n",
		mh, *timeout, mh-float64(timeout.Milliseconds()))
	fmt.Printf("                sequential curl loop %.0f ms; curl loop / probe = %.1fx\n", mcb, mcb/mh)
}

// start serves one mirror on its own loopback port.
func start(ctx context.Context, s spec, hang bool, head []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	h := handler(s, head)
	srv := &http.Server{
		BaseContext: func(net.Listener) context.Context { return ctx },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang {
				<-r.Context().Done()
				return
			}
			select {
			case <-time.After(s.latency):
			case <-r.Context().Done():
				return
			}
			h(w, r)
		}),
	}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String()
}

var host = dist.Host()

func handler(s spec, head []byte) http.HandlerFunc {
	switch s.kind {
	case "proxy":
		var list bytes.Buffer
		for i := 0; i <= 12; i++ {
			for _, p := range []dist.Platform{host, {OS: "windows", Arch: "amd64"}, {OS: "darwin", Arch: "arm64"}} {
				fmt.Fprintf(&list, "%s\n", dist.ModuleVersion(fmt.Sprintf("go1.22.%d", i), p))
			}
		}
		return func(w http.ResponseWriter, r *http.Request) {
			const mod = "/golang.org/toolchain/@v/"
			switch {
			case r.URL.Path == mod+"list":
				w.Write(list.Bytes())
			case strings.HasPrefix(r.URL.Path, mod) && strings.HasSuffix(r.URL.Path, ".info"):
				fmt.Fprintf(w, `{"Version":%q}`, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, mod), ".info"))
			case s.passthrough && r.URL.Path == "/sumdb/sum.golang.org/supported":
			case s.passthrough && r.URL.Path == "/sumdb/sum.golang.org/latest":
				w.Write(head)
			default:
				http.NotFound(w, r)
			}
		}
	case "archive":
		file := "/" + dist.ArchiveName(newest, host)
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != file {
				http.NotFound(w, r)
				return
			}
			http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(archive{}, 0, archiveSize))
		}
	default:
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/latest" {
				http.NotFound(w, r)
				return
			}
			w.Write(head)
		}
	}
}

const archiveSize = 68 << 20

// archive is a synthetic archive: the gzip (or zip) magic, then zeros.
type archive struct{}

func (archive) ReadAt(p []byte, off int64) (int, error) {
	magic := []byte{0x1f, 0x8b, 8, 0}
	if host.OS == "windows" {
		magic = []byte("PK\x03\x04")
	}
	n := copy(p, make([]byte, len(p)))
	if rem := archiveSize - off; int64(n) > rem {
		n = int(rem)
	}
	for i := 0; i < n && off+int64(i) < int64(len(magic)); i++ {
		p[i] = magic[off+int64(i)]
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type entry struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Key  string `json:"key,omitempty"`
}

func catalogFor(servers []server, vkey string) map[string]any {
	c := map[string][]entry{"archive": {}, "proxy": {}, "sumdb": {}}
	for _, s := range servers {
		e := entry{Name: s.name, URL: s.url}
		if s.kind == "sumdb" {
			e = entry{Name: "sum.golang.org", URL: s.url, Key: vkey}
		}
		c[s.kind] = append(c[s.kind], e)
	}
	return map[string]any{"mode": "replace", "archive": c["archive"], "proxy": c["proxy"], "sumdb": c["sumdb"]}
}

func writeCatalog(dir, name string, servers []server, vkey string) string {
	data, _ := json.Marshal(catalogFor(servers, vkey))
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		log.Fatal(err)
	}
	return path
}

// writeSingle is the catalogue for probing s alone: s, plus what its probe
// needs and does not report (probed with --kind s.kind): the database key
// for a proxy's pass-through check, and for an archive mirror the fastest
// proxy, whose toolchain list names the archive to ask for.
func writeSingle(dir string, s server, all []server, vkey string) string {
	set := []server{s}
	if s.kind != "sumdb" {
		for _, o := range all {
			if o.name == "s1" {
				set = append(set, o)
			}
		}
	}
	if s.kind == "archive" {
		for _, o := range all {
			if o.name == "p1" {
				set = append(set, o)
			}
		}
	}
	return writeCatalog(dir, "single-"+s.name+".json", set, vkey)
}

type bench struct {
	gosetup string
	timeout time.Duration
}

type probeReport struct {
	elapsed  float64
	ok       int
	timeouts int
	failures string
}

// probe runs gosetup probe and returns the report's own elapsed time and
// the process's wall time, in milliseconds.
func (b bench) probe(catalog, kind string) (probeReport, float64) {
	args := []string{"probe", "--json", "--mirrors", catalog, "--timeout", b.timeout.String()}
	if kind != "" {
		args = append(args, "--kind", kind)
	}
	cmd := exec.Command(b.gosetup, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := float64(time.Since(t0).Microseconds()) / 1000
	var rep struct {
		ElapsedMS float64 `json:"elapsed_ms"`
		Entries   []struct {
			Name    string `json:"name"`
			OK      bool   `json:"ok"`
			Failure string `json:"failure"`
			Error   string `json:"error"`
		} `json:"entries"`
	}
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		log.Fatalf("gosetup %v: %v (%v)", args, jerr, err)
	}
	r := probeReport{elapsed: rep.ElapsedMS}
	var fails []string
	for _, e := range rep.Entries {
		switch {
		case e.OK:
			r.ok++
		case e.Failure == "timeout":
			r.timeouts++
			fails = append(fails, e.Name+": "+e.Error)
		default:
			fails = append(fails, e.Name+": "+e.Error)
		}
	}
	r.failures = strings.Join(fails, "; ")
	return r, wall
}

// curlLoop makes the probe's requests with curl, one mirror after another
// (one curl process per mirror, so its connection is reused as the probe's
// is), each bounded by --max-time, and returns the total in milliseconds.
func (b bench) curlLoop(servers []server) float64 {
	t0 := time.Now()
	for _, s := range servers {
		args := []string{"-s", "--max-time", fmt.Sprint(b.timeout.Seconds())}
		switch s.kind {
		case "proxy":
			args = append(args, s.url+"/golang.org/toolchain/@v/list", s.url+"/sumdb/sum.golang.org/supported", s.url+"/sumdb/sum.golang.org/latest")
		case "archive":
			u := s.url + "/" + dist.ArchiveName(newest, host)
			args = append(args, "-r", "0-1023", u, u, u)
		default:
			args = append(args, s.url+"/latest", s.url+"/latest", s.url+"/latest")
		}
		cmd := exec.Command("curl", args...)
		cmd.Run() // a hanging mirror makes curl exit 28 (timeout): expected
	}
	return float64(time.Since(t0).Microseconds()) / 1000
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
