package pargz

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// small chunks make a few MB of input cross dozens of chunk boundaries.
var small = tuning{chunk: 64 << 10, span: 512 << 10, merges: maxMerges}

// text is n bytes of word salad: about 3:1 under deflate, in dynamic
// blocks, with matches reaching across any cut.
func text(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := make([]string, 2000)
	for i := range words {
		w := make([]byte, 2+r.IntN(9))
		for j := range w {
			w[j] = byte('a' + r.IntN(26))
		}
		words[i] = string(w)
	}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[int(r.ExpFloat64()*300)%len(words)])
		switch r.IntN(12) {
		case 0:
			fmt.Fprintf(&b, " %d\n", r.IntN(100000))
		case 1:
			b.WriteString(".\n")
		default:
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}

func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// mixed alternates text, incompressible bytes (stored blocks) and runs of
// one byte, in pieces of random size.
func mixed(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	var b []byte
	for len(b) < n {
		k := 1 + r.IntN(200<<10)
		switch r.IntN(3) {
		case 0:
			b = append(b, text(k, r.Uint64())...)
		case 1:
			b = append(b, noise(k, r.Uint64())...)
		default:
			b = append(b, bytes.Repeat([]byte{byte(r.IntN(256))}, k)...)
		}
	}
	return b[:n]
}

func stdGzip(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := stdgzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func kpGzip(t testing.TB, data []byte, level int, flushEvery int) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	for len(data) > 0 {
		k := len(data)
		if flushEvery > 0 {
			k = min(k, flushEvery)
		}
		w.Write(data[:k])
		data = data[k:]
		if flushEvery > 0 {
			w.Flush() // a sync flush: an empty stored block, byte-aligned
		}
	}
	w.Close()
	return b.Bytes()
}

// gnuGzip compresses with the gzip command, which made the Go release
// archives; without it the case is skipped.
func gnuGzip(t testing.TB, data []byte, level int) []byte {
	if _, err := exec.LookPath("gzip"); err != nil {
		t.Skip("no gzip command")
	}
	cmd := exec.Command("gzip", "-c", fmt.Sprintf("-%d", level))
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// inflate reads gz through a Reader with the given workers and tuning.
func inflate(gz []byte, workers int, tune tuning) ([]byte, *Reader, error) {
	z, err := newReader(bytes.NewReader(gz), workers, tune)
	if err != nil {
		return nil, nil, err
	}
	defer z.Close()
	out, err := io.ReadAll(z)
	return out, z, err
}

func checkSame(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("output differs at byte %d (got %d bytes, want %d)", i, len(got), len(want))
}

func TestReaderMatchesSerialGzip(t *testing.T) {
	const n = 1 << 20
	data := map[string][]byte{"text": text(n, 1), "noise": noise(n/2, 2), "mixed": mixed(n, 3)}
	type compressor struct {
		name string
		gz   func(testing.TB, []byte) []byte
	}
	var cs []compressor
	for _, l := range []int{stdgzip.HuffmanOnly, stdgzip.NoCompression, 1, 6, 9} {
		cs = append(cs, compressor{fmt.Sprintf("compress/gzip-%d", l), func(t testing.TB, d []byte) []byte { return stdGzip(t, d, l) }})
	}
	for _, l := range []int{gzip.StatelessCompression, 1, 5, 9} {
		cs = append(cs, compressor{fmt.Sprintf("klauspost-%d", l), func(t testing.TB, d []byte) []byte { return kpGzip(t, d, l, 0) }})
	}
	cs = append(cs, compressor{"klauspost-6-flushed", func(t testing.TB, d []byte) []byte { return kpGzip(t, d, 6, 100<<10) }})
	for _, l := range []int{1, 6, 9} {
		cs = append(cs, compressor{fmt.Sprintf("gnu-gzip-%d", l), func(t testing.TB, d []byte) []byte { return gnuGzip(t, d, l) }})
	}
	workers := []int{1, 2, 3}
	if raceOn {
		// One of each kind of writer.
		keep := map[string]bool{"compress/gzip--2": true, "compress/gzip-0": true, "compress/gzip-6": true, "klauspost-6-flushed": true, "gnu-gzip-6": true}
		cs = slices.DeleteFunc(cs, func(c compressor) bool { return !keep[c.name] })
		workers = []int{3}
	}
	for _, c := range cs {
		for _, name := range []string{"text", "noise", "mixed"} {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				gz := c.gz(t, data[name])
				for _, w := range workers {
					got, _, err := inflate(gz, w, small)
					if err != nil {
						t.Fatalf("workers %d: %v", w, err)
					}
					checkSame(t, got, data[name])
				}
			})
		}
	}
}

