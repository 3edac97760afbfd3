// Package httpx builds the HTTP client every gosetup network call uses, so
// that all of them send the same User-Agent, honour HTTPS_PROXY/NO_PROXY and
// the SSL_CERT_FILE trust store, and time out on dead or stalled peers.
package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gosetup/gosetup/internal/buildinfo"
)

// Version is gosetup's version (see internal/buildinfo, its one source).
func Version() string { return buildinfo.Version() }

// UserAgent is the User-Agent header gosetup sends. Some mirrors (USTC)
// redirect unknown default agents elsewhere, so it is never Go's default.
func UserAgent() string { return "gosetup/" + Version() }

// Options tunes a client. Zero fields take the defaults.
type Options struct {
	// ConnectTimeout bounds TCP connect (default 10s).
	ConnectTimeout time.Duration
	// TLSTimeout bounds the TLS handshake (default 10s).
	TLSTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers (default 20s).
	HeaderTimeout time.Duration
	// MaxConnsPerHost limits parallel connections to one host (default 8).
	MaxConnsPerHost int
	// Getenv reads SSL_CERT_FILE; nil means os.Getenv. Proxy settings are
	// read by net/http from the process environment.
	Getenv func(string) string
}

// NewClient returns a client configured as described in the package comment.
// Redirects are followed (net/http's default policy, up to 10).
func NewClient(opts Options) (*http.Client, error) {
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.TLSTimeout == 0 {
		opts.TLSTimeout = 10 * time.Second
	}
	if opts.HeaderTimeout == 0 {
		opts.HeaderTimeout = 20 * time.Second
	}
	if opts.MaxConnsPerHost == 0 {
		opts.MaxConnsPerHost = 8
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	roots, err := trustStore(getenv)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.TLSTimeout,
		ResponseHeaderTimeout: opts.HeaderTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   opts.MaxConnsPerHost,
		MaxConnsPerHost:       opts.MaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
	}
	return &http.Client{Transport: &uaTransport{base: tr}}, nil
}

// trustStore returns nil (the system pool) unless SSL_CERT_FILE names a file,
// in which case its certificates are added to the system pool. On Linux the
// standard library already reads SSL_CERT_FILE; doing it here makes macOS and
// Windows behave the same for TLS-intercepting corporate proxies.
func trustStore(getenv func(string) string) (*x509.CertPool, error) {
	path := getenv("SSL_CERT_FILE")
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading SSL_CERT_FILE: %w (unset it or point it at a PEM bundle)", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("SSL_CERT_FILE %s holds no PEM certificates; point it at a PEM bundle", path)
	}
	return pool, nil
}

// WithUserAgent wraps a transport so that every request it sends carries
// gosetup's User-Agent. NewClient uses it; so does the probe for the
// per-mirror transports it clones from Base.
func WithUserAgent(rt http.RoundTripper) http.RoundTripper { return &uaTransport{base: rt} }

type uaTransport struct{ base http.RoundTripper }

func (t *uaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", UserAgent())
	}
	return t.base.RoundTrip(req)
}

// Base returns the *http.Transport under a client made by NewClient, for
// callers (the probe) that need to tune or close idle connections.
func Base(c *http.Client) *http.Transport {
	if u, ok := c.Transport.(*uaTransport); ok {
		if tr, ok := u.base.(*http.Transport); ok {
			return tr
		}
	}
	return nil
}

// ErrStalled is returned by a StallReader when no byte arrived in time.
var ErrStalled = errors.New("connection stalled: no data received")

// StallReader wraps a response body so that a read which makes no progress
// for timeout cancels the request (through cancel) and fails with ErrStalled.
// A plain client timeout cannot do this: it would also kill a slow but live
// download of a 70 MB archive.
type StallReader struct {
	r       io.Reader
	timeout time.Duration
	mu      sync.Mutex
	timer   *time.Timer
	fired   bool
}

// NewStallReader starts the watchdog. Close stops it.
func NewStallReader(r io.Reader, timeout time.Duration, cancel context.CancelFunc) *StallReader {
	s := &StallReader{r: r, timeout: timeout}
	s.timer = time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.fired = true
		s.mu.Unlock()
		cancel()
	})
	return s
}

func (s *StallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.timeout)
	}
	if err != nil && err != io.EOF {
		s.mu.Lock()
		fired := s.fired
		s.mu.Unlock()
		if fired {
			return n, fmt.Errorf("%w for %s", ErrStalled, s.timeout)
		}
	}
	return n, err
}

// Close stops the watchdog; it does not close the underlying reader.
func (s *StallReader) Close() error {
	s.timer.Stop()
	return nil
}

// OrDefault is c, or when c is nil a client from NewClient(Options{}) (the
// process's SSL_CERT_FILE and proxy settings, gosetup's User-Agent and
// timeouts). Every package treats a nil client this way, so that leaving
// it out never means a bare http.DefaultClient without timeouts.
func OrDefault(c *http.Client) (*http.Client, error) {
	if c != nil {
		return c, nil
	}
	return NewClient(Options{})
}
