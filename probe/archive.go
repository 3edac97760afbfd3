package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
)

// headBytes is the ranged GET each archive sample asks for: enough for the
// magic bytes and for spotting an HTML page, small enough to cost a mirror
// nothing.
const headBytes = 1024

// Plausible archive sizes when no release index gave the exact one: every Go
// archive since 1.0 lies well inside these bounds, and a login page or an
// error document lies well outside.
const (
	minArchiveSize = 16 << 20
	maxArchiveSize = 1 << 30
)

// probeArchive proves an archive mirror: a ranged GET of the newest archive
// for the platform must return an archive (magic bytes, plausible or exact
// size, no HTML). With Options.Throughput, a bounded download sample then
// estimates the time to fetch the whole archive.
func (r *runner) probeArchive(ctx context.Context, c *http.Client, e entry, res *Result) error {
	var s samples
	defer func() { s.fill(res) }()
	// While the version sources answer, the first sample is a HEAD of the
	// mirror's base URL: it pays DNS, connect and TLS off the critical
	// path and times a round trip. Any HTTP answer will do (many mirrors
	// forbid listing their directory); the proof is the ranged GET below.
	if r.opts.Samples > 1 {
		resp, err := fetch(ctx, c, http.MethodHead, e.URL, nil, 0)
		if err != nil {
			return wrap("HEAD "+e.URL, err)
		}
		s = append(s, resp.sample)
	}
	version, err := r.board.wait(ctx)
	if err != nil {
		return err
	}
	p := r.opts.Platform
	file := dist.ArchiveName(version, p)
	res.File = file
	target := e.URL + file
	hdr := http.Header{
		"Range": {fmt.Sprintf("bytes=0-%d", headBytes-1)},
		// Without this net/http asks for gzip and would transparently
		// inflate a mirror's Content-Encoding: gzip, hiding the magic.
		"Accept-Encoding": {"identity"},
	}
	for proved := false; !proved || len(s) < r.opts.Samples; proved = true {
		resp, err := fetch(ctx, c, http.MethodGet, target, hdr, headBytes)
		if err != nil {
			if proved && partial(err, res, len(s), r.opts.Samples) {
				return nil
			}
			return wrap(file, err)
		}
		s = append(s, resp.sample)
		if !proved {
			size, err := checkArchive(resp, version, p, r.board)
			if err != nil {
				return wrap(file, err)
			}
			res.SizeBytes = size
		} else if resp.status != http.StatusOK && resp.status != http.StatusPartialContent {
			return statusError(file, resp)
		}
	}
	if !r.opts.Throughput {
		return nil
	}
	s.fill(res) // the estimate below needs the latency
	bps, err := r.throughput(ctx, c, target)
	if err != nil {
		return wrap(file+" (throughput sample)", err)
	}
	res.ThroughputBytesPerSec = bps
	if bps > 0 {
		res.FetchEstimateMS = res.LatencyMS + float64(res.SizeBytes)/bps*1000
	} else {
		res.ThroughputCutShort = true
		res.Note = joinNote(res.Note, "no time left for a throughput sample before the deadline")
	}
	return nil
}

// checkArchive checks the first sample's answer and returns the archive size.
func checkArchive(resp *response, version string, p dist.Platform, b *board) (int64, error) {
	switch {
	case resp.status == http.StatusNotFound || resp.status == http.StatusGone:
		return 0, failf(FailStatus, "HTTP %d: the mirror does not have %s (stale, or another directory layout)", resp.status, version)
	case resp.status != http.StatusOK && resp.status != http.StatusPartialContent:
		return 0, statusError("", resp)
	}
	// The bytes decide, not the Content-Type, which some mirrors get wrong.
	magic, kind := []byte{0x1f, 0x8b}, "gzip"
	if p.OS == "windows" {
		magic, kind = []byte("PK\x03\x04"), "zip"
	}
	if !bytes.HasPrefix(resp.body, magic) {
		if looksHTML(resp.header, resp.body) {
			return 0, failf(FailContent, "an HTML page, not an archive (a login, captcha or error page?)")
		}
		return 0, failf(FailContent, "does not start with the %s magic bytes (% x); not a Go archive", kind, resp.body[:min(len(resp.body), 4)])
	}
	size, err := announcedSize(resp)
	if err != nil {
		return 0, err
	}
	file := dist.ArchiveName(version, p)
	if want, ok := b.size(file); ok && want > 0 {
		if size != want {
			return size, failf(FailContent, "size %d bytes, but the official release index says %d: a truncated or different file", size, want)
		}
		return size, nil
	}
	if size < minArchiveSize || size > maxArchiveSize {
		return size, failf(FailContent, "size %d bytes is implausible for a Go archive", size)
	}
	return size, nil
}

// announcedSize is the full size from Content-Range (a 206) or
// Content-Length (a 200 from a server that ignores Range).
func announcedSize(resp *response) (int64, error) {
	if resp.status == http.StatusPartialContent {
		cr := resp.header.Get("Content-Range")
		_, total, ok := strings.Cut(cr, "/")
		n, err := strconv.ParseInt(total, 10, 64)
		if !ok || err != nil || n <= 0 {
			return 0, failf(FailContent, "a partial answer without a total size (Content-Range %q)", cr)
		}
		return n, nil
	}
	n, err := strconv.ParseInt(resp.header.Get("Content-Length"), 10, 64)
	if err != nil || n <= 0 {
		return 0, failf(FailContent, "the mirror announced no size for the archive")
	}
	return n, nil
}

// throughput downloads at most ThroughputBytes for at most ThroughputTime,
// ending before the overall deadline, and returns the rate measured from the
// first body byte. 0 means there was no time left to measure.
func (r *runner) throughput(ctx context.Context, c *http.Client, target string) (float64, error) {
	end := time.Now().Add(ThroughputTime)
	if d := r.deadline.Add(-epsilon); d.Before(end) {
		end = d
	}
	if time.Until(end) < 100*time.Millisecond {
		return 0, nil
	}
	tctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=0-%d", ThroughputBytes-1))
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := c.Do(req)
	if err != nil {
		if tctx.Err() != nil && ctx.Err() == nil {
			return 0, failf(FailTimeout, "no answer within the %s throughput window", ThroughputTime)
		}
		return 0, classify(ctx, err, nil)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return 0, failf(FailStatus, "HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	start := time.Now()
	var n int64
	buf := make([]byte, 32<<10)
	for n < ThroughputBytes {
		k, err := resp.Body.Read(buf)
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			if tctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
				break // the time bound: measure what arrived
			}
			return 0, classify(ctx, err, nil)
		}
	}
	elapsed := time.Since(start)
	if n == 0 {
		return 0, failf(FailTimeout, "stalled: no data within %s", elapsed.Round(time.Millisecond))
	}
	if elapsed <= 0 {
		elapsed = time.Microsecond
	}
	return float64(n) / elapsed.Seconds(), nil
}