// TestReaderDefaultTuning runs the real chunk size over enough input to
// cut it several times.
func TestReaderDefaultTuning(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	data := mixed(24<<20, 4)
	gz := gnuGzipOrKp(t, data)
	if len(gz) < 3*chunkSize {
		t.Fatalf("only %d bytes compressed: too few chunks", len(gz))
	}
	z, err := NewReader(bytes.NewReader(gz), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	got, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, data)
}

func gnuGzipOrKp(t *testing.T, data []byte) []byte {
	if _, err := exec.LookPath("gzip"); err == nil {
		return gnuGzip(t, data, 6)
	}
	return kpGzip(t, data, 6, 0)
}

func TestReaderSmallAndEmpty(t *testing.T) {
	for _, n := range []int{0, 1, 100, 40 << 10, 70 << 10} {
		data := text(n, uint64(n))
		for _, gz := range [][]byte{stdGzip(t, data, 6), kpGzip(t, data, 1, 0)} {
			got, _, err := inflate(gz, 2, small)
			if err != nil {
				t.Fatalf("%d bytes: %v", n, err)
			}
			checkSame(t, got, data)
		}
	}
}

func TestReaderHeaderFields(t *testing.T) {
	data := text(300<<10, 5)
	var b bytes.Buffer
	w := stdgzip.NewWriter(&b)
	w.Name = "go1.22.linux-amd64.tar"
	w.Comment = "a comment"
	w.Extra = bytes.Repeat([]byte{7}, 5000)
	w.ModTime = time.Unix(1700000000, 0)
	w.Write(data)
	w.Close()
	gz := b.Bytes()
	got, _, err := inflate(gz, 2, small)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, data)

	// FHCRC, which compress/gzip does not write: the header's CRC-16
	// follows the other fields.
	plain := stdGzip(t, data, 6)
	hc := append([]byte{}, plain[:10]...)
	hc[3] |= 2
	c := crc32.ChecksumIEEE(hc)
	hc = append(hc, byte(c), byte(c>>8))
	hc = append(hc, plain[10:]...)
	got, _, err = inflate(hc, 2, small)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, got, data)

	for _, bad := range [][]byte{{}, {0x1f}, {0x1f, 0x8c, 8, 0}, []byte("PK\x03\x04 not a gzip file at all"), plain[:7]} {
		if _, err := NewReader(bytes.NewReader(bad), 2); err == nil {
			t.Errorf("NewReader(%q) succeeded", bad)
		}
	}
}

// TestReaderInputInPieces feeds the input a few bytes at a time, as a
// slow download does, and reads the output in small pieces.
func TestReaderInputInPieces(t *testing.T) {
	data := mixed(2<<20, 6)
	gz := kpGzip(t, data, 6, 0)
	z, err := newReader(iotest.HalfReader(iotest.DataErrReader(bytes.NewReader(gz))), 3, small)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var out bytes.Buffer
	if _, err := io.CopyBuffer(&out, struct{ io.Reader }{z}, make([]byte, 999)); err != nil {
		t.Fatal(err)
	}
	checkSame(t, out.Bytes(), data)
}

// TestReaderCorruptInput flips bytes all over a compressed stream: every
// flip must end in an error, never in a hang or wrong output taken as
// right.
func TestReaderCorruptInput(t *testing.T) {
	data := mixed(1<<20, 7)
	gz := kpGzip(t, data, 6, 0)
	r := rand.New(rand.NewPCG(8, 8))
	flips := 40
	if raceOn {
		flips = 10
	}
	for i := range flips {
		bad := append([]byte{}, gz...)
		at := 10 + r.IntN(len(bad)-10)
		bad[at] ^= byte(1 + r.IntN(255))
		done := make(chan error, 1)
		go func() {
			_, _, err := inflate(bad, 2, small)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("flip %d at byte %d of %d: no error", i, at, len(bad))
			}
		case <-time.After(time.Minute):
			t.Fatalf("flip %d at byte %d: hangs", i, at)
		}
	}
}

