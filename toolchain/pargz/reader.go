// Package pargz inflates a gzip file on several cores.
//
// Deflate is sequential: every block may copy from the 32 KB before it,
// and nothing marks where blocks start. So the stream is cut at block
// starts found by searching (findBlock), each piece is inflated by a worker
// that does not know the 32 KB before it (markerInflater, then
// klauspost/compress once the window is known), and the pieces are joined
// in order, the unknown bytes filled in from the piece before. This is the
// scheme of rapidgzip (Knespel and Brunst, 2023). The output is checked
// against the gzip trailer's CRC-32 and length, as a serial gzip reader
// does.
package pargz

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// Tuning, measured on a Go release archive (see the README). Each chunk
// starts with output inflated with markers, about half as fast as
// klauspost/compress: 16% of the output at 2 MB chunks, 30% at 1 MB. But a
// chunk's output waits in memory until the reader reaches it (about 3.5 MB
// per MB of a toolchain archive, up to 6), and 4 MB chunks were no faster
// on two cores.
const (
	chunkSize = 2 << 20
	// searchSpan is how far past a chunk's nominal end a block start is
	// looked for before the rest of the stream is inflated serially: a
	// run of stored blocks, say, has no start findBlock accepts.
	searchSpan = 4 << 20
	// lookahead is what the search needs past a candidate: its whole
	// first block and the next header.
	lookahead = 256 << 10
	// maxMerges bounds the retries of a chunk that failed, each joined
	// with the chunk after, before the stream is declared corrupt: a start
	// found wrongly makes the chunk before it fail.
	maxMerges = 2
)

// segsFor is the pool's limit for the given workers: room for most of a
// chunk's output (7 MB on average) waiting for each worker but the one
// feeding the reader, and the reserve. 8 more segments per worker were
// 5% faster and cost 2 MB of heap each.
func segsFor(workers int) int { return (workers-1)*24 + 8 }

// ErrChecksum reports output that does not match the gzip trailer.
var ErrChecksum = gzip.ErrChecksum

var errStopped = errors.New("pargz: the reader was closed")

// Reader is the decompressed stream of a gzip file read from r.
type Reader struct {
	in    *lastBytes
	pool  *pool
	tune  tuning
	nonce []byte // the end frame's (see appendEnd), drawn for each Reader

	jobs  chan *chunk
	order chan *chunk
	free  chan *chunk // the chunks that may be in flight, recycled
	stop  chan struct{}
	// planned is closed when the planner, the one reader of the input,
	// has returned.
	planned chan struct{}

	// Set by the planner before it closes order.
	planErr error
	tail    io.Reader   // the stream from where the planner stopped cutting, framed
	rawTail io.Reader   // the same, unframed, from the byte holding its first bit
	uncut   atomic.Bool // set by the consumer: stop cutting (see inflateRest)
	cutAt   []int64     // the input read when each chunk was cut: tests look, after Close

	// The consumer's state.
	fix      inflater // frames chunks inflated again serially
	head     *chunk
	headWin  []byte                 // the 32 KB before head: what its markers stand for
	lut      [256 + windowSize]byte // a symbol's byte, for head's markers
	lutOK    bool
	served   int64 // bytes of head's output served
	seg      segment
	resolved []byte // a marker segment's bytes
	out      []byte // what is left of the segment being served
	serial   io.Reader
	serialIn *bufio.Reader // what serial reads: drained at its end (see left)
	skip     int64         // bytes of serial's output served already
	merges   int           // of head
	resting  bool          // serial reads all that is left (inflateRest)
	joined   int           // chunks merged in all: tests look
	window   []byte        // the last 32 KB of output
	left     int64         // input after the deflate stream's end: the trailer, and whatever follows it
	crc      uint32
	size     int64
	err      error
	closed   bool
}

// tuning is the chunking, smaller in tests so that small inputs cross
// many chunk boundaries.
type tuning struct{ chunk, span, merges int }

// NewReader parses the gzip header from r and starts inflating with
// workers goroutines. The caller must Close it. It reads one gzip member:
// a second one, or anything else after the first, fails (with
// ErrChecksum, or as invalid deflate data when a chunk was cut in it).
func NewReader(r io.Reader, workers int) (*Reader, error) {
	return newReader(r, workers, tuning{chunkSize, searchSpan, maxMerges})
}

