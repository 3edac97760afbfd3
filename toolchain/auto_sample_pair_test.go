package toolchain

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// marks are reads of size bytes each, every step, from t0 on.
func marks(t0 time.Time, n, size int, step time.Duration) []readMark {
	out := make([]readMark, n)
	for i := range out {
		out[i] = readMark{t0.Add(time.Duration(i+1) * step), size}
	}
	return out
}

func TestConnGain(t *testing.T) {
	t0 := time.Unix(1e9, 0)
	const kb = 16 << 10
	// One connection at 16 KB a millisecond; the second starts once the
	// first has 384 KB (past pairFrom).
	alone := marks(t0, 24, kb, time.Millisecond)
	join := alone[len(alone)-1].at
	for _, tc := range []struct {
		name      string
		a, b      []readMark
		gain      float64
		wantAlone bool
	}{
		// Each connection capped: both keep 16 KB/ms.
		{"capped per connection", append(slices.Clone(alone), marks(join, 20, kb, time.Millisecond)...), marks(join.Add(-time.Millisecond/2), 20, kb, time.Millisecond), 2, true},
		// One shared limit: each gets half.
		{"shared limit", append(slices.Clone(alone), marks(join, 20, kb/2, time.Millisecond)...), marks(join.Add(-time.Millisecond/2), 20, kb/2, time.Millisecond), 1, true},
		// The first connection was done before the second got going.
		{"no overlap", alone, marks(join.Add(time.Millisecond), 20, kb, time.Millisecond), 1, true},
		{"too fast to time", marks(t0, 64, kb, time.Microsecond), marks(t0.Add(30*time.Microsecond), 16, kb, time.Microsecond), 1, false},
		{"no second", alone, nil, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, a := connGain(tc.a, tc.b)
			if g < tc.gain-0.1 || g > tc.gain+0.1 || (a > 0) != tc.wantAlone {
				t.Errorf("gain %.2f, alone %.0f; want %.1f, alone measured %v", g, a, tc.gain, tc.wantAlone)
			}
			if tc.wantAlone && (a < 14e6 || a > 18e6) {
				t.Errorf("alone %.0f bytes/s, want 16.4e6", a)
			}
		})
	}
}

func TestSpreadConns(t *testing.T) {
	for _, tc := range []struct {
		conns, n int
		want     []int
	}{{8, 1, []int{4}}, {8, 2, []int{4, 4}}, {8, 3, []int{3, 3, 2}}, {2, 3, []int{1, 1, 0}}, {1, 2, []int{1, 0}}, {0, 2, []int{0, 0}}, {8, 0, []int{}}} {
		if got := spreadConns(tc.conns, tc.n, rangedPerMirror); !slices.Equal(got, tc.want) {
			t.Errorf("spreadConns(%d, %d) = %v, want %v", tc.conns, tc.n, got, tc.want)
		}
	}
	if r := scaledRate(1e6, 2, 4); r != 4e6 {
		t.Errorf("4 capped connections: %.0f, want 4e6", r)
	}
	if r := scaledRate(1e6, 1, 4); r != 1e6 {
		t.Errorf("4 connections sharing a limit: %.0f, want 1e6", r)
	}
}

// linkPacer holds every response of a server to one rate together, as a
// link that is the limit does, however many connections share it.
type linkPacer struct {
	mu   sync.Mutex
	rate float64
	next time.Time
}

func (l *linkPacer) writer(w http.ResponseWriter) http.ResponseWriter {
	return &linkWriter{ResponseWriter: w, l: l}
}

// capEach holds each response on its own to rate, as a mirror that caps
// every connection does: a linkPacer per response, whose bounded credit
// keeps a response that started late from catching up in a burst (a
// pacedWriter would, and under load that burst made one connection alone
// look 1.5 times as fast as it is).
func capEach(rate float64) pacer {
	return func(w http.ResponseWriter) http.ResponseWriter {
		return (&linkPacer{rate: rate}).writer(w)
	}
}

type linkWriter struct {
	http.ResponseWriter
	l *linkPacer
}

func (w *linkWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), 16<<10)
		m, err := w.ResponseWriter.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
		w.l.mu.Lock()
		// An idle link saves no credit, but a sleep that overran does
		// not lose its time either (else the rate falls short of rate).
		if idle := time.Now().Add(-20 * time.Millisecond); w.l.next.Before(idle) {
			w.l.next = idle
		}
		w.l.next = w.l.next.Add(time.Duration(float64(m) / w.l.rate * float64(time.Second)))
		d := time.Until(w.l.next)
		w.l.mu.Unlock()
		time.Sleep(d)
	}
	return written, nil
}

// A sample of a mirror that caps each connection measures a gain of two;
// one behind a shared limit, none. Real loopback servers, real pacing.
func TestSampleMeasuresSecondConnection(t *testing.T) {
	data := make([]byte, 3<<20)
	for _, tc := range []struct {
		name   string
		wrap   pacer
		lo, hi float64
	}{
		{"capped per connection", capEach(4e6), 1.6, 2},
		{"shared limit", (&linkPacer{rate: 4e6}).writer, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ranges []string
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				ranges = append(ranges, r.Header.Get("Range"))
				mu.Unlock()
				http.ServeContent(tc.wrap(w), r, "", time.Unix(1e9, 0), bytes.NewReader(data))
			}))
			defer srv.Close()
			s := sampleMirror(context.Background(), srv.Client(), srv.URL+"/f", true)
			if !s.ok || s.gain < tc.lo || s.gain > tc.hi {
				t.Errorf("sample ok %v, gain %.2f, want %.1f-%.1f", s.ok, s.gain, tc.lo, tc.hi)
			}
			if s.rate < 3e6 || s.rate > 5e6 {
				t.Errorf("rate %.0f, want about 4e6 (one connection alone)", s.rate)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := []string{sampleRange, "bytes=1048576-1310719"}; !slices.Equal(ranges, want) {
				t.Errorf("requests %q, want %q", ranges, want)
			}
		})
	}
}
