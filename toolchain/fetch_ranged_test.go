package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// rangedArchive is a toolchain archive of about 3 MB that does not
// compress, so that a 256 kB chunk size splits it into a dozen chunks.
func rangedArchive(t *testing.T, e *env) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	return mirrortest.TarGz("go/", append(fakeToolchain(instVersion, e.p), tEntry{Name: "src/noise.bin", Body: string(noise), Mode: 0o644}))
}

// rangedInstaller is e's installer with ranged downloads on, small chunks
// and mirrors kept in catalogue order.
func rangedInstaller(e *env, conns int) *Installer {
	in := e.installer()
	in.Connections = conns
	in.rangedChunk = 256 << 10
	in.rangedEager = true
	in.RankTimeout = -1
	return in
}

// counter counts what a server sent and how many requests it served at
// once, at most.
type counter struct {
	bytes, ranged, cur, peak atomic.Int64
}

type countingWriter struct {
	http.ResponseWriter
	c *counter
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.c.bytes.Add(int64(n))
	return n, err
}

// wrap counts the request and serves it with serve.
func (c *counter) wrap(w http.ResponseWriter, r *http.Request, serve func(w http.ResponseWriter)) {
	n := c.cur.Add(1)
	defer c.cur.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if rg := r.Header.Get("Range"); rg != "" && rg != "bytes=0-0" {
		c.ranged.Add(1)
	}
	serve(countingWriter{w, c})
}

// serveData serves data with Range support.
func serveData(w http.ResponseWriter, r *http.Request, data []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", time.Unix(1e9, 0), bytes.NewReader(data))
}

func TestRangedTwoMirrorsShareTheDownload(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	var ca, cb counter
	_, rel := archiveSetup(t, e, archive,
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			ca.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, archive) })
		},
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			cb.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, archive) })
		})
	in := rangedInstaller(e, 4)
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if ca.ranged.Load() == 0 || cb.ranged.Load() == 0 {
		t.Errorf("range requests: %d to ma, %d to mb; want both used", ca.ranged.Load(), cb.ranged.Load())
	}
	if p := max(ca.peak.Load(), cb.peak.Load()); p > rangedPerMirror {
		t.Errorf("a mirror served %d requests at once, more than %d", p, rangedPerMirror)
	}
	// A connection whose span was split stops reading at the split, so
	// what the server had already written past it is sent for nothing:
	// bounded by socket buffers, far below fetching anything twice.
	if total := ca.bytes.Load() + cb.bytes.Load(); total < int64(len(archive)) || total > int64(len(archive))*5/4 {
		t.Errorf("servers sent %d bytes for a %d-byte archive", total, len(archive))
	}
	if res.Bytes != int64(len(archive)) {
		t.Errorf("Bytes %d, want %d", res.Bytes, len(archive))
	}
	sawConns := false
	for _, ev := range e.events {
		if ev.Phase == PhaseDownload && ev.Conns > 1 {
			sawConns = true
		}
	}
	_ = sawConns // the count is timing-dependent; shown, not asserted
}

// Servers that ignore Range (200 with the whole file) get one stream.
func TestRangedFallsBackWhenRangesIgnored(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	var c counter
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		c.wrap(w, r, func(w http.ResponseWriter) {
			r.Header.Del("Range")
			serveData(w, r, archive)
		})
	})
	res, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "ma" {
		t.Errorf("mirror %q", res.Mirror)
	}
	found := false
	for _, ev := range e.events {
		if strings.Contains(ev.Message, "no mirror serves byte ranges") {
			found = true
		}
	}
	if !found {
		t.Error("no event says the download fell back to one stream")
	}
}

// A mirror that ignores Range but serves the file, beside one that fails
// every ranged request: the download falls back to one stream and the
// first mirror serves it (both were once marked bad and the install
// failed, though the single stream would have worked).
func TestRangedFallsBackWhenOtherMirrorFails(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		r.Header.Del("Range")
		serveData(w, r, archive)
	}, func(w http.ResponseWriter, r *http.Request, _ func()) {
		if r.Header.Get("Range") != "" {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		serveData(w, r, archive)
	})
	res, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "ma" {
		t.Errorf("mirror %q, want ma (it serves one stream)", res.Mirror)
	}
}

