package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// A throttled connection delivers every byte, Range requests included:
// the pacing must not corrupt or truncate what the benchmark downloads.
// The rate is high so the test stays fast; it asserts no timing.
func TestThrottledConnServesRanges(t *testing.T) {
	data := make([]byte, 1<<20)
	rand.Read(data)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(data))
	})}
	go srv.Serve(throttledListener{ln, 64 << 20})
	t.Cleanup(func() { srv.Close() })
	url := "http://" + ln.Addr().String() + "/f"

	get := func(rng string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if got := get(""); !bytes.Equal(got, data) {
		t.Fatalf("whole file: got %d bytes, want the %d served", len(got), len(data))
	}
	if got := get("bytes=1000-300000"); !bytes.Equal(got, data[1000:300001]) {
		t.Fatalf("range: got %d bytes, want %d matching", len(got), 299001)
	}
}

// The bucket paces: a connection capped at rate sends n bytes in about
// n/rate. Only a lower bound is checked (a loaded machine is only ever
// slower), with slack for the burst the bucket allows.
func TestThrottledConnPaces(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	const rate = 4 << 20
	c := &throttledConn{Conn: a, rate: rate, burst: rate / 50, last: time.Now()}
	go io.Copy(io.Discard, b)
	start := time.Now()
	if _, err := c.Write(make([]byte, rate/2)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("%d bytes at %d B/s took %v, want about 500ms", rate/2, rate, d)
	}
}
