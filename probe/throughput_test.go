package probe

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// trickle serves a real-looking archive head quickly, then the rest of the
// body slowly: low latency, low throughput, the mirror that a latency-only
// ranking would wrongly put first.
func trickle(version string, chunk int, every time.Duration) http.HandlerFunc {
	file := dist.ArchiveName(version, linux)
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimPrefix(r.URL.Path, "/") != file {
			http.NotFound(w, r)
			return
		}
		var from, to int64
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &from, &to); err != nil {
			http.Error(w, "range required", 400)
			return
		}
		n := to - from + 1
		w.Header().Set("Content-Range", "bytes "+itoa(int(from))+"-"+itoa(int(to))+"/"+itoa(realSize))
		w.Header().Set("Content-Length", itoa(int(n)))
		w.WriteHeader(http.StatusPartialContent)
		buf := make([]byte, n)
		copy(buf, gzipMagic)
		if n <= headBytes {
			w.Write(buf)
			return
		}
		for off := int64(0); off < n; off += int64(chunk) {
			end := min(off+int64(chunk), n)
			if _, err := w.Write(buf[off:end]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(every):
			case <-r.Context().Done():
				return
			}
		}
	}
}

// With --throughput archives rank by estimated fetch time, bounded in bytes
// and time, and a slow body is slow, not failed.
func TestThroughputRanksByFetchEstimate(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	c := &cat{}
	c.add(catalog.KindProxy, "p", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	c.add(catalog.KindArchive, "trickle", serve(t, 0, trickle("go1.22.5", 16<<10, 20*time.Millisecond)))
	c.add(catalog.KindArchive, "bulk", serve(t, 15*time.Millisecond, goodArchive("go1.22.5")))
	start := time.Now()
	rep := run(t, c.build(t, k), func(o *Options) {
		o.Kinds = []catalog.Kind{catalog.KindArchive}
		o.Throughput = true
		o.Timeout = 3 * time.Second
	})
	took := time.Since(start)
	t.Log("\n" + describe(rep))
	tr, bulk := find(t, rep, catalog.KindArchive, "trickle"), find(t, rep, catalog.KindArchive, "bulk")
	if !tr.OK || !bulk.OK {
		t.Fatalf("both must be healthy:\n%s", describe(rep))
	}
	if tr.LatencyMS >= bulk.LatencyMS {
		t.Errorf("test setup: trickle latency %.1f should beat bulk %.1f", tr.LatencyMS, bulk.LatencyMS)
	}
	if tr.ThroughputBytesPerSec <= 0 || tr.ThroughputBytesPerSec >= bulk.ThroughputBytesPerSec {
		t.Errorf("throughput trickle %.0f B/s vs bulk %.0f B/s", tr.ThroughputBytesPerSec, bulk.ThroughputBytesPerSec)
	}
	if got := names(rep, catalog.KindArchive); got != "bulk trickle" {
		t.Errorf("ranking %q, want bulk first by estimated fetch time", got)
	}
	if tr.FetchEstimateMS <= bulk.FetchEstimateMS {
		t.Errorf("fetch estimates: trickle %.0f ms, bulk %.0f ms", tr.FetchEstimateMS, bulk.FetchEstimateMS)
	}
	// The trickle sample is bounded by time (1.5 s), not by its 4 MiB.
	if took > ThroughputTime+time.Second {
		t.Errorf("probe took %s; the throughput sample must be bounded in time", took)
	}
}

// A stalled archive body fails the throughput sample as a timeout.
func TestThroughputStalledBody(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	good := goodArchive("go1.22.5")
	stall := func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.Header.Get("Range") == "bytes=0-1023" {
			good(w, r)
			return
		}
		w.Header().Set("Content-Range", "bytes 0-4194303/"+itoa(realSize))
		w.WriteHeader(http.StatusPartialContent)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	c := &cat{}
	c.add(catalog.KindProxy, "p", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	c.add(catalog.KindArchive, "stall", serve(t, 0, stall))
	rep := run(t, c.build(t, k), func(o *Options) {
		o.Kinds = []catalog.Kind{catalog.KindArchive}
		o.Throughput = true
	})
	r := find(t, rep, catalog.KindArchive, "stall")
	if r.OK || r.Failure != FailTimeout || !strings.Contains(r.Error, "throughput") {
		t.Errorf("ok=%v failure=%q error=%q", r.OK, r.Failure, r.Error)
	}
}