// A mirror announcing another size is dropped and named (Event.Dropped, for
// the displays), and the other mirror finishes the download.
func TestRangedDropsMirrorWithOtherSize(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	other := append(bytes.Clone(archive), "tail"...)
	_, rel := archiveSetup(t, e, archive, nil, func(w http.ResponseWriter, r *http.Request, _ func()) {
		serveData(w, r, other)
	})
	if _, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	var why string
	for _, ev := range e.events {
		if ev.Phase == PhaseFailover && ev.Mirror == "mb" && ev.Dropped != nil {
			why = ev.Dropped.Error()
		}
	}
	if !strings.Contains(why, "bytes where") {
		t.Errorf("mb dropped for %q; want the size mismatch named", why)
	}
}

// A mirror serving a corrupted range (or a different file of the same
// size) fails the whole-file SHA-256; the copy is then fetched again from
// one mirror at a time and the install succeeds from the good one.
func TestRangedCorruptRangeRefetchedFromOneSource(t *testing.T) {
	for _, tc := range []string{"corrupt-range", "other-file-same-size"} {
		t.Run(tc, func(t *testing.T) {
			e := newEnv(t)
			archive := rangedArchive(t, e)
			bad := bytes.Clone(archive)
			switch tc {
			case "corrupt-range":
				// One flipped byte in every 64 kB: whatever chunk mb
				// serves is wrong.
				for i := 1000; i < len(bad); i += 64 << 10 {
					bad[i] ^= 0xff
				}
			default:
				for i := 2; i < len(bad); i++ {
					bad[i] = byte(i)
				}
			}
			var cb counter
			_, rel := archiveSetup(t, e, archive, nil, func(w http.ResponseWriter, r *http.Request, _ func()) {
				cb.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, bad) })
			})
			res, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mirror != "ma" {
				t.Errorf("installed from %q", res.Mirror)
			}
			if cb.ranged.Load() == 0 {
				t.Skip("mb served nothing of the ranged download; nothing to check")
			}
		})
	}
}

// Connections cut midway are retried; what arrived is kept.
func TestRangedConnectionsDropMidway(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	var drops atomic.Int32
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) {
		var a, b int
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b); err == nil && b > a && drops.Add(1) <= 3 {
			hj := w.(http.Hijacker)
			conn, buf, _ := hj.Hijack()
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes %d-%d/%d\r\nContent-Length: %d\r\n\r\n", a, b, len(archive), b-a+1)
			buf.Write(archive[a : a+(b-a)/2])
			buf.Flush()
			conn.(*net.TCPConn).SetLinger(0)
			return
		}
		serve()
	})
	in := rangedInstaller(e, 2)
	in.Attempts = 5
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
}

// An install cancelled midway keeps its chunks in the cache; the next run
// fetches only the missing bytes.
func TestRangedResumeAcrossRuns(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	mid := len(archive) / 2
	var hold atomic.Bool
	hold.Store(true)
	var c counter
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		var a, b int
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
		if hold.Load() && a >= mid {
			<-r.Context().Done() // the first run never gets the second half
			return
		}
		c.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, archive) })
	})
	cache := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	in := rangedInstaller(e, 4)
	in.CacheDir = cache
	in.StallTimeout = time.Minute
	var once sync.Once
	in.Progress = func(ev Event) {
		if ev.Phase == PhaseDownload && ev.Done >= int64(mid)-(256<<10) {
			once.Do(cancel)
		}
	}
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := in.Install(ctx, Request{Release: rel, Dir: dir, Source: SourceArchive}); err == nil {
		t.Fatal("the first run succeeded")
	}
	recPath := filepath.Join(cache, "downloads", rel.Files[0].Filename+".part.json")
	data, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatalf("no record kept: %v", err)
	}
	var rec spillRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	var kept int64
	for _, r := range rec.Have {
		kept += r[1] - r[0]
	}
	if kept == 0 {
		t.Fatal("the record keeps no bytes")
	}
	hold.Store(false)
	c.bytes.Store(0)
	in2 := rangedInstaller(e, 4)
	in2.CacheDir = cache
	res, err := in2.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	// As above, a split span may cost what was in flight past the split.
	if got, want := c.bytes.Load(), int64(len(archive))-kept; got < want || got > want+kept/2 {
		t.Errorf("second run fetched %d bytes, want %d (the %d kept were fetched again?)", got, want, kept)
	}
	// Bytes counts this run's download only; the kept ones are Resumed.
	if res.Bytes != int64(len(archive))-kept || res.Resumed != kept {
		t.Errorf("Bytes %d, Resumed %d; want %d and %d", res.Bytes, res.Resumed, int64(len(archive))-kept, kept)
	}
	if _, err := os.Stat(recPath); !os.IsNotExist(err) {
		t.Errorf("record left after a verified install: %v", err)
	}
}