func TestReaderTruncatedAndTrailing(t *testing.T) {
	data := mixed(1<<20, 9)
	gz := kpGzip(t, data, 6, 0)
	for _, n := range []int{11, 100, len(gz) / 3, len(gz) / 2, len(gz) - 9, len(gz) - 4, len(gz) - 1} {
		if _, _, err := inflate(gz[:n], 2, small); err == nil {
			t.Errorf("truncated to %d of %d bytes: no error", n, len(gz))
		}
	}
	// A second member (or junk) after the first: a serial gzip reader
	// reads members on; this one says so rather than guess.
	two := append(append([]byte{}, gz...), stdGzip(t, []byte("more"), 6)...)
	if _, _, err := inflate(two, 2, small); !errors.Is(err, ErrChecksum) {
		t.Errorf("two members: err = %v, want ErrChecksum", err)
	}
	// A wrong CRC-32 in the trailer.
	bad := append([]byte{}, gz...)
	bad[len(bad)-8] ^= 1
	if _, _, err := inflate(bad, 2, small); !errors.Is(err, ErrChecksum) {
		t.Errorf("bad CRC: err = %v, want ErrChecksum", err)
	}
}

type failingReader struct {
	r   io.Reader
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestReaderInputError(t *testing.T) {
	data := text(2<<20, 10)
	gz := kpGzip(t, data, 6, 0)
	cause := errors.New("connection reset")
	z, err := newReader(&failingReader{r: bytes.NewReader(gz), n: len(gz) / 2, err: cause}, 2, small)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if _, err := io.ReadAll(z); !errors.Is(err, cause) {
		t.Errorf("err = %v, want the input's error", err)
	}
}

// embedded builds a valid gzip file whose middle is stored blocks holding
// another gzip file, as a tar of a Go release holds testdata .gz files:
// the inner file's blocks are real block starts for findBlock, but not of
// the outer stream, so the chunks before them fail and are merged.
func embedded(t *testing.T, innerSize, afterSize int) (gz, data []byte) {
	a, c := text(600<<10, 11), text(afterSize, 12)
	inner := kpGzip(t, text(innerSize, 13), 9, 0)
	data = append(append(append([]byte{}, a...), inner...), c...)

	var body bytes.Buffer
	w, _ := flate.NewWriter(&body, 6)
	w.Write(a)
	w.Flush() // ends byte-aligned
	for p := inner; len(p) > 0; {
		k := min(len(p), 65535)
		body.Write([]byte{0, byte(k), byte(k >> 8), ^byte(k), ^byte(k >> 8)})
		body.Write(p[:k])
		p = p[k:]
	}
	dict := data[len(a)+len(inner)-32<<10 : len(a)+len(inner)]
	w2, _ := flate.NewWriterDict(&body, 6, dict)
	w2.Write(c)
	w2.Close()

	var out bytes.Buffer
	out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255})
	out.Write(body.Bytes())
	crc, n := crc32.ChecksumIEEE(data), uint32(len(data))
	out.Write([]byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24), byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	return out.Bytes(), data
}

func TestReaderFalseBlockStarts(t *testing.T) {
	for _, c := range []struct {
		inner  int
		merges int
		merged bool // some chunk was merged with the next
		rest   bool // cutting stopped: the rest was inflated serially
	}{
		// One false start, in a short stored run: merged.
		{inner: 300 << 10, merges: maxMerges, merged: true},
		// Merging given up at once: the rest is inflated serially.
		{inner: 300 << 10, merges: 0, rest: true},
		// A stored run longer than the search span: no start is found
		// after the chunk before it, which fails, and is inflated with
		// the serial tail.
		{inner: 6 << 20, merges: maxMerges, rest: true},
	} {
		gz, data := embedded(t, c.inner, 600<<10)
		// The builder is checked by the serial reader first.
		zr, _ := gzip.NewReader(bytes.NewReader(gz))
		if want, err := io.ReadAll(zr); err != nil || !bytes.Equal(want, data) {
			t.Fatalf("the test's gzip file is broken: %v", err)
		}
		workers := []int{2, 3}
		if raceOn {
			workers = workers[1:]
		}
		for _, w := range workers {
			tune := small
			tune.merges = c.merges
			got, z, err := inflate(gz, w, tune)
			what := fmt.Sprintf("inner %d KB, %d merges allowed, workers %d", c.inner>>10, c.merges, w)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			checkSame(t, got, data)
			if c.merged && z.joined == 0 {
				t.Errorf("%s: no chunk was merged: the test found no false start", what)
			}
			if c.rest != z.resting {
				t.Errorf("%s: serial rest %v, want %v", what, z.resting, c.rest)
			}
		}
	}
}

