package httpx

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUserAgentIsSent(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.UserAgent()
	}))
	defer srv.Close()
	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ua := <-got; !strings.HasPrefix(ua, "gosetup/") {
		t.Errorf("User-Agent = %q, want gosetup/<version>", ua)
	}
}

func TestSSLCertFileIsTrusted(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	// Without the server's certificate in the trust store, TLS must fail.
	plain, err := NewClient(Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Get(srv.URL); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}

	bundle := filepath.Join(t.TempDir(), "corp.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(bundle, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(Options{Getenv: func(k string) string {
		if k == "SSL_CERT_FILE" {
			return bundle
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("SSL_CERT_FILE certificate not trusted: %v", err)
	}
	resp.Body.Close()
}

func TestSSLCertFileErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.pem")
	os.WriteFile(empty, []byte("not a certificate"), 0o644)
	for _, path := range []string{empty, filepath.Join(t.TempDir(), "missing.pem")} {
		_, err := NewClient(Options{Getenv: func(k string) string { return path }})
		if err == nil || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
			t.Errorf("NewClient with SSL_CERT_FILE=%s: err = %v", path, err)
		}
	}
}

func TestStallReaderCancelsStalledBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	c, _ := NewClient(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sr := NewStallReader(resp.Body, 200*time.Millisecond, cancel)
	defer sr.Close()
	start := time.Now()
	_, err = io.ReadAll(sr)
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("err = %v, want ErrStalled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stall detected after %v", d)
	}
}

// A body whose bytes come slowly, each gap well inside the stall timeout,
// is not cut even though the whole read takes longer than the timeout.
// The gaps are the input here, not synchronisation; their ratio to the
// timeout (1:4) leaves room for a loaded machine.
func TestStallReaderAllowsSlowProgress(t *testing.T) {
	const gap, timeout = 250 * time.Millisecond, time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 5; i++ {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			select {
			case <-time.After(gap):
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer srv.Close()
	c, _ := NewClient(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sr := NewStallReader(resp.Body, timeout, cancel)
	defer sr.Close()
	start := time.Now()
	b, err := io.ReadAll(sr)
	if err != nil || string(b) != "xxxxx" {
		t.Fatalf("slow but live body: %q, %v", b, err)
	}
	if took := time.Since(start); took < timeout {
		t.Errorf("the body took %s, less than the timeout %s: the test proved nothing", took, timeout)
	}
}