// Two installs of the same archive sharing one cache both succeed: the
// second downloads a private copy instead of writing into the first's.
func TestRangedConcurrentInstallsShareCache(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	_, rel := archiveSetup(t, e, archive, nil, nil)
	cache := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := rangedInstaller(e, 4)
			in.CacheDir = cache
			in.Progress = nil
			_, errs[i] = in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestRangeSet(t *testing.T) {
	var rs rangeSet
	rs = rs.add(10, 20).add(30, 40).add(20, 30).add(0, 5)
	if fmt.Sprint(rs) != "[{0 5} {10 40}]" {
		t.Fatalf("%v", rs)
	}
	if rs.prefixFrom(0) != 5 || rs.prefixFrom(5) != 5 || rs.prefixFrom(12) != 40 || rs.total() != 35 {
		t.Errorf("prefix/total wrong: %v", rs)
	}
	if fmt.Sprint(rs.missing(50)) != "[{5 10} {40 50}]" {
		t.Errorf("missing %v", rs.missing(50))
	}
	if fmt.Sprint(rangeSet{{-5, 3}, {45, 99}, {7, 2}}.clip(50)) != "[{0 3} {45 50}]" {
		t.Errorf("clip")
	}
}

// pacedWriter caps one response at rate bytes a second, as a mirror that
// throttles each connection does.
type pacedWriter struct {
	http.ResponseWriter
	rate  float64
	start time.Time
	sent  int
}

func (w *pacedWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), 16<<10)
		m, err := w.ResponseWriter.Write(p[:n])
		written += m
		w.sent += m
		if err != nil {
			return written, err
		}
		p = p[n:]
		if d := time.Duration(float64(w.sent)/w.rate*float64(time.Second)) - time.Since(w.start); d > 0 {
			time.Sleep(d)
		}
	}
	return written, nil
}

// A download starts on one connection; mirrors that cap each connection
// make it worth more, and they join until the limit, spread over both
// mirrors.
func TestRangedGrowsConnectionsAgainstCappedMirrors(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	var ca, cb counter
	capped := func(c *counter) func(w http.ResponseWriter, r *http.Request, _ func()) {
		return func(w http.ResponseWriter, r *http.Request, _ func()) {
			c.wrap(w, r, func(w http.ResponseWriter) {
				serveData(&pacedWriter{ResponseWriter: w, rate: 1 << 20, start: time.Now()}, r, archive)
			})
		}
	}
	_, rel := archiveSetup(t, e, archive, capped(&ca), capped(&cb))
	in := rangedInstaller(e, 4)
	in.rangedEager = false
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	if ca.ranged.Load() == 0 || cb.ranged.Load() == 0 {
		t.Errorf("range requests: %d to ma, %d to mb; want both used once the first connection proved slow", ca.ranged.Load(), cb.ranged.Load())
	}
	if p := max(ca.peak.Load(), cb.peak.Load()); p > rangedPerMirror {
		t.Errorf("a mirror served %d requests at once, more than %d", p, rangedPerMirror)
	}
	if total := ca.bytes.Load() + cb.bytes.Load(); total < int64(len(archive)) || total > int64(len(archive))*5/4 {
		t.Errorf("servers sent %d bytes for a %d-byte archive", total, len(archive))
	}
}

// Against a fast mirror the single connection finishes before another
// could pay: one request for the whole file, straight through.
func TestRangedFastMirrorKeepsOneConnection(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	var ca, cb counter
	_, rel := archiveSetup(t, e, archive,
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			ca.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, archive) })
		},
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			cb.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, archive) })
		})
	in := rangedInstaller(e, 8)
	in.rangedEager = false
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	if n := ca.ranged.Load() + cb.ranged.Load(); n != 1 {
		t.Errorf("%d range requests (%d to ma, %d to mb); want the whole file in one", n, ca.ranged.Load(), cb.ranged.Load())
	}
	if total := ca.bytes.Load() + cb.bytes.Load(); total != int64(len(archive)) {
		t.Errorf("servers sent %d bytes for a %d-byte archive", total, len(archive))
	}
}

// Another connection to the mirror delivering bytes resets its failure
// count between a failure and the backoff: the backoff must not shift by
// a negative amount (a runtime panic that killed the whole install).
func TestRangedBackoffAfterReset(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &rangedFetch{ctx: ctx, fails: []int{0}}
	f.cfg.backoff = time.Millisecond
	f.sleep(0)
}
