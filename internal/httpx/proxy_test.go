package httpx

import (
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHTTPSProxyIsHonoured runs a CONNECT proxy on loopback and a TLS server
// that answers as example.com, a name this machine cannot resolve. The client
// can only reach it through the proxy named in HTTPS_PROXY, trusting the
// server's certificate through SSL_CERT_FILE, as behind a TLS-intercepting
// corporate proxy. net/http reads proxy variables once per process, so the
// client runs in a child process.
func TestHTTPSProxyIsHonoured(t *testing.T) {
	if os.Getenv("GOSETUP_HTTPX_CHILD") == "1" {
		t.Skip("child")
	}
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "via proxy: "+r.Host)
	}))
	defer origin.Close()

	var connects atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Host != "example.com:443" {
			http.Error(w, "only CONNECT example.com:443", http.StatusForbidden)
			return
		}
		connects.Add(1)
		up, err := net.Dial("tcp", origin.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		go func() { io.Copy(up, buf); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	defer proxy.Close()

	bundle := filepath.Join(t.TempDir(), "corp.pem")
	os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: origin.Certificate().Raw}), 0o644)

	run := func(noProxy string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProxyChild$", "-test.v")
		cmd.Env = append(os.Environ(),
			"GOSETUP_HTTPX_CHILD=1",
			"HTTPS_PROXY="+proxy.URL, "https_proxy="+proxy.URL,
			"NO_PROXY="+noProxy, "no_proxy="+noProxy,
			"SSL_CERT_FILE="+bundle)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("")
	if err != nil || !strings.Contains(out, "via proxy: example.com") {
		t.Fatalf("request through HTTPS_PROXY failed: %v\n%s", err, out)
	}
	if connects.Load() == 0 {
		t.Fatal("the proxy saw no CONNECT")
	}
	before := connects.Load()
	out, err = run("example.com")
	// Without the proxy the name resolves nowhere here (or to the real
	// example.com elsewhere); either way the proxy must not be used.
	if strings.Contains(out, "via proxy") || connects.Load() != before {
		t.Fatalf("NO_PROXY=example.com was not honoured: err=%v connects=%d→%d\n%s", err, before, connects.Load(), out)
	}
}

func TestProxyChild(t *testing.T) {
	if os.Getenv("GOSETUP_HTTPX_CHILD") != "1" {
		t.Skip("run by TestHTTPSProxyIsHonoured")
	}
	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get("https://example.com/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	t.Log(string(b))
}
