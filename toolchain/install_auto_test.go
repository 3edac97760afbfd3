package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// bulkyToolchain is the fake toolchain with an incompressible megabyte and
// a half, so each channel's file is longer than a rate sample.
func bulkyToolchain(p dist.Platform) []tEntry {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 3<<19)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return append(fakeToolchain(instVersion, p), tEntry{Name: "src/random.bin", Body: string(b), Mode: 0o644})
}

// autoWorld is both channels of one bulky release, each mirror paced.
type autoWorld struct {
	e        *env
	rel      Release
	archive  []byte
	archives []*fileServer
	proxies  []*fileServer
}

// newAutoWorld serves the archive from one mirror per archiveRates entry
// and the module zip from one proxy per moduleRates entry, each at its
// rate. The mirrors of the channel latencyFirst answer the one-byte
// ranking probe first (the others wait for that answer), so that ranking
// by latency alone would put that channel first.
func newAutoWorld(t *testing.T, archiveRates, moduleRates []float64, latencyFirst Source) *autoWorld {
	perConn := func(rates []float64) []pacer {
		var out []pacer
		for _, r := range rates {
			out = append(out, func(w http.ResponseWriter) http.ResponseWriter {
				return &pacedWriter{ResponseWriter: w, rate: r, start: time.Now()}
			})
		}
		return out
	}
	return newPacedAutoWorld(t, perConn(archiveRates), perConn(moduleRates), latencyFirst)
}

// pacer wraps each response of a mirror to hold it to the mirror's rate.
type pacer func(http.ResponseWriter) http.ResponseWriter

// newPacedAutoWorld is newAutoWorld with each mirror's pacing given.
func newPacedAutoWorld(t *testing.T, archivePacers, modulePacers []pacer, latencyFirst Source) *autoWorld {
	e := newEnv(t)
	es := bulkyToolchain(e.p)
	archive := mirrortest.TarGz("go/", es)
	zipData := mirrortest.Zip(dist.ModuleZipPrefix(instVersion, e.p), es)
	answered := make(chan struct{})
	var once sync.Once
	wrap := func(src Source, pace pacer, data []byte) func(w http.ResponseWriter, r *http.Request, serve func()) {
		return func(w http.ResponseWriter, r *http.Request, serve func()) {
			if !strings.HasSuffix(r.URL.Path, ".zip") && !strings.HasSuffix(r.URL.Path, ".tar.gz") {
				serve()
				return
			}
			probe := r.Header.Get("Range") == "bytes=0-0"
			if probe && src != latencyFirst {
				select {
				case <-answered:
				case <-r.Context().Done():
					return
				}
			}
			w.Header().Set("ETag", `"`+mirrortest.SHA256(data)[:16]+`"`)
			w.Header().Set("Content-Type", "application/octet-stream")
			http.ServeContent(pace(w), r, "", time.Unix(1e9, 0), bytes.NewReader(data))
			if probe && src == latencyFirst {
				http.NewResponseController(w).Flush()
				once.Do(func() { close(answered) })
			}
		}
	}
	var aw, mw []func(http.ResponseWriter, *http.Request, func())
	for _, p := range archivePacers {
		aw = append(aw, wrap(SourceArchive, p, archive))
	}
	for _, p := range modulePacers {
		mw = append(mw, wrap(SourceModule, p, zipData))
	}
	w := &autoWorld{e: e, archive: archive}
	var arel, mrel Release
	w.archives, arel = archiveSetup(t, e, archive, aw...)
	w.proxies, mrel = moduleSetup(t, e, zipData, mw...)
	w.rel = arel
	w.rel.Modules = mrel.Modules
	return w
}

func (w *autoWorld) install(t *testing.T, in *Installer, src Source) *Result {
	t.Helper()
	res, err := in.Install(context.Background(), Request{Release: w.rel, Dir: filepath.Join(t.TempDir(), "go"), Source: src})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// reason is the auto choice's explanation (a resolve event that carries
// a message but no version), or "".
func (e *env) reason() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.events {
		if ev.Phase == PhaseResolve && ev.Version == "" && ev.Message != "" {
			return ev.Message
		}
	}
	return ""
}

