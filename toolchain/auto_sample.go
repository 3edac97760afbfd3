package toolchain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	modzip "golang.org/x/mod/zip"

	"github.com/gosetup/gosetup/internal/dist"
)

// Bounds of the download-rate sample --source auto takes of each channel:
// one leading range of at most sampleBytes per mirror, all at once, for at
// most sampleTime in all. A megabyte is past most of TCP slow start on a
// fast link yet a small share of a 70 MB toolchain; a second is what a
// slow link may cost before the real download starts.
const (
	sampleBytes = 1 << 20
	sampleTime  = time.Second
	// inflateMeasure is how long the sampled bytes are inflated over and
	// over to time one core's inflate speed (a single pass over a
	// megabyte is a few milliseconds: too short to time on a busy machine).
	inflateMeasure = 10 * time.Millisecond
)

// sampleRange is the Range header of a sample request.
var sampleRange = fmt.Sprintf("bytes=0-%d", sampleBytes-1)

// mirrorSample is what one sample request measured.
type mirrorSample struct {
	ok    bool
	rate  float64 // bytes/s after the first byte
	total int64   // the file's length as the answer says it, -1 unknown
	data  []byte  // the leading bytes received
	// ranged: the answer was 206, a range: the mirror serves ranges
	ranged bool
	// gain: what a second connection multiplied the rate by (see
	// connGain); 0 when not measured
	gain float64
}

// sampleMirror fetches the leading sampleBytes of url (or what ctx allows)
// and measures the rate after the first bytes arrived, so connection setup
// and the server's first-byte time (which the latency probe measured) do
// not count. An answer that cannot be the file fails the sample. With
// pair, a mirror that answers with a range is also asked for the bytes
// after the sample over a second connection, to see what one more
// connection adds (see connGain).
func sampleMirror(ctx context.Context, client *http.Client, url string, pair bool) mirrorSample {
	t0 := time.Now()
	resp, err := getRange(ctx, client, url, sampleRange)
	if err != nil {
		return mirrorSample{}
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return mirrorSample{}
	}
	s := mirrorSample{total: -1}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != 0 {
			return mirrorSample{}
		}
		s.total, s.ranged = total, true
	case http.StatusOK:
		s.total = resp.ContentLength
	default:
		return mirrorSample{}
	}
	pair = pair && s.ranged && s.total > sampleBytes
	var marks []readMark
	var second chan []readMark
	pctx, stopSecond := context.WithCancel(ctx)
	defer stopSecond()
	buf := make([]byte, 0, 64<<10)
	var first time.Time
	var firstN int
	for len(buf) < sampleBytes {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := resp.Body.Read(buf[len(buf):min(cap(buf), sampleBytes)])
		buf = buf[:len(buf)+n]
		if n > 0 {
			now := time.Now()
			if first.IsZero() {
				first, firstN = now, len(buf)
			}
			if pair {
				marks = append(marks, readMark{now, n})
				if second == nil && len(buf) >= pairAfter {
					second = make(chan []readMark, 1)
					to := min(sampleBytes+pairBytes, s.total)
					go func() { second <- secondSample(pctx, client, url, sampleBytes, to) }()
				}
			}
		}
		if err != nil {
			break // the end, or the sample's time is up: rate what came
		}
	}
	if len(buf) == 0 {
		return mirrorSample{}
	}
	if after, el := len(buf)-firstN, time.Since(first); after > 0 && el > 0 {
		s.rate = float64(after) / el.Seconds()
	} else if el := time.Since(t0); el > 0 {
		// Everything came in one read: the whole time is all there is.
		s.rate = float64(len(buf)) / el.Seconds()
	}
	if second != nil {
		// What the second connection has not fetched by now is not
		// needed: the overlap ends with the first connection.
		stopSecond()
		var alone float64
		if s.gain, alone = connGain(marks, <-second); alone > 0 {
			s.rate = alone
		}
	}
	s.ok, s.data = s.rate > 0, buf
	return s
}