// TestFindBlockFindsOnlyBlockStarts checks every start findBlock finds in
// an ordinary stream against the block starts a serial walk sees.
func TestFindBlockFindsOnlyBlockStarts(t *testing.T) {
	gz := kpGzip(t, mixed(4<<20, 14), 6, 0)
	body := gz[10:]
	var m markerInflater
	m.reset(body, 0)
	starts := map[int64]bool{}
	for {
		starts[m.br.pos()] = true
		final, bt, err := m.header(false)
		if err == nil {
			err = m.block(bt)
		}
		if err != nil {
			t.Fatalf("walking the blocks: %v", err)
		}
		if len(m.out) > 8<<20 {
			m.out = append(m.out[:0], m.out[len(m.out)-windowSize:]...)
			m.lastMarker = -1
		}
		if final {
			break
		}
	}
	found := 0
	for s := int64(64 << 10); s < int64(len(body))-(64<<10); {
		b, ok := findBlock(&m, body, s*8, (s+256<<10)*8)
		if !ok {
			s += 256 << 10
			continue
		}
		found++
		if !starts[b] {
			t.Errorf("findBlock: %d is no block start", b)
		}
		s = b/8 + 64<<10
	}
	if found < 5 {
		t.Errorf("findBlock found %d starts in %d blocks", found, len(starts))
	}
}

