package toolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/httpx"
)

// mirror is one place a file can be downloaded from.
type mirror struct {
	Name string // catalogue name, or the URL for an ad-hoc mirror
	URL  string // the file's full URL on this mirror
}

// fetchConfig tunes a download.
type fetchConfig struct {
	client *http.Client
	// stall aborts a response that delivers no byte for this long.
	stall time.Duration
	// attempts is how many transient failures (network errors, timeouts,
	// 5xx) each mirror may have before it is abandoned.
	attempts int
	// backoff is the first wait after a transient failure; it doubles.
	backoff time.Duration
	// size is the expected length, or -1 if unknown (it is then learnt from
	// the first response and enforced on resumes).
	size int64
	// max, if positive, caps the length when no trusted size is known (a
	// module zip): a proxy streaming without end must not fill the disk.
	max int64
	// magic is what the file must start with; an HTML error page or a
	// captive portal fails this before any byte reaches the unpacker.
	magic []byte
	rep   *reporter
	// restart, if set, is called when a server answers a resume with the
	// whole file (200): the consumer discards what it has and the stream
	// starts over from byte 0. Without it those bytes are skipped instead.
	restart func() error
	// lowSpeed and lowSpeedTime are curl's --speed-limit and --speed-time:
	// a connection that delivers less than lowSpeed bytes a second over
	// lowSpeedTime of waiting for the network is abandoned, provided
	// another source is left to try (a mirror of this stream, or, with
	// otherSource, another channel). lowSpeed <= 0 disables the check.
	lowSpeed     int64
	lowSpeedTime time.Duration
	otherSource  bool
}

// slowError is a mirror abandoned for being far too slow; like a server
// error it is retried when no other source is left.
type slowError struct{ err error }

func (e slowError) Error() string { return e.err.Error() }
func (e slowError) Unwrap() error { return e.err }

// permanentError marks a mirror as unusable for this file (404, wrong
// content); transient errors are retried.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// serverError is a 5xx or 429: abandon the mirror if another is left,
// else retry it like a network error.
type serverError struct{ err error }

func (e serverError) Error() string { return e.err.Error() }
func (e serverError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return permanentError{fmt.Errorf(format, args...)}
}

// MirrorError records why a mirror was abandoned.
type MirrorError struct {
	Mirror string
	Err    error
}

func (e MirrorError) Error() string { return e.Mirror + ": " + e.Err.Error() }
func (e MirrorError) Unwrap() error { return e.Err }

// AllMirrorsFailedError lists every mirror's failure.
type AllMirrorsFailedError struct{ Failures []MirrorError }

func (e *AllMirrorsFailedError) Error() string {
	var parts []string
	for _, f := range e.Failures {
		parts = append(parts, f.Error())
	}
	return "every mirror failed: " + strings.Join(parts, "; ")
}

func (e *AllMirrorsFailedError) Unwrap() []error {
	var errs []error
	for _, f := range e.Failures {
		errs = append(errs, f)
	}
	return errs
}

// stream reads one file from a list of mirrors as a single byte stream.
// When a connection drops or stalls it resumes at the same offset with an
// HTTP Range request (If-Range guards against the file changing under it),
// on the same mirror or, after repeated failures, on the next one: the
// caller's checksum over the whole stream catches any inconsistency. Bytes
// flow to the caller as they arrive, so hashing and unpacking overlap the
// download.
type stream struct {
	ctx     context.Context
	abort   context.CancelFunc // ends any read in progress
	cfg     fetchConfig
	mirrors []mirror

	cur      int   // index of the mirror in use
	off      int64 // bytes delivered to the caller
	fails    []int // transient failures per mirror
	dead     []bool
	served   []bool // mirrors that delivered bytes of this stream
	failures []MirrorError
	streak   int // transient failures since the last delivered byte

	body      io.ReadCloser
	stallR    *httpx.StallReader
	cancelReq context.CancelFunc
	validator string // ETag or Last-Modified of the current mirror's file
	valFrom   int    // mirror index the validator came from
	connected bool   // the connect event was sent for cur
	eof       bool   // the whole file has been delivered
	// fromCache is true while the consumer's copy starts with bytes kept
	// by an earlier run, which no mirror of this stream is to blame for.
	fromCache bool
	// badBytes is set once a mirror served bytes that cannot be the file
	// (wrong leading bytes, more than it may have): what was kept of the
	// download is not worth resuming.
	badBytes bool

	// The low-speed window of the current connection: bytes received and
	// time spent waiting in Read for them (time the consumer takes between
	// reads, such as a slow disk, does not count against the mirror).
	winBytes int64
	winWait  time.Duration
	slowSaid bool // the "very slow, but nothing else to try" note was sent
}