// chooseAuto samples both channels' best mirrors at once and decides
// which channel goes first (see chooseChannel). ok is false when a
// channel could not be measured: the caller keeps the latency order.
func (in *Installer) chooseAuto(ctx context.Context, chans []channel, rel Release) (first int, why string, ok bool) {
	if len(chans) != 2 {
		return 0, "", false
	}
	sctx, cancel := context.WithTimeout(ctx, sampleTime)
	defer cancel()
	// The ranged downloader spreads its connections over the three best
	// mirrors: the channel's rate is what those deliver together. One
	// stream uses one mirror at a time.
	per := 1
	if in.Connections > 1 {
		per = rangedMirrors
	}
	samples := make([][]mirrorSample, len(chans))
	var wg sync.WaitGroup
	// A tar.gz's last four bytes give its uncompressed size: the sampled
	// leading files (text) compress better than the binaries after them,
	// so the sample's own ratio would make the inflate look slower.
	isize := int64(-1)
	for _, ch := range chans {
		if ch.source == SourceArchive && !strings.HasSuffix(ch.file.Filename, ".zip") && ch.file.Size > 4 && ch.lat[0] >= 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				isize = gzipSize(sctx, in.Client, ch.mirrors[0].URL, ch.file.Size)
			}()
		}
	}
	for ci := range chans {
		n := min(per, len(chans[ci].mirrors))
		samples[ci] = make([]mirrorSample, n)
		for mi := range n {
			if chans[ci].lat[mi] < 0 {
				continue // the probe showed the file is not there
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				samples[ci][mi] = sampleMirror(sctx, in.Client, chans[ci].mirrors[mi].URL, per > 1)
			}()
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		return 0, "", false
	}
	maxZip := in.maxModuleZip
	if maxZip <= 0 {
		maxZip = modzip.MaxZipFile
	}
	var cs [2]channelCost
	var gz, zip []byte
	for ci, ch := range chans {
		// A module zip fetched over several connections unpacks as it
		// arrives (fetchModuleRanged), if its best proxy serves ranges
		// (its sample came as a 206).
		c := channelCost{source: ch.source, wait: max(ch.best, 0), zip: true, hashed: ch.source == SourceModule}
		if ch.source == SourceArchive {
			c.size, c.zip = ch.file.Size, strings.HasSuffix(ch.file.Filename, ".zip")
		}
		var used []mirrorSample
		for mi, s := range samples[ci] {
			if !s.ok || ch.source == SourceModule && (s.total <= 0 || s.total > maxZip) {
				continue
			}
			used = append(used, s)
			if c.size <= 0 {
				c.size = s.total
			}
			if c.mirror == "" {
				c.mirror = ch.mirrors[mi].Name
				c.streams = ch.source == SourceModule && in.Connections > 1 && s.ranged
				if c.zip && zip == nil {
					zip = s.data
				} else if !c.zip {
					gz = s.data
				}
			}
		}
		// Each mirror's rate over the connections the download gives it,
		// as a second connection showed it scales (see connGain).
		for i, k := range spreadConns(in.Connections, len(used), rangedPerMirror) {
			if s := used[i]; s.ranged && s.gain > 0 {
				c.rate += scaledRate(s.rate, s.gain, k)
			} else {
				c.rate += s.rate
			}
		}
		if c.rate <= 0 || c.size <= 0 {
			return 0, "", false
		}
		c.have = in.cachedBytes(ch, c.size, rel)
		cs[ci] = c
	}
	u := in.unpackCost(gz, zip)
	for _, c := range cs {
		if c.source == SourceArchive && isize > 0 && u.ratio > 0 && in.inflateRate == 0 {
			// The same files make up both channels' files: the whole
			// archive's ratio is the better guess for either.
			whole := float64(isize) / float64(c.size)
			u.inflate *= u.ratio / whole
			u.ratio = whole
		}
	}
	first, why = chooseChannel(cs, u)
	return first, why, true
}

// getRange sends a GET for the byte range rng ("bytes=a-b") of url, asking
// for the bytes as stored (no transfer compression would leave a rate or
// an offset meaningful).
func getRange(ctx context.Context, client *http.Client, url, rng string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Range", rng)
	req.Header.Set("Accept-Encoding", "identity")
	return client.Do(req)
}

// gzipSize reads the ISIZE field that ends a gzip file of size bytes (the
// uncompressed length modulo 4 GB, which a toolchain stays under), or -1.
func gzipSize(ctx context.Context, client *http.Client, url string, size int64) int64 {
	resp, err := getRange(ctx, client, url, fmt.Sprintf("bytes=%d-%d", size-4, size-1))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	start, total, err := parseContentRange(resp.Header.Get("Content-Range"))
	if resp.StatusCode != http.StatusPartialContent || err != nil || start != size-4 || total != size {
		return -1
	}
	var b [4]byte
	if _, err := io.ReadFull(resp.Body, b[:]); err != nil {
		return -1
	}
	n := int64(binary.LittleEndian.Uint32(b[:]))
	if n < size/2 {
		return -1 // wrapped past 4 GB, or not a gzip trailer
	}
	return n
}

// unpackCost is this machine's: the Installer's overrides (tests), else
// the usable cores, and one core's inflate and SHA-256 speeds timed on the
// sampled bytes (a tar.gz's preferably: its inflate is the costlier); a
// ranged download inflates a tar.gz on inflateWorkers goroutines.
func (in *Installer) unpackCost(gz, zip []byte) unpackCost {
	u := unpackCost{cores: in.cores, inflate: in.inflateRate, gzWorkers: 1}
	if u.cores <= 0 {
		u.cores = min(runtime.GOMAXPROCS(0), runtime.NumCPU())
	}
	if in.Connections != 1 {
		// A ranged download: the archive inflates in parallel.
		u.gzWorkers = in.inflate
		if u.gzWorkers == 0 {
			u.gzWorkers = inflateWorkers()
		}
	}
	if u.inflate != 0 {
		return u // pinned: hashing is left out of the model
	}
	var out []byte
	var used int
	switch {
	case gz != nil:
		u.inflate, out, used = timeInflate(gz, inflateGzip)
	case zip != nil:
		u.inflate, out, used = timeInflate(zip, inflateZipEntries)
	}
	if u.inflate > 0 && len(out) > 0 {
		u.hash = timeHash(out)
		u.ratio = float64(len(out)) / float64(used)
	}
	return u
}