func newReader(r io.Reader, workers int, tune tuning) (*Reader, error) {
	in := &lastBytes{r: r}
	buf := make([]byte, 0, lookahead+64<<10)
	var hdr int
	for {
		n, err := in.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		h, herr := headerLen(buf)
		if herr == nil {
			hdr = h
			break
		}
		if !errors.Is(herr, io.ErrUnexpectedEOF) {
			return nil, herr
		}
		if err == io.EOF || len(buf) == cap(buf) {
			return nil, gzip.ErrHeader
		}
		if err != nil {
			return nil, err
		}
	}
	workers = max(workers, 1)
	z := &Reader{
		in:      in,
		pool:    newPool(segsFor(workers)),
		tune:    tune,
		jobs:    make(chan *chunk, workers+1),
		order:   make(chan *chunk, workers+1),
		free:    make(chan *chunk, workers+1),
		stop:    make(chan struct{}),
		planned: make(chan struct{}),
		window:  make([]byte, 0, windowSize),
	}
	for range cap(z.free) {
		z.free <- &chunk{}
	}
	z.nonce = make([]byte, nonceSize)
	rand.Read(z.nonce) // never fails (crypto/rand)
	z.fix.nonce = z.nonce
	for range workers {
		go z.work()
	}
	go z.plan(buf, hdr)
	return z, nil
}

func (z *Reader) work() {
	f := inflater{nonce: z.nonce}
	for c := range z.jobs {
		c.err = f.inflate(c, z.pool, z.stop)
		close(c.segs)
	}
}

// plan cuts the stream into chunks. buf holds the input read so far, the
// deflate stream starting at byte hdr. Each chunk's bytes are read into
// the chunk itself; what was read past its end is carried to the next.
func (z *Reader) plan(carry []byte, hdr int) {
	defer close(z.planned)
	defer close(z.jobs)
	defer close(z.order)
	var m markerInflater
	start := int64(hdr) * 8 // bit offset in carry of the next chunk
	first := true
	eof := false
	for {
		var c *chunk
		select {
		case c = <-z.free:
		case <-z.stop:
			return
		}
		if z.uncut.Load() {
			z.rawTail = io.MultiReader(bytes.NewReader(carry[start>>3:]), z.in)
			return
		}
		// A recycled chunk keeps its buffer, unless a merge made it
		// hold several chunks: a hostile stream of false starts would
		// then keep workers+1 buffers of three chunks each.
		if cap(c.src) < z.tune.chunk+2*lookahead || cap(c.src) > z.tune.chunk+z.tune.span+2*lookahead {
			c.src = make([]byte, 0, z.tune.chunk+2*lookahead)
		}
		buf := append(c.src[:0], carry...)
		fill := func(want int) error {
			for !eof && len(buf) < want {
				select {
				case <-z.stop:
					return errStopped
				default:
				}
				buf = slices.Grow(buf, want-len(buf))
				n, err := z.in.Read(buf[len(buf):want])
				buf = buf[:len(buf)+n]
				if err == io.EOF {
					eof = true
				} else if err != nil {
					return err
				}
			}
			return nil
		}
		if err := fill(z.tune.chunk + lookahead); err != nil {
			z.planErr = err
			return
		}
		end, found := int64(-1), false
		if !eof || len(buf) > z.tune.chunk+lookahead {
			// Search on, reading more, up to span past the chunk.
			from := int64(z.tune.chunk) * 8
			for {
				if end, found = findBlock(&m, buf, from, int64(len(buf)-lookahead)*8); found {
					break
				}
				if eof || len(buf) > z.tune.chunk+z.tune.span {
					break
				}
				from = max(from, int64(len(buf)-lookahead)*8)
				if err := fill(len(buf) + lookahead); err != nil {
					z.planErr = err
					return
				}
			}
			if !found && !eof {
				// No start to cut at: the rest is read serially, after
				// the chunks before.
				k := int(start >> 3) // the first chunk starts after the header
				head := frameHead(buf[k], uint(start&7))
				z.tail = io.MultiReader(bytes.NewReader(head), bytes.NewReader(buf[k+1:]), z.in)
				z.rawTail = io.MultiReader(bytes.NewReader(buf[k:]), z.in)
				return
			}
		}
		e := len(buf)
		if found {
			e = int((end + 7) >> 3)
			// Carry the bytes from end's byte on.
			k := int(end >> 3)
			carry = append(carry[:0], buf[k:]...)
			*c = chunk{src: buf[:e], start: start, end: end}
			start = end - int64(k)*8
		} else {
			*c = chunk{src: buf, start: start, end: -1}
		}
		c.first = first
		c.segs = make(chan segment, segsFor(cap(z.free)-1))
		first = false
		z.cutAt = append(z.cutAt, z.in.n)
		z.order <- c
		z.jobs <- c
		if !found {
			return
		}
	}
}