func newStream(ctx context.Context, cfg fetchConfig, mirrors []mirror) *stream {
	if cfg.attempts <= 0 {
		cfg.attempts = 3
	}
	if cfg.stall <= 0 {
		cfg.stall = 30 * time.Second
	}
	if cfg.backoff <= 0 {
		cfg.backoff = time.Second
	}
	ctx, abort := context.WithCancel(ctx)
	return &stream{
		ctx: ctx, abort: abort, cfg: cfg, mirrors: mirrors,
		fails: make([]int, len(mirrors)), dead: make([]bool, len(mirrors)), served: make([]bool, len(mirrors)),
		valFrom: -1,
	}
}

// Mirror is the mirror currently (or last) serving the stream.
func (s *stream) Mirror() mirror {
	if s.cur < len(s.mirrors) {
		return s.mirrors[s.cur]
	}
	return mirror{}
}

// Served lists the indexes of the mirrors that delivered bytes.
func (s *stream) Served() []int {
	var out []int
	for i, ok := range s.served {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// resumeFrom starts the stream at off, for a consumer that already holds
// the first off bytes (a download cached by an earlier run). validator is
// the ETag or Last-Modified that url served then.
func (s *stream) resumeFrom(off int64, url, validator string) {
	s.off = off
	s.fromCache = off > 0
	s.cfg.rep.resumed(off)
	for i, m := range s.mirrors {
		if m.URL == url && validator != "" {
			s.validator, s.valFrom = validator, i
		}
	}
}

// Validator is the current mirror's URL and the ETag or Last-Modified it
// served, for resuming in a later run.
func (s *stream) Validator() (url, validator string) {
	if s.valFrom >= 0 && s.valFrom < len(s.mirrors) {
		return s.mirrors[s.valFrom].URL, s.validator
	}
	return "", ""
}

// Close ends the download and releases its connection. Use Abort to
// interrupt a Read running on another goroutine.
func (s *stream) Close() error {
	s.abort()
	s.closeBody()
	return nil
}

// Abort makes a Read in progress (on any goroutine) return promptly.
func (s *stream) Abort() { s.abort() }

func (s *stream) closeBody() {
	if s.body != nil {
		s.stallR.Close()
		s.body.Close()
		s.cancelReq()
		s.body = nil
	}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.eof {
		return 0, io.EOF
	}
	for {
		if err := s.ctx.Err(); err != nil {
			s.closeBody()
			return 0, err
		}
		if s.body == nil {
			if err := s.open(); err != nil {
				return 0, err
			}
			if s.eof {
				return 0, io.EOF
			}
		}
		if s.cfg.size >= 0 && int64(len(p)) > s.cfg.size-s.off+1 {
			// Read one byte past the expected end to notice an overlong file.
			p = p[:s.cfg.size-s.off+1]
		}
		t0 := time.Now()
		n, err := s.stallR.Read(p)
		slow := s.checkSpeed(n, time.Since(t0))
		if n > 0 {
			if perr := s.checkBytes(p[:n]); perr != nil {
				s.badBytes = true
				s.failMirror(perr)
				continue
			}
			s.off += int64(n)
			s.served[s.cur] = true
			s.streak = 0
			s.cfg.rep.addBytes(n)
			if slow != nil && err == nil {
				// Keep what did arrive; the next source resumes after it.
				s.failMirror(slow)
			}
			return n, nil
		}
		if slow != nil && err == nil {
			s.failMirror(slow)
			continue
		}
		if err == io.EOF {
			if s.cfg.size >= 0 && s.off < s.cfg.size {
				s.failMirror(permanent("the file ended after %d of %d bytes", s.off, s.cfg.size))
				continue
			}
			s.closeBody()
			s.eof = true
			return 0, io.EOF
		}
		if err == nil {
			continue
		}
		if s.ctx.Err() != nil {
			s.closeBody()
			return 0, s.ctx.Err()
		}
		// A dropped or stalled connection: resume.
		s.failMirror(fmt.Errorf("connection lost after %d bytes: %w", s.off, err))
	}
}

// checkSpeed adds one Read (n bytes after waiting d) to the low-speed
// window and returns a slowError when the window is full and its rate is
// below the limit while another source is left; it then starts a new
// window. With nothing else to try the slow mirror is kept, and said to
// be slow once.
func (s *stream) checkSpeed(n int, d time.Duration) error {
	if s.cfg.lowSpeed <= 0 || s.cfg.lowSpeedTime <= 0 {
		return nil
	}
	s.winBytes += int64(n)
	s.winWait += d
	if s.winWait < s.cfg.lowSpeedTime {
		return nil
	}
	rate := float64(s.winBytes) / s.winWait.Seconds()
	window := s.winWait
	s.winBytes, s.winWait = 0, 0
	if rate >= float64(s.cfg.lowSpeed) {
		return nil
	}
	if !s.othersAlive() && !s.cfg.otherSource {
		if !s.slowSaid {
			s.slowSaid = true
			m := s.mirrors[s.cur]
			s.cfg.rep.emit(Event{Phase: PhaseConnect, Mirror: m.Name, URL: m.URL,
				Message: fmt.Sprintf("very slow (%s over the last %s), but no other source is left to try", formatRate(rate), window.Round(time.Second))})
		}
		return nil
	}
	return slowError{fmt.Errorf("too slow: %s over %s, below the low-speed limit of %s", formatRate(rate), window.Round(100*time.Millisecond), formatRate(float64(s.cfg.lowSpeed)))}
}

func formatRate(bps float64) string {
	switch {
	case bps >= 1e6:
		return fmt.Sprintf("%.1f MB/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.1f kB/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f B/s", bps)
}

// checkBytes rejects content that cannot be the file: the wrong leading
// bytes (an HTML page, say) or more bytes than the index promises.
func (s *stream) checkBytes(b []byte) error {
	if s.off < int64(len(s.cfg.magic)) {
		want := s.cfg.magic[s.off:]
		got := b
		if len(got) > len(want) {
			got = got[:len(want)]
		}
		if string(got) != string(want[:len(got)]) {
			return permanent("served something that is not the expected file (it starts with %q)", printable(b))
		}
	}
	if s.cfg.size >= 0 && s.off+int64(len(b)) > s.cfg.size {
		return permanent("served more than the expected %d bytes", s.cfg.size)
	}
	if s.cfg.max > 0 && s.off+int64(len(b)) > s.cfg.max {
		return permanent("served more than %d bytes, more than the file may have", s.cfg.max)
	}
	return nil
}

func printable(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '.'
		}
		return r
	}, string(b))
}