// TestReaderMemoryBounded inflates a stream that expands 1000 times: the
// chunks ahead of the reader must wait in the pool, not in the heap.
func TestReaderMemoryBounded(t *testing.T) {
	data := bytes.Repeat(text(64<<10, 15), 1<<10) // 64 MB
	tune := tuning{chunk: 16 << 10, span: 64 << 10, merges: maxMerges}
	if raceOn {
		data, tune.chunk = data[:16<<20], 4<<10
	}
	gz := kpGzip(t, data, 9, 0)
	z, err := newReader(bytes.NewReader(gz), 3, tune)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, err := z.Read(buf)
		n += int64(k)
		if n%(4<<20) < int64(k) {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != int64(len(data)) {
		t.Fatalf("%d bytes out, want %d", n, len(data))
	}
	limit := uint64(segsFor(3)*segSize + 16<<20)
	if peak > base+limit {
		t.Errorf("heap grew by %d MB, want at most %d MB", (peak-base)>>20, limit>>20)
	}
}

// TestReaderCloseStops closes readers mid-stream, with workers busy and
// blocked on the pool: every goroutine must end.
func TestReaderCloseStops(t *testing.T) {
	data := mixed(4<<20, 16)
	gz := kpGzip(t, data, 6, 0)
	before := runtime.NumGoroutine()
	for _, k := range []int{0, 1000, 1 << 20} {
		z, err := newReader(bytes.NewReader(gz), 3, small)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, z, int64(k)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // let the workers fill the pool
		z.Close()
		if _, err := z.Read(make([]byte, 10)); err == nil {
			t.Errorf("Read after Close: no error")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running after Close", n-before)
	}
}

// BenchmarkReader inflates a real Go release archive: set
// GOSETUP_BENCH_TGZ (see .ci/bench/install.sh) and GOSETUP_BENCH_INFLATE
// (workers; 0 is klauspost/compress's serial reader, for the ratio).
func BenchmarkReader(b *testing.B) {
	src := os.Getenv("GOSETUP_BENCH_TGZ")
	if src == "" {
		b.Skip("set GOSETUP_BENCH_TGZ to a Go release tar.gz")
	}
	gz, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	var workers int
	fmt.Sscan(os.Getenv("GOSETUP_BENCH_INFLATE"), &workers)
	b.SetBytes(int64(len(gz)))
	for range b.N {
		var r io.Reader
		if workers == 0 {
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				b.Fatal(err)
			}
			r = zr
		} else {
			z, err := NewReader(bytes.NewReader(gz), workers)
			if err != nil {
				b.Fatal(err)
			}
			r = z
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		if z, ok := r.(*Reader); ok {
			z.Close()
		}
	}
}

// TestReaderCloseWaitsForInput: once Close returns, nothing reads the
// input, so the caller can read the rest (the toolchain hashes it).
func TestReaderCloseWaitsForInput(t *testing.T) {
	gz := kpGzip(t, text(4<<20, 17), 6, 0)
	// Less than the first chunk needs: the planner blocks reading.
	in := &stallingReader{data: gz, cut: 200 << 10, blocked: make(chan struct{}), release: make(chan struct{})}
	z, err := newReader(in, 2, small)
	if err != nil {
		t.Fatal(err)
	}
	<-in.blocked
	closed := make(chan struct{})
	go func() {
		z.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while the planner was reading the input")
	case <-time.After(100 * time.Millisecond):
	}
	close(in.release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return once the input did")
	}
	// The rest is the caller's alone (the race detector would see a
	// planner still reading).
	if _, err := io.Copy(io.Discard, in); err != nil {
		t.Fatal(err)
	}
}

// stallingReader serves data up to cut, then blocks until release.
type stallingReader struct {
	data             []byte
	pos, cut         int
	blocked, release chan struct{}
	once             sync.Once
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.pos == s.cut {
		s.once.Do(func() { close(s.blocked) })
		<-s.release
	}
	end := len(s.data)
	if s.pos < s.cut {
		end = s.cut
	}
	if s.pos == len(s.data) {
		return 0, io.EOF
	}
	n := copy(p, s.data[s.pos:end])
	s.pos += n
	return n, nil
}

// A chunk that fails in its marker phase returns its partial segment to
// the pool: leaked ones would starve the reader into a hang.
func TestMarkerFailureReturnsSegment(t *testing.T) {
	gz := kpGzip(t, text(4<<20, 7), 6, 0)
	body := gz[10:]
	var m markerInflater
	o, ok := findBlock(&m, body, 200<<10*8, int64(len(body)-lookahead)*8)
	if !ok {
		t.Fatal("no block start")
	}
	for _, n := range []int64{20000, 60000, 200000} {
		p := newPool(56)
		c := &chunk{src: body[:o/8+n], start: o, end: -1, segs: make(chan segment, 56)}
		c.head.Store(true)
		var f inflater
		err := f.inflate(c, p, make(chan struct{}))
		close(c.segs)
		for s := range c.segs {
			p.put(s)
		}
		if err == nil {
			t.Fatalf("a chunk cut %d bytes in inflated", n)
		}
		if p.used != 0 {
			t.Errorf("cut %d bytes in: %d segments kept after the failure", n, p.used)
		}
	}
}

// Every marker segment of a chunk after a short first chunk is checked
// for matches before the stream's start, not only the first.
func TestResolveChecksEverySegment(t *testing.T) {
	z := &Reader{headWin: bytes.Repeat([]byte{'x'}, 100)}
	if _, err := z.resolve(nil, []uint16{256 + windowSize - 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := z.resolve(nil, []uint16{256}); err == nil {
		t.Error("a marker before the stream's start resolved in a second segment")
	}
}

func TestReaderEmptyRead(t *testing.T) {
	gz := stdGzip(t, noise(1<<20, 9), stdgzip.NoCompression) // inflated serially
	z, err := newReader(bytes.NewReader(gz), 2, small)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	buf := make([]byte, 100)
	for z.serial == nil {
		if _, err := z.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { z.Read(buf[:0]); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a zero-length Read does not return")
	}
}

// TestReaderSecondMemberNotJoined: a second gzip member after the first
// holds block starts the planner may cut at, and a trailer at the end of
// the input that a hostile file can make match whatever the reader would
// have put out. However it was put out (a chunk meeting the first
// member's final block before its end, a merged chunk, the serial rest,
// the last chunk), the reader must fail rather than return it.
func TestReaderSecondMemberNotJoined(t *testing.T) {
	one := kpGzip(t, text(1<<20, 20), 6, 0)
	cases := []struct {
		what   string
		second []byte
		tune   tuning
	}{
		{"long second member, chunks cut in it", kpGzip(t, text(1<<20, 21), 6, 0), small},
		{"long second member, no merges", kpGzip(t, text(1<<20, 22), 6, 0), tuning{small.chunk, small.span, 0}},
		{"short second member, in the last chunk", kpGzip(t, text(20<<10, 23), 6, 0), small},
		{"junk after the trailer", noise(3000, 24), small},
		{"one chunk in all", kpGzip(t, text(1<<20, 25), 6, 0), tuning{8 << 20, 8 << 20, maxMerges}},
	}
	for _, c := range cases {
		gz := append(append([]byte{}, one...), c.second...)
		got, _, err := inflate(gz, 2, c.tune)
		if err == nil {
			t.Errorf("%s: no error", c.what)
			continue
		}
		// The same file, its last 8 bytes made the trailer of what was
		// put out before the error.
		crc, n := crc32.ChecksumIEEE(got), uint32(len(got))
		copy(gz[len(gz)-8:], []byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24), byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
		if got2, _, err := inflate(gz, 2, c.tune); err == nil {
			t.Errorf("%s: no error, %d bytes put out (the first member has %d)", c.what, len(got2), 1<<20)
		} else if !errors.Is(err, ErrChecksum) && !errors.Is(err, errCorrupt) {
			t.Errorf("%s: err = %v, want ErrChecksum or a corrupt-data error", c.what, err)
		}
	}
}

// TestReaderInputErrorAfterFalseStart cuts the input off between the
// points where the planner cut one chunk and the next, around a false
// block start: whether the chunk before it failed first or the input, the
// error returned must be the input's (the toolchain retries a download
// error, not an inflater's).
func TestReaderInputErrorAfterFalseStart(t *testing.T) {
	// A long stream after the inner file, so that the planner cuts
	// chunks past the false start before the input fails.
	gz, _ := embedded(t, 300<<10, 2<<20)
	_, whole, err := inflate(gz, 2, small)
	if err != nil || whole.joined == 0 {
		t.Fatalf("the test's file: err %v, %d chunks merged, want some", err, whole.joined)
	}
	// The planner reads in steps of lookahead and cuts several chunks
	// after a step: cut the input in the last few KB before each step
	// ends, and in the middle.
	cause := errors.New("connection reset")
	var at []int64
	for i, c := range whole.cutAt {
		if i > 0 && c == whole.cutAt[i-1] {
			continue
		}
		at = append(at, c-1, c-2<<10, c-4<<10, c-8<<10, c-lookahead/2)
	}
	for _, n := range at {
		if n <= 0 || n >= int64(len(gz)) {
			continue
		}
		z, err := newReader(&failingReader{r: bytes.NewReader(gz), n: int(n), err: cause}, 2, small)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(z)
		z.Close()
		if !errors.Is(err, cause) {
			t.Errorf("input cut at byte %d of %d: err = %v, want the input's error", n, len(gz), err)
		}
	}
}

// bitBuf writes bits as deflate packs them, for building streams by hand.
type bitBuf struct {
	b []byte
	n int64
}

func (w *bitBuf) put(v uint32, k int) {
	for i := range k {
		if w.n>>3 == int64(len(w.b)) {
			w.b = append(w.b, 0)
		}
		w.b[w.n>>3] |= byte(v>>i&1) << (w.n & 7)
		w.n++
	}
}

func (w *bitBuf) putCode(c uint32, k int) {
	for i := k - 1; i >= 0; i-- {
		w.put(c>>i&1, 1)
	}
}

// TestReaderCutInsideFinalBlock: a gzip file whose first member ends in a
// fixed-code final block that runs on into the bits of a separate deflate
// stream (junk to a serial reader), and a trailer made to match whatever
// the reader put out. The planner cuts at the junk's first block, inside
// the final block, so the chunk before runs past its end into the end
// frame, where seven zero bits end a fixed block: only the nonce tells
// that it did not decode the frame as written. (Without the nonce some k
// came back with a nil error.)
func TestReaderCutInsideFinalBlock(t *testing.T) {
	a, d := text(200<<10, 31), text(1<<20, 32)
	var ab, db bytes.Buffer
	w, _ := flate.NewWriter(&ab, 6)
	w.Write(a)
	w.Flush()
	dw, _ := flate.NewWriter(&db, 6)
	dw.Write(d)
	dw.Close()
	for k := range 12 {
		bw := &bitBuf{}
		for _, c := range append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, ab.Bytes()...) {
			bw.put(uint32(c), 8)
		}
		bw.put(1, 1) // final
		bw.put(1, 2) // fixed codes
		for range k {
			bw.putCode(0x30+'x', 8)
		}
		for range 5 { // 9-bit literals: the junk starts on a byte boundary
			bw.putCode(0x190+200-144, 9)
		}
		to := bw.n
		for _, c := range db.Bytes() {
			bw.put(uint32(c), 8)
		}
		file := append(bw.b, make([]byte, 8)...)
		tune := tuning{int(to>>3) - 64, 512 << 10, maxMerges}
		for workers := 1; workers <= 3; workers++ {
			got, _, _ := inflate(file, workers, tune)
			crc, n := crc32.ChecksumIEEE(got), uint32(len(got))
			copy(file[len(file)-8:], []byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24), byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
			if got2, _, err := inflate(file, workers, tune); err == nil {
				t.Errorf("k %d, %d workers: junk inside the first member's final block came back, %d bytes, with a nil error", k, workers, len(got2))
			}
		}
	}
}