// Read returns the decompressed stream, in order. At its end it checks
// the gzip trailer.
func (z *Reader) Read(p []byte) (int, error) {
	if z.closed {
		return 0, errStopped
	}
	if len(p) == 0 {
		return 0, nil // the serial inflater would return (0, nil) forever
	}
	for z.err == nil {
		if len(z.out) > 0 {
			n := copy(p, z.out)
			z.emit(p[:n])
			z.out = z.out[n:]
			z.served += int64(n)
			return n, nil
		}
		if z.seg.buf != nil {
			z.pool.put(z.seg)
			z.seg = segment{}
		}
		if z.serial != nil {
			n, err := z.readSerial(p)
			if err != nil {
				z.err = err // returned by the next Read
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if z.head == nil {
			z.err = z.nextChunk()
			continue
		}
		s, ok := <-z.head.segs
		if !ok {
			z.err = z.endChunk()
			continue
		}
		z.seg = s
		if s.m == nil {
			z.out = s.b
			continue
		}
		// Fill in the markers from the window before the chunk.
		b, err := z.resolve(z.resolved[:0], s.m)
		z.pool.put(s)
		z.seg = segment{}
		z.resolved = b
		if err != nil {
			z.err = err
			break
		}
		z.out = b
	}
	return 0, z.err
}

// resolve appends m to b, each marker replaced by the byte of the window
// before the head chunk it stands for.
func (z *Reader) resolve(b []byte, m []uint16) ([]byte, error) {
	if len(z.headWin) < windowSize {
		// Only after a first chunk shorter than the window; every
		// segment of the chunk is checked, the table's first entries
		// being unfilled.
		missing := windowSize - len(z.headWin)
		for _, v := range m {
			if v >= 256 && int(v)-256 < missing {
				return b, fmt.Errorf("gzip: %w: a match reaches before the start of the stream", errCorrupt)
			}
		}
	}
	if !z.lutOK {
		for i := range 256 {
			z.lut[i] = byte(i)
		}
		copy(z.lut[256+windowSize-len(z.headWin):], z.headWin)
		z.lutOK = true
	}
	n := len(b)
	b = slices.Grow(b, len(m))[:n+len(m)]
	out := b[n:]
	for i, v := range m {
		out[i] = z.lut[v]
	}
	return b, nil
}

// emit accounts for output handed to the caller.
func (z *Reader) emit(b []byte) {
	z.crc = crc32.Update(z.crc, crc32.IEEETable, b)
	z.size += int64(len(b))
	if len(b) >= windowSize {
		z.window = append(z.window[:0], b[len(b)-windowSize:]...)
		return
	}
	if over := len(z.window) + len(b) - windowSize; over > 0 {
		z.window = z.window[:copy(z.window, z.window[over:])]
	}
	z.window = append(z.window, b...)
}

// nextChunk makes the next chunk the head, or moves on to the serial
// tail, or ends the stream.
func (z *Reader) nextChunk() error {
	c, ok := <-z.order
	if !ok {
		if z.planErr != nil {
			return z.planErr
		}
		if z.tail != nil {
			z.serialIn = bufio.NewReaderSize(z.tail, 64<<10)
			z.serial, z.skip = flate.NewReaderDict(z.serialIn, z.window), 0
			z.tail = nil
			return nil
		}
		return z.finish()
	}
	z.head, z.served, z.merges, z.lutOK = c, 0, 0, false
	c.head.Store(true)
	z.pool.wake()
	z.headWin = append(z.headWin[:0], z.window...)
	return nil
}

// endChunk runs when head's output has ended: a failed chunk is inflated
// again, joined with the next one, from its start, with the window known.
func (z *Reader) endChunk() error {
	c := z.head
	if c.err == nil {
		if c.end < 0 {
			z.left = c.left
		}
		z.head = nil
		z.free <- c
		return nil
	}
	return z.merge(c.err)
}

// merge joins head with the chunk after it and inflates the two serially,
// skipping what was served already: a start found wrongly (say, inside a
// stored block, where an embedded gzip file's blocks are to be seen) makes
// the chunk before it fail.
func (z *Reader) merge(cause error) error {
	c := z.head
	if errors.Is(cause, errStopped) {
		return cause
	}
	if c.end < 0 || z.resting {
		return fmt.Errorf("gzip: %w", cause)
	}
	if z.merges == z.tune.merges {
		return z.inflateRest()
	}
	nc, ok := <-z.order
	if !ok {
		if z.planErr != nil {
			// The input failed: that, not the chunk cut short by it,
			// is what the caller must hear (a download error is retried).
			return z.planErr
		}
		if z.rawTail != nil {
			// The planner stopped cutting at head's end: the rest is
			// the tail, to be inflated serially anyway.
			return z.inflateRest()
		}
		return fmt.Errorf("gzip: %w", cause)
	}
	z.drop(nc)
	z.merges++
	z.joined++
	k := int(c.end >> 3)
	c.src = append(c.src[:k], nc.src...)
	if nc.end < 0 {
		c.end = -1
	} else {
		c.end = int64(k)*8 + nc.end
	}
	z.free <- nc
	var dict []byte
	if !c.first {
		dict = z.headWin
	}
	z.serialIn = z.fix.input(c.src, c.start, c.end)
	z.serial = flate.NewReaderDict(z.serialIn, dict)
	if c.end >= 0 {
		z.serial = &nonceReader{r: z.serial, nonce: z.nonce}
	}
	z.skip = z.served
	return nil
}

// inflateRest gives up cutting the stream: after maxMerges failed merges
// (a long run of stored blocks holding compressed files can hold several
// false starts in a row) head and everything after it are inflated
// serially, as by a plain gzip reader, and the chunks already cut only
// supply their bytes.
func (z *Reader) inflateRest() error {
	c := z.head
	z.uncut.Store(true)
	lo := int(c.start >> 3)
	hi := max(int(c.end>>3), lo+1)
	head := frameHead(c.src[lo], uint(c.start&7))
	var dict []byte
	if !c.first {
		dict = z.headWin
	}
	in := io.MultiReader(bytes.NewReader(head), bytes.NewReader(c.src[lo+1:hi]), &restReader{z: z})
	z.serialIn = bufio.NewReaderSize(in, 64<<10)
	z.serial = flate.NewReaderDict(z.serialIn, dict)
	z.skip = z.served
	z.resting = true
	return nil
}

// drop stops c's worker and returns c's output to the pool, unread.
func (z *Reader) drop(c *chunk) {
	c.drop.Store(true)
	z.pool.wake()
	for s := range c.segs {
		z.pool.put(s)
	}
}

// nonceReader passes a merged chunk's output through, less its last
// len(nonce) bytes, which must be the end frame's nonce (see appendEnd):
// else it fails with errEarlyEnd.
type nonceReader struct {
	r     io.Reader
	nonce []byte
	buf   []byte // read, not yet given out; the last len(nonce) withheld
	off   int
	err   error
}

func (n *nonceReader) Read(p []byte) (int, error) {
	k := len(n.nonce)
	for len(n.buf)-n.off <= k && n.err == nil {
		n.buf = append(n.buf[:0], n.buf[n.off:]...)
		n.off = 0
		if cap(n.buf) == 0 {
			n.buf = make([]byte, 0, 64<<10)
		}
		m, err := n.r.Read(n.buf[len(n.buf):cap(n.buf)])
		n.buf = n.buf[:len(n.buf)+m]
		if err != nil {
			n.err = err
			if err == io.EOF && (len(n.buf)-n.off < k || !bytes.Equal(n.buf[len(n.buf)-k:], n.nonce)) {
				n.err = errEarlyEnd
			}
		}
	}
	if avail := len(n.buf) - n.off - k; avail > 0 {
		c := copy(p, n.buf[n.off:n.off+avail])
		n.off += c
		return c, nil
	}
	return 0, n.err
}

// restReader is the raw deflate stream after the head chunk: the bytes of
// the chunks cut already, then the planner's rawTail.
type restReader struct {
	z    *Reader
	b    []byte
	own  []byte
	tail bool
}

func (r *restReader) Read(p []byte) (int, error) {
	z := r.z
	for len(r.b) == 0 {
		if r.tail {
			return z.rawTail.Read(p)
		}
		c, ok := <-z.order
		if !ok {
			if z.planErr != nil {
				return 0, z.planErr
			}
			if z.rawTail == nil {
				return 0, io.EOF
			}
			r.tail = true
			continue
		}
		z.drop(c)
		k := len(c.src)
		if c.end >= 0 {
			// The byte holding the next chunk's first bit starts its src.
			k = int(c.end >> 3)
		}
		// Copied: the planner reuses c.
		r.own = append(r.own[:0], c.src[:k]...)
		r.b = r.own
		z.free <- c
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// readSerial reads from the serial inflater: the tail, or a merged chunk.
func (z *Reader) readSerial(p []byte) (int, error) {
	n, err := z.serial.Read(p)
	if z.skip > 0 {
		k := int(min(int64(n), z.skip))
		z.skip -= int64(k)
		n = copy(p, p[k:n])
	}
	z.emit(p[:n])
	z.served += int64(n)
	if err == nil {
		return n, nil
	}
	if err == io.EOF {
		// Where the stream ended tells whether it is whole (see
		// reachedEnd and finish): what the inflater left unread is read.
		left, derr := io.Copy(io.Discard, z.serialIn)
		if derr != nil {
			z.serial = nil
			return n, derr
		}
		switch {
		case z.head != nil && !z.resting && z.head.end >= 0 && !reachedEnd(left):
			err = errEarlyEnd // a merged chunk: merged again below
		case z.head == nil || z.resting || z.head.end < 0:
			z.left = left
		}
	}
	if z.resting {
		z.serial = nil
		if err != io.EOF {
			return n, fmt.Errorf("gzip: %w", err)
		}
		if z.skip > 0 {
			return n, fmt.Errorf("gzip: %w: inflating a chunk again gave less output", errCorrupt)
		}
		// Draining the input read every chunk the planner cut after.
		for c := range z.order {
			z.drop(c)
			z.free <- c
		}
		return n, z.finish()
	}
	if z.head == nil {
		// The tail.
		z.serial = nil
		if err == io.EOF {
			return n, z.finish()
		}
		return n, fmt.Errorf("gzip: %w", err)
	}
	if err == io.EOF {
		if z.skip > 0 {
			return n, fmt.Errorf("gzip: %w: inflating a chunk again gave less output", errCorrupt)
		}
		z.free <- z.head
		z.serial, z.head = nil, nil
		return n, nil
	}
	// A merged chunk failed too: join the next one as well.
	z.serial = nil
	return n, z.merge(err)
}

// finish checks the trailer once the deflate stream has ended. The
// trailer must be all that follows the stream: a second gzip member read
// as if it were part of the first would give wrong output, and a gzip
// file holding two is no Go release archive.
func (z *Reader) finish() error {
	more, err := io.Copy(io.Discard, z.in)
	if err != nil {
		return err
	}
	if left := z.left + more; left > 8 {
		return fmt.Errorf("%w: %d bytes follow the gzip trailer (a second gzip member is not read)", ErrChecksum, left-8)
	}
	t, ok := z.in.trailer()
	if !ok || t.crc != z.crc || t.size != uint32(z.size) {
		return ErrChecksum
	}
	return io.EOF
}

// Close stops the workers and the planner. It returns once nothing reads
// the input any more, so that the caller may read the rest itself (to
// hash it, say): a Read of the input in progress has to return first. It
// does not close the input.
func (z *Reader) Close() error {
	if z.closed {
		return nil
	}
	z.closed = true
	close(z.stop)
	z.pool.stop()
	<-z.planned
	go func() {
		for c := range z.order {
			for range c.segs {
			}
		}
	}()
	return nil
}

// lastBytes passes r through, keeping its last 8 bytes: the gzip trailer,
// once r has ended.
type lastBytes struct {
	r    io.Reader
	last [8]byte
	n    int64
}

func (l *lastBytes) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n >= 8 {
		copy(l.last[:], p[n-8:n])
	} else if n > 0 {
		copy(l.last[:], l.last[n:])
		copy(l.last[8-n:], p[:n])
	}
	l.n += int64(n)
	return n, err
}

type trailer struct{ crc, size uint32 }

func (l *lastBytes) trailer() (trailer, bool) {
	if l.n < 18 {
		return trailer{}, false
	}
	b := l.last
	return trailer{
		crc:  uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24,
		size: uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24,
	}, true
}

// headerLen parses a gzip member header at the start of b and returns its
// length; io.ErrUnexpectedEOF asks for more bytes.
func headerLen(b []byte) (int, error) {
	if len(b) < 10 {
		if len(b) >= 2 && (b[0] != 0x1f || b[1] != 0x8b) {
			return 0, gzip.ErrHeader
		}
		return 0, io.ErrUnexpectedEOF
	}
	if b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 || b[3]&0xe0 != 0 {
		return 0, gzip.ErrHeader
	}
	flg, n := b[3], 10
	if flg&4 != 0 {
		if len(b) < n+2 {
			return 0, io.ErrUnexpectedEOF
		}
		n += 2 + (int(b[n]) | int(b[n+1])<<8)
	}
	for _, bit := range []byte{8, 16} {
		if flg&bit == 0 {
			continue
		}
		i := bytes.IndexByte(b[min(n, len(b)):], 0)
		if i < 0 {
			return 0, io.ErrUnexpectedEOF
		}
		n += i + 1
	}
	if flg&2 != 0 {
		n += 2
	}
	if len(b) < n {
		return 0, io.ErrUnexpectedEOF
	}
	return n, nil
}