// failMirror records a failure of the current mirror and decides whether to
// retry it (after a backoff) or move on.
func (s *stream) failMirror(err error) {
	s.closeBody()
	m := s.mirrors[s.cur]
	var pe permanentError
	var se serverError
	var slow slowError
	if errors.As(err, &pe) || errors.As(err, &se) && s.othersAlive() || errors.As(err, &slow) {
		// A slow mirror is only ever reported when another source is left.
		s.dead[s.cur] = true
	} else {
		s.fails[s.cur]++
		if s.fails[s.cur] >= s.cfg.attempts {
			s.dead[s.cur] = true
		}
	}
	if s.dead[s.cur] {
		s.failures = append(s.failures, MirrorError{Mirror: m.Name, Err: err})
		s.cfg.rep.emit(Event{Phase: PhaseFailover, Mirror: m.Name, URL: m.URL, Err: err})
		s.connected = false
		s.cur = s.next()
	} else {
		s.streak++
		s.sleep(err)
	}
}

// othersAlive reports whether a mirror other than cur is still usable.
func (s *stream) othersAlive() bool {
	for i, d := range s.dead {
		if i != s.cur && !d {
			return true
		}
	}
	return false
}

// next picks the next live mirror after cur, wrapping around.
func (s *stream) next() int {
	for i := 1; i <= len(s.mirrors); i++ {
		j := (s.cur + i) % len(s.mirrors)
		if !s.dead[j] {
			return j
		}
	}
	return len(s.mirrors)
}

func (s *stream) sleep(cause error) {
	d := s.cfg.backoff << min(s.streak-1, 4)
	s.cfg.rep.emit(Event{Phase: PhaseConnect, Mirror: s.mirrors[s.cur].Name, URL: s.mirrors[s.cur].URL,
		Message: fmt.Sprintf("retrying in %s after: %v", d.Round(time.Millisecond), cause)})
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
	}
}

// open connects to the current mirror at the current offset, failing over
// as needed; it returns an error only when every mirror is exhausted or the
// context ends.
func (s *stream) open() error {
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		if s.cur >= len(s.mirrors) {
			if len(s.failures) == 0 {
				return errors.New("no mirror to download from")
			}
			return &AllMirrorsFailedError{Failures: s.failures}
		}
		err := s.connect()
		if err == nil {
			return nil
		}
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		s.failMirror(err)
	}
}