// timeInflate runs inflate over data until inflateMeasure has passed (at
// most 16 times) and returns the compressed bytes inflated per second (0
// when none could be), what one pass inflated and from how many bytes.
func timeInflate(data []byte, inflate func([]byte, *bytes.Buffer) int) (float64, []byte, int) {
	var n, passes int
	var out bytes.Buffer
	t0 := time.Now()
	for range 16 {
		passes++
		out.Reset()
		c := inflate(data, &out)
		if c == 0 {
			return 0, nil, 0
		}
		n += c
		if time.Since(t0) >= inflateMeasure {
			break
		}
	}
	if el := time.Since(t0); el > 0 {
		return float64(n) / el.Seconds(), out.Bytes(), n / max(passes, 1)
	}
	return 0, nil, 0
}

// timeHash is one core's SHA-256 speed over data, in bytes/s, timed as
// timeInflate is.
func timeHash(data []byte) float64 {
	var n int
	t0 := time.Now()
	for range 16 {
		sha256.Sum256(data)
		n += len(data)
		if time.Since(t0) >= inflateMeasure {
			break
		}
	}
	if el := time.Since(t0); el > 0 {
		return float64(n) / el.Seconds()
	}
	return 0
}

// inflateGzip inflates the leading bytes of a gzip stream (cut short by
// the sample) and returns how many compressed bytes it got through.
func inflateGzip(data []byte, out *bytes.Buffer) int {
	r := bytes.NewReader(data)
	zr, err := gzip.NewReader(r)
	if err != nil {
		return 0
	}
	io.Copy(out, zr)
	return len(data) - r.Len()
}

// inflateZipEntries inflates the deflated entries at the start of a zip
// (local headers, as the go command's and Go's zip writers lay them out)
// into out and returns how many compressed bytes it got through.
func inflateZipEntries(data []byte, out *bytes.Buffer) int {
	done := 0
	off := 0
	for off+30 <= len(data) && string(data[off:off+4]) == "PK\x03\x04" {
		flags := binary.LittleEndian.Uint16(data[off+6:])
		method := binary.LittleEndian.Uint16(data[off+8:])
		csize := int(binary.LittleEndian.Uint32(data[off+18:]))
		body := off + 30 + int(binary.LittleEndian.Uint16(data[off+26:])) + int(binary.LittleEndian.Uint16(data[off+28:]))
		if body > len(data) {
			break
		}
		var used int
		switch {
		case method == 8: // deflate
			r := bytes.NewReader(data[body:])
			fr := flate.NewReader(r)
			_, err := io.Copy(out, fr)
			fr.Close()
			used = len(data[body:]) - r.Len()
			done += used
			if err != nil {
				return done // cut short by the sample's end
			}
		case method == 0 && flags&8 == 0:
			used = csize // stored: nothing to inflate
		default:
			return done
		}
		off = body + used
		if flags&8 != 0 {
			// A data descriptor, with or without its signature.
			if off+4 <= len(data) && string(data[off:off+4]) == "PK\x07\x08" {
				off += 4
			}
			off += 12
		}
	}
	return done
}

// cachedBytes is how much of the channel's file (size bytes) the download
// cache already holds in the form this install's download would resume:
// the ranged downloader's spill and its record, or the single stream's
// partial module zip. The records are only read, never locked: another
// process may be downloading into them, and then this install downloads
// a private copy (so counting them is at worst optimistic by one run).
func (in *Installer) cachedBytes(ch channel, size int64, rel Release) int64 {
	if in.CacheDir == "" {
		return 0
	}
	ranged := in.Connections > 1
	if ch.source == SourceArchive {
		if !ranged || ch.file.Size <= 0 {
			return 0 // one stream of an archive keeps nothing
		}
		have, _ := readSpillRecord(in.spillPath(ch.file.Filename), archiveSpillKey(ch.file), size)
		return have.total()
	}
	mv := dist.ModuleVersion(rel.Version, in.Platform)
	if ranged {
		have, _ := readSpillRecord(in.spillPath(mv+".zip"), moduleSpillKey(mv, size), size)
		return have.total()
	}
	fi, err := os.Stat(in.partialPath(mv))
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > size {
		return 0
	}
	return fi.Size()
}

// archiveSpillKey and moduleSpillKey say what a spill holds (see spill).
func archiveSpillKey(f File) string { return "archive " + f.Filename + " sha256:" + f.SHA256 }

func moduleSpillKey(modVersion string, size int64) string {
	return fmt.Sprintf("module %s@%s size %d", dist.ToolchainModule, modVersion, size)
}
