package toolchain

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// rangedModuleZip is a module zip of about 3 MB that does not compress.
func rangedModuleZip(t *testing.T, p dist.Platform) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	return mirrortest.Zip(dist.ModuleZipPrefix(instVersion, p), append(fakeToolchain(instVersion, p), tEntry{Name: "src/noise.bin", Body: string(noise), Mode: 0o644}))
}

func TestRangedModuleTwoProxies(t *testing.T) {
	e := newEnv(t)
	zipData := rangedModuleZip(t, e.p)
	var ca, cb counter
	_, rel := moduleSetup(t, e, zipData,
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			ca.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, zipData) })
		},
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			cb.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, zipData) })
		})
	res, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if ca.ranged.Load() == 0 || cb.ranged.Load() == 0 {
		t.Errorf("range requests: %d to pa, %d to pb; want both used", ca.ranged.Load(), cb.ranged.Load())
	}
	if res.Bytes != int64(len(zipData)) {
		t.Errorf("Bytes %d, want %d", res.Bytes, len(zipData))
	}
}

// A proxy serving a zip of the same size with other bytes fails the h1
// check; the install then downloads from one proxy at a time and succeeds.
func TestRangedModuleOtherBytesFallsBackToOneSource(t *testing.T) {
	e := newEnv(t)
	zipData := rangedModuleZip(t, e.p)
	bad := append([]byte(nil), zipData...)
	for i := 1000; i < len(bad)-100<<10; i += 64 << 10 {
		bad[i] ^= 0xff
	}
	_, rel := moduleSetup(t, e, zipData, nil, func(w http.ResponseWriter, r *http.Request, _ func()) {
		serveData(w, r, bad)
	})
	res, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "pa" {
		t.Errorf("installed from %q", res.Mirror)
	}
}

// A module download cancelled midway resumes in the next run, fetching
// only what is missing.
func TestRangedModuleResumeAcrossRuns(t *testing.T) {
	e := newEnv(t)
	zipData := rangedModuleZip(t, e.p)
	mid := len(zipData) / 2
	var hold atomic.Bool
	hold.Store(true)
	var c counter
	_, rel := moduleSetup(t, e, zipData, func(w http.ResponseWriter, r *http.Request, _ func()) {
		var a, b int
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
		if hold.Load() && a >= mid {
			<-r.Context().Done()
			return
		}
		c.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, zipData) })
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
	if _, err := in.Install(ctx, Request{Release: rel, Dir: dir, Source: SourceModule}); err == nil {
		t.Fatal("the first run succeeded")
	}
	v := dist.ModuleVersion(instVersion, e.p)
	data, err := os.ReadFile(filepath.Join(cache, "downloads", v+".zip.part.json"))
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
	if _, err := in2.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	// The size probe's one byte is served again; a split span may cost
	// what was in flight past the split.
	if got, want := c.bytes.Load(), int64(len(zipData))-kept; got < want || got > want+kept/2 {
		t.Errorf("second run fetched %d bytes, want %d (the %d kept were fetched again?)", got, want, kept)
	}
}

// A module zip is checked and unpacked while it downloads: its end (the
// central directory) is fetched first, and the small files at its front
// are written before the last byte of the big one at its back arrives.
func TestRangedModuleUnpacksWhileDownloading(t *testing.T) {
	e := newEnv(t)
	zipData := rangedModuleZip(t, e.p)
	var mu sync.Mutex
	var firstRange string
	serve := func(w http.ResponseWriter, r *http.Request, _ func()) {
		if rg := r.Header.Get("Range"); rg != "bytes=0-0" {
			mu.Lock()
			if firstRange == "" {
				firstRange = rg
			}
			mu.Unlock()
		}
		serveData(&pacedWriter{ResponseWriter: w, rate: 1 << 20, start: time.Now()}, r, zipData)
	}
	_, rel := moduleSetup(t, e, zipData, serve, serve)
	in := rangedInstaller(e, 2)
	in.rangedEager = false
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	size := len(zipData)
	if want := fmt.Sprintf("bytes=%d-%d", size-size/16, size-1); firstRange != want {
		t.Errorf("first range %q, want the zip's end first (%s)", firstRange, want)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	filesAt := -1
	for i, ev := range e.events {
		if ev.Files > 0 && filesAt < 0 {
			filesAt = i
		}
		if filesAt >= 0 && ev.Phase == PhaseDownload && ev.Total > 0 && ev.Done < ev.Total {
			return // files were unpacked, and then more bytes arrived
		}
	}
	t.Errorf("no download progress after the first unpacked files (event %d of %d): the zip was unpacked only once complete", filesAt, len(e.events))
}

// ReadAt waits for the bytes it is asked for, returns a short read with
// io.EOF only at the end of the file, and gives up with the download's
// error.
func TestRangedReadAtWaits(t *testing.T) {
	data := []byte("0123456789")
	w := &memFile{b: make([]byte, len(data))}
	f := newRangedFetch(context.Background(), rangedConfig{size: int64(len(data))}, []mirror{{Name: "a"}}, w, w, nil)
	got := make(chan string, 1)
	go func() {
		p := make([]byte, 5)
		n, err := f.ReadAt(p, 6)
		got <- fmt.Sprintf("%q %v", p[:n], err)
	}()
	put := func(a, b int) {
		f.mu.Lock()
		copy(w.b[a:b], data[a:b])
		f.have = f.have.add(int64(a), int64(b))
		f.cond.Broadcast()
		f.mu.Unlock()
	}
	put(6, 8)
	select {
	case s := <-got:
		t.Fatalf("ReadAt returned %s with bytes 8-9 missing", s)
	case <-time.After(50 * time.Millisecond):
	}
	put(8, 10)
	if s := <-got; s != `"6789" EOF` {
		t.Errorf("ReadAt = %s", s)
	}
	go func() {
		n, err := f.ReadAt(make([]byte, 2), 0)
		got <- fmt.Sprint(n, err)
	}()
	f.mu.Lock()
	f.err = fmt.Errorf("mirrors gone")
	f.cond.Broadcast()
	f.mu.Unlock()
	if s := <-got; s != "0 mirrors gone" {
		t.Errorf("ReadAt after a failure = %s", s)
	}
}

// memFile is an in-memory io.WriterAt and io.ReaderAt.
type memFile struct{ b []byte }

func (m *memFile) WriteAt(p []byte, off int64) (int, error) { return copy(m.b[off:], p), nil }
func (m *memFile) ReadAt(p []byte, off int64) (int, error)  { return copy(p, m.b[off:]), nil }