// samples counts the rate-sample requests each server saw.
func samples(srvs []*fileServer) []int {
	var out []int
	for _, s := range srvs {
		n := 0
		for _, r := range s.requests() {
			if r.Header.Get("Range") == sampleRange {
				n++
			}
		}
		out = append(out, n)
	}
	return out
}

// A channel whose mirrors deliver slowly loses to the other, even though
// it answered the latency probe first, and the progress output says why.
func TestAutoSampleAvoidsSlowChannel(t *testing.T) {
	for _, tc := range []struct {
		name           string
		archive, proxy float64
		want, first    Source
		why            string
	}{
		{"slow proxy", 4e6, 64e3, SourceArchive, SourceModule, "archive from ma: downloads clearly faster than the module zip"},
		{"slow archive mirror", 64e3, 4e6, SourceModule, SourceArchive, "module zip from pa: downloads clearly faster than the archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newAutoWorld(t, []float64{tc.archive}, []float64{tc.proxy}, tc.first)
			res := w.install(t, w.e.installer(), SourceAuto)
			if res.Source != tc.want || !strings.Contains(w.e.reason(), tc.why) {
				t.Errorf("installed from %s; reason %q, want %s and %q", res.Source, w.e.reason(), tc.want, tc.why)
			}
			if a, p := samples(w.archives), samples(w.proxies); a[0] != 1 || p[0] != 1 {
				t.Errorf("sample requests: archive %v, proxy %v; want one each", a, p)
			}
		})
	}
}

// Between channels that download about as fast, the module zip wins on
// two cores (it unpacks in parallel after its download) and the tar.gz on
// one (it unpacks while it streams in). The inflate speed is pinned low,
// as on a machine whose inflate is slower than its link, and the tar.gz
// inflates on one goroutine (the model's parallel inflate has its own
// cases in TestChooseChannel).
func TestAutoUnpackCostDecides(t *testing.T) {
	for _, tc := range []struct {
		cores       int
		want, first Source
		why         string
	}{
		{2, SourceModule, SourceArchive, "downloads about as fast as the archive"},
		{1, SourceArchive, SourceModule, "downloads about as fast as the module zip"},
	} {
		t.Run(strconvItoa(tc.cores)+" cores", func(t *testing.T) {
			w := newAutoWorld(t, []float64{4e6}, []float64{4e6}, tc.first)
			in := w.e.installer()
			in.cores, in.inflateRate, in.inflate = tc.cores, 200e3, 1
			res := w.install(t, in, SourceAuto)
			how := "unpacks on 2 cores instead of 1"
			if tc.cores == 1 {
				how = "unpacks while it downloads"
			}
			if why := w.e.reason(); res.Source != tc.want || !strings.Contains(why, tc.why) || !strings.Contains(why, how) {
				t.Errorf("installed from %s; reason %q, want %s, %q and %q", res.Source, why, tc.want, tc.why, how)
			}
		})
	}
}