func (s *stream) connect() error {
	m := s.mirrors[s.cur]
	if !s.connected {
		s.cfg.rep.setChannel(s.cfg.rep.sourceOf(), m.Name)
		s.cfg.rep.emit(Event{Phase: PhaseConnect, Mirror: m.Name, URL: m.URL})
		s.connected = true
	}
	reqCtx, cancel := context.WithCancel(s.ctx)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, m.URL, nil)
	if err != nil {
		cancel()
		return permanent("bad URL: %v", err)
	}
	if s.off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", s.off))
		if s.validator != "" && s.valFrom == s.cur {
			req.Header.Set("If-Range", s.validator)
		}
	}
	// Ask for the bytes as stored: a transparently gunzipped .tar.gz would
	// fail the checksum.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := s.cfg.client.Do(req)
	if err != nil {
		cancel()
		return err
	}
	ok := false
	defer func() {
		if !ok {
			resp.Body.Close()
			cancel()
		}
	}()
	if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && s.off > 0 {
		// "bytes */N" with N == off: what we hold is already the whole file.
		if rest, ok := strings.CutPrefix(resp.Header.Get("Content-Range"), "bytes */"); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n == s.off && (s.cfg.size < 0 || s.cfg.size == n) {
				s.eof = true
				return nil
			}
		}
		if s.cfg.restart != nil {
			// What we hold is longer than the file: not a prefix of it.
			if err := s.cfg.restart(); err != nil {
				return permanentError{err}
			}
			s.cfg.rep.startDownload(s.cfg.size)
			s.off, s.fromCache = 0, false
			return fmt.Errorf("the partial download is longer than the file on %s; starting over", m.Name)
		}
	}
	if err := s.checkResponse(resp); err != nil {
		return err
	}
	if resp.StatusCode == http.StatusOK && s.off > 0 && s.cfg.restart != nil {
		// The file changed (If-Range) or Range is not supported: start over.
		if err := s.cfg.restart(); err != nil {
			return permanentError{err}
		}
		s.cfg.rep.startDownload(s.cfg.size)
		s.off, s.fromCache = 0, false
	}
	if resp.StatusCode == http.StatusOK && s.off > 0 {
		// The server ignored Range (or If-Range said the file changed):
		// skip what we already have. The final checksum decides whether the
		// two halves belong together.
		if _, err := io.CopyN(io.Discard, resp.Body, s.off); err != nil {
			return fmt.Errorf("skipping %d bytes already downloaded: %w", s.off, err)
		}
	}
	if v := resp.Header.Get("ETag"); v != "" && !strings.HasPrefix(v, "W/") {
		s.validator, s.valFrom = v, s.cur
	} else if v := resp.Header.Get("Last-Modified"); v != "" {
		s.validator, s.valFrom = v, s.cur
	}
	ok = true
	s.body = resp.Body
	s.cancelReq = cancel
	s.winBytes, s.winWait = 0, 0
	s.stallR = httpx.NewStallReader(resp.Body, s.cfg.stall, cancel)
	return nil
}

func (s *stream) checkResponse(resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return permanent("not found (%s)", untrusted(resp.Status, 100))
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		// A failing server: the next mirror is likely faster than waiting,
		// but the last one left is retried with backoff.
		return serverError{fmt.Errorf("server error (%s)", untrusted(resp.Status, 100))}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		return permanent("cannot resume at byte %d (%s): its copy is shorter", s.off, untrusted(resp.Status, 100))
	case resp.StatusCode == http.StatusOK, resp.StatusCode == http.StatusPartialContent:
	default:
		return permanent("unexpected response %s", untrusted(resp.Status, 100))
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "text/html" {
		return permanent("served an HTML page (%s) instead of the file; a login page or an error page?", untrusted(resp.Header.Get("Content-Type"), 100))
	}
	if resp.StatusCode == http.StatusPartialContent {
		if s.off == 0 {
			return permanent("answered 206 to a request without Range")
		}
		start, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil {
			return permanent("bad Content-Range: %v", err)
		}
		if start != s.off {
			return permanent("resumed at byte %d instead of %d", start, s.off)
		}
		if total >= 0 && s.cfg.size >= 0 && total != s.cfg.size {
			return permanent("has %d bytes where %d are expected (a different file?)", total, s.cfg.size)
		}
		if s.cfg.max > 0 && total > s.cfg.max {
			return permanent("announces %d bytes, more than the %d the file may have", total, s.cfg.max)
		}
		if total >= 0 && s.cfg.size < 0 {
			s.cfg.size = total
			s.cfg.rep.setTotal(total)
		}
		return nil
	}
	if s.cfg.max > 0 && resp.ContentLength > s.cfg.max {
		return permanent("announces %d bytes, more than the %d the file may have", resp.ContentLength, s.cfg.max)
	}
	if resp.ContentLength >= 0 {
		if s.cfg.size < 0 {
			s.cfg.size = resp.ContentLength
			s.cfg.rep.setTotal(resp.ContentLength)
		} else if resp.ContentLength != s.cfg.size {
			return permanent("has %d bytes where %d are expected (a different file?)", resp.ContentLength, s.cfg.size)
		}
	}
	return nil
}

// parseContentRange parses "bytes START-END/TOTAL" (TOTAL may be "*").
func parseContentRange(v string) (start, total int64, err error) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, fmt.Errorf("%q", v)
	}
	rng, tot, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, fmt.Errorf("%q", v)
	}
	a, _, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q", v)
	}
	if start, err = strconv.ParseInt(a, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("%q", v)
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("%q", v)
		}
	}
	return start, total, nil
}
