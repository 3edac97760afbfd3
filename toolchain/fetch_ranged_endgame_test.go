package toolchain

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// onceWriter is a download target that counts every byte written more
// than once (by two connections, or twice by one), the race the endgame
// must never run.
type onceWriter struct {
	mu      sync.Mutex
	buf     []byte
	written rangeSet
	again   int64
}

func (w *onceWriter) WriteAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := w.written.total()
	w.written = w.written.add(off, off+int64(len(p)))
	w.again += int64(len(p)) - (w.written.total() - before)
	copy(w.buf[off:], p)
	return len(p), nil
}

func (w *onceWriter) ReadAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return copy(p, w.buf[off:]), nil
}

// stallAfter serves the first n bytes of each range request and then
// sends nothing more (the stall timer of the test is far away) until the
// client gives up, or the safety deadline passes and it serves the rest.
type stallAfter struct {
	data             []byte
	n                int
	stalled, gaveUp  atomic.Int32
	servedRest, reqs atomic.Int32
}

func (s *stallAfter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.Add(1)
	var a, b int
	if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b); err != nil {
		http.Error(w, "ranges only", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, len(s.data)))
	w.Header().Set("Content-Length", fmt.Sprint(b-a+1))
	w.WriteHeader(http.StatusPartialContent)
	cut := min(a+s.n, b+1)
	w.Write(s.data[a:cut])
	w.(http.Flusher).Flush()
	if cut > b {
		return
	}
	s.stalled.Add(1)
	select {
	case <-r.Context().Done():
		s.gaveUp.Add(1)
	case <-time.After(30 * time.Second):
		// Only a client without an endgame waits this long.
		s.servedRest.Add(1)
		w.Write(s.data[cut : b+1])
	}
}

// One mirror stalls every range after its first 32 kB; the other is
// healthy. The download completes with the stalled spans' rest fetched by
// the healthy mirror's connections (the stalled requests are cancelled,
// never waited out), and no byte is written twice.
func TestRangedEndgameRacesStalledSpan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 2<<20)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	slow := &stallAfter{data: data, n: 32 << 10}
	sa := httptest.NewServer(slow)
	defer sa.Close()
	var healthy atomic.Int32
	sb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		healthy.Add(1)
		serveData(w, r, data)
	}))
	defer sb.Close()
	w := &onceWriter{buf: make([]byte, len(data))}
	cfg := rangedConfig{client: http.DefaultClient, size: int64(len(data)), conns: 4, perMirror: 2, chunk: 256 << 10,
		eager: true, stall: 10 * time.Minute, backoff: time.Millisecond, growEvery: 50 * time.Millisecond}
	f := newRangedFetch(context.Background(), cfg, []mirror{{Name: "a", URL: sa.URL}, {Name: "b", URL: sb.URL}}, w, w, nil)
	f.start()
	var got bytes.Buffer
	if _, err := got.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Wait(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !bytes.Equal(got.Bytes(), data) || !bytes.Equal(w.buf, data) {
		t.Fatal("the file differs from the mirror's")
	}
	if w.again != 0 {
		t.Errorf("%d bytes were written more than once", w.again)
	}
	if n := slow.servedRest.Load(); n != 0 {
		t.Errorf("%d stalled ranges were waited out instead of raced", n)
	}
	if slow.stalled.Load() == 0 || slow.gaveUp.Load() == 0 {
		t.Errorf("stalled %d, cancelled %d: the stalling mirror's spans were not raced", slow.stalled.Load(), slow.gaveUp.Load())
	}
	f.mu.Lock()
	twins, overtook := f.twins, f.overtook
	dead := f.dead[0]
	f.mu.Unlock()
	if twins == 0 || overtook == 0 {
		t.Errorf("%d helpers, %d overtook their twin", twins, overtook)
	}
	if dead {
		t.Error("the slow mirror was dropped as faulty; losing a race is no fault")
	}
}

// A ranged download whose total rate stays below the low-speed limit is
// given up for the other channel, as a single stream is.
func TestRangedLowSpeedFailsOverToOtherChannel(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	_, arel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		serveData(&pacedWriter{ResponseWriter: w, rate: 64 << 10, start: time.Now()}, r, archive)
	})
	_, mrel := moduleSetup(t, e, goodModuleZip(t, e.p), nil)
	rel := arel
	rel.Modules = mrel.Modules
	in := rangedInstaller(e, 4)
	in.LowSpeedLimit = 1 << 20 // far above what 4 paced connections can reach
	in.LowSpeedTime = 300 * time.Millisecond
	in.StallTimeout = time.Minute // slow, never silent: the stall timer is not what decides
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceAuto})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceModule {
		t.Errorf("installed through %s, want the module channel after the slow archive one", res.Source)
	}
	why := ""
	for _, ev := range e.events {
		if ev.Phase == PhaseFailover && ev.Source == SourceArchive && ev.Err != nil {
			why = ev.Err.Error()
		}
	}
	if !strings.Contains(why, "too slow") || !strings.Contains(why, "low-speed limit") {
		t.Errorf("the archive channel was left for %q", why)
	}
}

// With nothing else to try a slow ranged download goes on, and says once
// that it is slow.
func TestRangedLowSpeedKeepsOnlySource(t *testing.T) {
	e := newEnv(t)
	archive := rangedArchive(t, e)
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		serveData(&pacedWriter{ResponseWriter: w, rate: 1 << 20, start: time.Now()}, r, archive)
	})
	in := rangedInstaller(e, 4)
	in.LowSpeedLimit = 64 << 20
	in.LowSpeedTime = 200 * time.Millisecond
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	said := 0
	for _, ev := range e.events {
		if strings.Contains(ev.Message, "very slow") && strings.Contains(ev.Message, "no other source") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("said slow %d times, want once", said)
	}
}