// Most of the archive (7/8) kept in the download cache by an interrupted
// run makes its download the shorter one: the archive wins where the module zip's
// parallel unpack otherwise would, and the install resumes the spill.
func TestAutoCountsCachedSpill(t *testing.T) {
	w := newAutoWorld(t, []float64{4e6}, []float64{4e6}, SourceModule)
	in := w.e.installer()
	in.cores, in.inflateRate, in.inflate = 2, 200e3, 1
	in.Connections = DefaultConnections
	in.CacheDir = t.TempDir()
	f := w.rel.Files[0]
	kept := f.Size * 7 / 8 // far more than the sample's noise could hide
	dir := filepath.Join(in.CacheDir, "downloads")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, f.Filename+".part"), w.archive[:kept], 0o644); err != nil {
		t.Fatal(err)
	}
	rec, _ := json.Marshal(spillRecord{Key: archiveSpillKey(f), Size: f.Size, Have: [][2]int64{{0, kept}}})
	if err := os.WriteFile(filepath.Join(dir, f.Filename+".part.json"), rec, 0o644); err != nil {
		t.Fatal(err)
	}
	res := w.install(t, in, SourceAuto)
	why := w.e.reason()
	if res.Source != SourceArchive || !strings.Contains(why, "archive from ma: downloads clearly faster") || !strings.Contains(why, "already in the download cache") {
		t.Errorf("installed from %s; reason %q", res.Source, why)
	}
	resumed := false
	w.e.mu.Lock()
	for _, ev := range w.e.events {
		resumed = resumed || strings.HasPrefix(ev.Message, "resuming an earlier download")
	}
	w.e.mu.Unlock()
	if !resumed {
		t.Error("the spill was not resumed")
	}
	// The download asked only for what the spill lacked.
	for _, r := range w.archives[0].requests() {
		rg := r.Header.Get("Range")
		var start int64
		if rg == "bytes=0-0" || rg == sampleRange || strings.HasPrefix(rg, fmt.Sprintf("bytes=%d-", sampleBytes)) {
			continue // the probe and the rate sample's two connections
		}
		if _, err := fmt.Sscanf(rg, "bytes=%d-", &start); err != nil || start < kept {
			t.Errorf("download request for %q, but the first %d bytes were cached", rg, kept)
		}
	}
}

// A ranged download spreads over the three best mirrors, so the channel's
// rate is theirs together: three archive mirrors capping each connection
// at 3 MB/s beat one proxy behind a 5 MB/s link, a fourth mirror is not
// sampled, and one stream (one mirror at a time) rates the channel by its
// best mirror alone.
func TestAutoRatesTheMirrorsTheDownloadUses(t *testing.T) {
	for _, tc := range []struct {
		conns int
		want  Source
		n     int // archive mirrors sampled
	}{{DefaultConnections, SourceArchive, 3}, {1, SourceModule, 1}} {
		t.Run(strconvItoa(tc.conns)+" connections", func(t *testing.T) {
			capped := capEach(3e6)
			w := newPacedAutoWorld(t, []pacer{capped, capped, capped, capped}, []pacer{(&linkPacer{rate: 5e6}).writer}, SourceModule)
			in := w.e.installer()
			in.Connections = tc.conns
			// Unpacking costs nothing here, so whichever channel the
			// sample rates faster wins, by however little: over eight
			// connections, three mirrors capping each at 3 MB/s give
			// 24 MB/s against the proxy's 5 however many share it
			// (9 if no second connection could be timed); over one,
			// 3 against 5.
			in.cores, in.inflateRate = 2, 1e12
			res := w.install(t, in, SourceAuto)
			if res.Source != tc.want || w.e.reason() == "" {
				t.Errorf("installed from %s; reason %q, want %s", res.Source, w.e.reason(), tc.want)
			}
			n := 0
			for _, c := range samples(w.archives) {
				if c > 1 {
					t.Errorf("a mirror was sampled %d times", c)
				}
				n += c
			}
			if n != tc.n || samples(w.proxies)[0] != 1 {
				t.Errorf("%d archive mirrors and %d proxies sampled, want %d and 1", n, samples(w.proxies)[0], tc.n)
			}
		})
	}
}

// A mirror that caps each connection is worth more connections, a proxy
// behind one shared limit is not: one connection to the archive mirror
// gets 3/4 of what the proxy's link gives, but the download's four get
// three times as much, and auto picks the archive. (By one connection's
// rate alone it chose the module zip.)
func TestAutoCountsConnectionsAMirrorRewards(t *testing.T) {
	w := newPacedAutoWorld(t, []pacer{capEach(3e6)}, []pacer{(&linkPacer{rate: 4e6}).writer}, SourceModule)
	in := w.e.installer()
	in.Connections = DefaultConnections
	in.cores, in.inflateRate = 2, 1e12 // the downloads decide
	res := w.install(t, in, SourceAuto)
	if why := w.e.reason(); res.Source != SourceArchive || !strings.HasPrefix(why, "archive from ma: downloads") {
		t.Errorf("installed from %s; reason %q, want the archive", res.Source, why)
	}
}

