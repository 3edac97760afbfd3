package main

import (
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// The byte count covers a file sent by sendfile (the *os.File path) and a
// Range answer, and stays below the body plus a header's worth.
func TestCountingConnCountsSentFiles(t *testing.T) {
	data := make([]byte, 1<<20)
	rand.Read(data)
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(p)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "f", time.Time{}, f)
	})}
	go srv.Serve(countingListener{ln, &n})
	t.Cleanup(func() { srv.Close() })
	get := func(rng string) int64 {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/f", nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		m, _ := io.Copy(io.Discard, resp.Body)
		return m
	}
	body := get("") + get("bytes=0-99999")
	// The server's write may land just after the client read the body.
	deadline := time.Now().Add(10 * time.Second)
	for n.Load() < body && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := n.Load(); got < body || got > body+2<<10 {
		t.Errorf("counted %d bytes for %d bytes of bodies", got, body)
	}
}
