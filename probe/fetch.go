package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/internal/httpx"
)

// sample is the timing of one request. Durations of redirect hops add up:
// what the user waits for is the whole chain.
type sample struct {
	latency   time.Duration // request start to the final response's first byte
	ttfb      time.Duration // final request written to its first byte
	dns       time.Duration
	connect   time.Duration
	tls       time.Duration
	finalHost string
}

// tracer collects httptrace events. Its hooks may run on other goroutines
// (the dialer races IPv4 and IPv6), hence the mutex.
type tracer struct {
	mu        sync.Mutex
	start     time.Time
	s         sample
	dnsStart  time.Time
	connStart time.Time
	tlsStart  time.Time
	wrote     time.Time
	first     time.Time
	phase     string // what the request is waiting for, for timeout messages
}

func newTracer() *tracer { return &tracer{start: time.Now(), phase: "waiting for a connection"} }

func (t *tracer) set(f func(now time.Time)) {
	now := time.Now()
	t.mu.Lock()
	f(now)
	t.mu.Unlock()
}

func (t *tracer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			t.set(func(now time.Time) { t.dnsStart = now; t.phase = "resolving the host name" })
		},
		DNSDone: func(httptrace.DNSDoneInfo) {
			t.set(func(now time.Time) {
				if !t.dnsStart.IsZero() {
					t.s.dns += now.Sub(t.dnsStart)
				}
				t.dnsStart = time.Time{}
			})
		},
		ConnectStart: func(string, string) {
			t.set(func(now time.Time) {
				if t.connStart.IsZero() {
					t.connStart = now
				}
				t.phase = "connecting"
			})
		},
		ConnectDone: func(_, _ string, err error) {
			t.set(func(now time.Time) {
				if err == nil && !t.connStart.IsZero() {
					t.s.connect += now.Sub(t.connStart)
					t.connStart = time.Time{}
				}
			})
		},
		TLSHandshakeStart: func() {
			t.set(func(now time.Time) { t.tlsStart = now; t.phase = "in the TLS handshake" })
		},
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			t.set(func(now time.Time) {
				if !t.tlsStart.IsZero() {
					t.s.tls += now.Sub(t.tlsStart)
				}
				t.tlsStart = time.Time{}
			})
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			t.set(func(now time.Time) { t.wrote = now; t.phase = "connected, waiting for an answer" })
		},
		GotFirstResponseByte: func() {
			t.set(func(now time.Time) { t.first = now; t.phase = "reading the answer" })
		},
	}
}

// done freezes the sample at the final response's first byte.
func (t *tracer) done(finalHost string) sample {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	first := t.first
	if first.IsZero() {
		first = time.Now()
	}
	s.latency = first.Sub(t.start)
	if !t.wrote.IsZero() && first.After(t.wrote) {
		s.ttfb = first.Sub(t.wrote)
	}
	s.finalHost = finalHost
	return s
}

func (t *tracer) where() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.phase
}

// response is a fetched answer with its body read up to a limit.
type response struct {
	status  int
	header  http.Header
	body    []byte
	more    bool // the body was longer than the limit
	sample  sample
	request *http.Request // the final request, after redirects
}

// fetch sends one request and reads up to limit bytes of the body, so that a
// mirror answering with a huge page cannot make the probe download it. A
// body read completely lets the connection be reused by the next sample.
func fetch(ctx context.Context, c *http.Client, method, target string, hdr http.Header, limit int64) (*response, error) {
	tr := newTracer()
	if l, ok := ctx.Value(liveKey{}).(*live); ok {
		l.set(method+" "+target, tr)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), method, target, nil)
	if err != nil {
		return nil, failf(FailContent, "bad URL %q: %w", target, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, classify(ctx, err, tr)
	}
	defer resp.Body.Close()
	s := tr.done(resp.Request.URL.Host)
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, classify(ctx, fmt.Errorf("reading the answer: %w", err), tr)
	}
	more := int64(len(body)) > limit
	if more {
		body = body[:limit]
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body, more: more, sample: s, request: resp.Request}, nil
}

// classify turns a transport error into a probe failure with its class.
func classify(ctx context.Context, err error, tr *tracer) error {
	var (
		dnsErr   *net.DNSError
		unknownA x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, httpx.ErrStalled):
		where := "no answer"
		if tr != nil {
			where = tr.where()
		}
		return &probeError{class: FailTimeout, msg: where, err: err}
	case errors.As(err, &unknownA), errors.As(err, &hostErr), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &record), errors.As(err, &alert):
		return &probeError{class: FailTLS, msg: "TLS error: " + short(err), err: err}
	case errors.As(err, &dnsErr):
		return &probeError{class: FailNetwork, msg: fmt.Sprintf("DNS lookup of %s failed: %s", dnsErr.Name, dnsErr.Err), err: err}
	default:
		return &probeError{class: FailNetwork, msg: "network error: " + short(err), err: err}
	}
}

// short drops the "Get \"url\": " prefix net/http puts on errors; the table
// already shows the URL.
func short(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// statusError is the failure for a non-2xx answer.
func statusError(what string, r *response) error {
	msg := fmt.Sprintf("HTTP %d %s", r.status, http.StatusText(r.status))
	if what != "" {
		msg = what + ": " + msg
	}
	if looksHTML(r.header, r.body) {
		msg += " (an HTML page)"
	}
	return &probeError{class: FailStatus, msg: msg}
}

// looksHTML spots the login, captcha and error pages that some mirrors and
// captive portals serve in place of what was asked for.
func looksHTML(h http.Header, body []byte) bool {
	if ct := strings.ToLower(h.Get("Content-Type")); strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml") {
		return true
	}
	b := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 512)])))
	return strings.HasPrefix(b, "<!doctype html") || strings.HasPrefix(b, "<html") || strings.HasPrefix(b, "<head") || strings.HasPrefix(b, "<?xml")
}

// live is where an entry's probe stands, so that Run can say where a probe
// that did not return by the deadline was hanging.
type live struct {
	mu      sync.Mutex
	request string
	tr      *tracer
}

type liveKey struct{}

func (l *live) set(request string, tr *tracer) {
	l.mu.Lock()
	l.request, l.tr = request, tr
	l.mu.Unlock()
}

func (l *live) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tr == nil {
		return "not started: waiting for one of the connection slots (too many mirrors for the deadline)"
	}
	return l.request + ": " + l.tr.where()
}