// Only auto with both channels samples: an explicit source, a one-channel
// install and a disabled ranking send no sample request.
func TestNoSampleWithoutAChoice(t *testing.T) {
	w := newAutoWorld(t, []float64{50e6}, []float64{50e6}, SourceArchive)
	check := func(name string) {
		t.Helper()
		if a, p := samples(w.archives), samples(w.proxies); a[0]+p[0] != 0 {
			t.Errorf("%s: sample requests: archive %v, proxy %v", name, a, p)
		}
		if why := w.e.reason(); why != "" {
			t.Errorf("%s: explained a choice it did not make: %q", name, why)
		}
	}
	if res := w.install(t, w.e.installer(), SourceArchive); res.Source != SourceArchive {
		t.Fatal(res.Source)
	}
	check("--source archive")
	if res := w.install(t, w.e.installer(), SourceModule); res.Source != SourceModule {
		t.Fatal(res.Source)
	}
	check("--source module")
	in := w.e.installer()
	in.SumDB = nil // no module channel
	w.install(t, in, SourceAuto)
	check("one channel")
	in = w.e.installer()
	in.RankTimeout = -1
	w.install(t, in, SourceAuto)
	check("no ranking")
	// The same world does sample when there is a choice to make.
	w.install(t, w.e.installer(), SourceAuto)
	if a, p := samples(w.archives), samples(w.proxies); a[0] != 1 || p[0] != 1 || w.e.reason() == "" {
		t.Errorf("auto: sample requests archive %v, proxy %v; reason %q", a, p, w.e.reason())
	}
}

// A channel that cannot be sampled (its mirrors refuse the sample's range)
// is no error: the latency order stands, and no choice is explained.
func TestAutoSampleFailureKeepsLatencyOrder(t *testing.T) {
	e := newEnv(t)
	_, arel := archiveSetup(t, e, goodArchive(t, e), nil)
	answered := make(chan struct{})
	var once sync.Once
	_, mrel := moduleSetup(t, e, goodModuleZip(t, e.p), func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == sampleRange {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		serve()
		if r.Header.Get("Range") == "bytes=0-0" {
			http.NewResponseController(w).Flush()
			once.Do(func() { close(answered) })
		}
	})
	// The archive mirror answers its probe 300 ms after the proxy
	// answered: the gap the latency order measures, far above the
	// client's own scheduling noise (as in TestAutoRanksChannels).
	e.cat.Archive = nil
	srv := newFileServer(t, map[string][]byte{"/" + arel.Files[0].Filename: goodArchive(t, e)}, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == "bytes=0-0" {
			select {
			case <-answered:
				time.Sleep(300 * time.Millisecond)
			case <-r.Context().Done():
				return
			}
		}
		serve()
	})
	e.addArchive("ma", srv.URL)
	rel := arel
	rel.Modules = mrel.Modules
	res, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceModule || e.reason() != "" {
		t.Errorf("installed from %s, reason %q: want the module channel, which answered first, and no reason", res.Source, e.reason())
	}
}

// The archive's uncompressed size comes from its gzip trailer, over one
// small range request; a server without ranges gives none.
func TestGzipSizeReadsTrailer(t *testing.T) {
	e := newEnv(t)
	archive := mirrortest.TarGz("go/", bulkyToolchain(e.p))
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	srvs, rel := archiveSetup(t, e, archive, nil, func(w http.ResponseWriter, r *http.Request, serve func()) {
		r.Header.Del("Range")
		serve()
	})
	url := "/" + rel.Files[0].Filename
	client := e.installer().Client
	if got := gzipSize(context.Background(), client, srvs[0].URL+url, int64(len(archive))); got != want {
		t.Errorf("gzipSize %d, want %d", got, want)
	}
	if got := gzipSize(context.Background(), client, srvs[1].URL+url, int64(len(archive))); got != -1 {
		t.Errorf("gzipSize without ranges %d, want -1", got)
	}
}
