package pargz

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/klauspost/compress/flate"
)

// segSize is the size of the pieces output is handed over in.
const segSize = 256 << 10

// chunk is one piece of the deflate stream, from one block boundary to the
// next, and the output inflating it gives, as it comes.
type chunk struct {
	src   []byte // compressed bytes holding the chunk
	start int64  // bit offset in src of its first block
	end   int64  // bit offset in src of the next chunk's first block; -1: up to the final block
	first bool   // it starts the stream, so no window precedes it
	// left is, for a chunk with end -1 inflated well, the input bytes
	// after it that the inflater did not read: the trailer, and
	// anything after it (see Reader.finish).
	left int64

	segs chan segment // closed when the chunk is done; then err is set
	err  error
	head atomic.Bool // the reader is taking its output (see pool)
	drop atomic.Bool // the reader will not: stop inflating
}

// segment is a piece of output: bytes, or, before the chunk's window was
// known, 16-bit symbols with markers (see markerInflater). Both are views
// of one pooled buffer, buf.
type segment struct {
	buf []byte
	b   []byte
	m   []uint16
}

// pool holds the memory for output: at most limit segment buffers exist.
// Output of chunks the reader has not reached waits in them, and
// parallelism needs room for about one chunk's output, so the chunks ahead
// may use all but the last reserve buffers, which only the head chunk (the
// one being read) may take: else the chunks ahead could take them all
// while the reader waits for the head.
type pool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	used    int
	limit   int
	free    [][]byte
	stopped bool
}

const reserve = 6

func newPool(limit int) *pool {
	p := &pool{limit: max(limit, 2*reserve)}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// get returns an empty segment for c's output, waiting while memory is
// short; false means the reader was closed.
func (p *pool) get(c *chunk, marks bool) (segment, bool) {
	p.mu.Lock()
	for !p.stopped && !c.drop.Load() && (p.used >= p.limit || (!c.head.Load() && p.used >= p.limit-reserve)) {
		p.cond.Wait()
	}
	if p.stopped || c.drop.Load() {
		p.mu.Unlock()
		return segment{}, false
	}
	p.used++
	var buf []byte
	if n := len(p.free); n > 0 {
		buf = p.free[n-1]
		p.free = p.free[:n-1]
	}
	p.mu.Unlock()
	if buf == nil {
		buf = make([]byte, segSize)
	}
	if marks {
		// A buffer this large is allocated page-aligned, so it holds
		// uint16s; it holds no pointers, so the GC does not care.
		return segment{buf: buf, m: unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(buf))), segSize/2)[:0]}, true
	}
	return segment{buf: buf, b: buf[:0]}, true
}

// put returns a segment.
func (p *pool) put(s segment) {
	if s.buf == nil {
		return
	}
	p.mu.Lock()
	p.free = append(p.free, s.buf)
	p.used--
	p.mu.Unlock()
	p.cond.Broadcast()
}

// wake lets waiting workers check again: the head changed.
func (p *pool) wake() {
	p.mu.Lock()
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *pool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cond.Broadcast()
}

// inflater is one worker's reusable state.
type inflater struct {
	m     markerInflater
	fr    io.ReadCloser // a klauspost flate reader, Reset for each chunk
	dict  []byte
	br    *bufio.Reader
	after []byte
	buf   []byte
	nonce []byte // the Reader's, for the end frame
}

// input is the framed stream of src's bits [from, to) (see framed), read
// through a bufio.Reader rather than copied: klauspost/compress has a fast
// path for one.
func (f *inflater) input(src []byte, from, to int64) *bufio.Reader {
	var r io.Reader
	if f.after == nil {
		f.after = make([]byte, 0, 48)
	}
	if head, mid, end, ok := frameParts(src, from, to, f.after, f.nonce); ok {
		r = io.MultiReader(bytes.NewReader(head), bytes.NewReader(mid), bytes.NewReader(end))
	} else {
		f.buf = framed(f.buf, src, from, to, f.nonce)
		r = bytes.NewReader(f.buf)
	}
	if f.br == nil {
		f.br = bufio.NewReaderSize(r, 64<<10)
	} else {
		f.br.Reset(r)
	}
	return f.br
}

// inflate sends c's output down c.segs; stop ends it early. A chunk that
// does not start the stream is inflated with markers until its last 32 KB
// of output hold none, then, from the next block boundary, by
// klauspost/compress with those 32 KB as its dictionary, about twice as
// fast as markerInflater. The stream klauspost reads is framed (see
// framed) so that it starts at that boundary and stops at the chunk's end.
func (f *inflater) inflate(c *chunk, p *pool, stop <-chan struct{}) error {
	send := func(s segment) bool {
		select {
		case c.segs <- s:
			return true
		case <-stop:
			return false
		}
	}
	pos := c.start
	f.dict = f.dict[:0]
	if !c.first {
		m := &f.m
		m.reset(c.src, pos)
		// Markers are packed into whole segments, the last sent once
		// the marker phase ends.
		var cur segment
		m.hand = func(out []uint16) bool {
			for len(out) > 0 {
				if cur.buf == nil {
					s, ok := p.get(c, true)
					if !ok {
						return false
					}
					cur = s
				}
				n := min(len(out), cap(cur.m)-len(cur.m))
				cur.m = append(cur.m, out[:n]...)
				out = out[n:]
				if len(cur.m) == cap(cur.m) {
					if !send(cur) {
						return false
					}
					cur = segment{}
				}
			}
			return true
		}
		flushCur := func() bool {
			if cur.buf == nil {
				return true
			}
			ok := send(cur)
			cur = segment{}
			return ok
		}
		defer func() {
			m.hand = nil
			// A marker phase that failed keeps its partial segment:
			// it goes back, or the pool shrinks for good.
			if cur.buf != nil {
				p.put(cur)
			}
		}()
		flush := func(keep int) bool {
			return m.spill(keep) && (keep > 0 || flushCur())
		}
		for !m.clean() {
			if c.end >= 0 && m.br.pos() >= c.end {
				if m.br.pos() > c.end {
					return errOverrun
				}
				if !flush(0) {
					return errStopped
				}
				return nil
			}
			final, bt, err := m.header(false)
			if err == nil {
				err = m.block(bt)
			}
			if errors.Is(err, errHandStopped) {
				return errStopped
			}
			if err != nil {
				return err
			}
			if final {
				if c.end >= 0 {
					return errOverrun
				}
				if !flush(0) {
					return errStopped
				}
				c.left = int64(len(c.src)) - (m.br.pos()+7)>>3
				return nil
			}
			if !flush(windowSize) {
				return errStopped
			}
		}
		for _, v := range m.out[len(m.out)-windowSize:] {
			f.dict = append(f.dict, byte(v))
		}
		if !flush(0) {
			return errStopped
		}
		pos = m.br.pos()
	}
	if c.end == pos {
		return nil
	}
	in := f.input(c.src, pos, c.end)
	if f.fr == nil {
		f.fr = flate.NewReaderDict(in, f.dict)
	} else if err := f.fr.(flate.Resetter).Reset(in, f.dict); err != nil {
		return err
	}
	// The last two segments are held back until the chunk ends well:
	// past a wrongly found end, klauspost inflates the end frame's bits
	// as if they were the chunk's (up to about 170 symbols, 44 KB) before
	// the chunk is found bad, and what the reader has taken must be right.
	var held []segment
	for {
		seg, ok := p.get(c, false)
		if !ok {
			for _, h := range held {
				p.put(h)
			}
			return errStopped
		}
		s := seg.b[:segSize]
		n := 0
		var err error
		for n < len(s) && err == nil {
			var k int
			k, err = f.fr.Read(s[n:])
			n += k
		}
		if n > 0 {
			seg.b = s[:n]
			held = append(held, seg)
		} else {
			p.put(seg)
		}
		if err == io.EOF {
			// Where did it end? At the end frame's final block, or,
			// for the last chunk, before the trailer: not at a final
			// block of the input's own before the chunk's end (the
			// next chunk's start was found in what follows the
			// stream: a second gzip member, say).
			left, derr := io.Copy(io.Discard, in)
			switch {
			case derr != nil:
				err = derr
			case c.end >= 0 && !reachedEnd(left):
				err = errEarlyEnd
			case c.end >= 0:
				var ok bool
				if held, ok = trimNonce(held, f.nonce, p); !ok {
					err = errEarlyEnd
				}
			default:
				c.left = left
			}
			if err != io.EOF {
				for _, h := range held {
					p.put(h)
				}
				return err
			}
		}
		for len(held) > 2 || (err == io.EOF && len(held) > 0) {
			if !send(held[0]) {
				return errStopped
			}
			held = held[1:]
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			for _, h := range held {
				p.put(h)
			}
			return err
		}
	}
}

// trimNonce cuts the end frame's nonce off the end of held, the last
// segments of a chunk's output, or reports that the output does not end
// with it. A segment left empty goes back to p.
func trimNonce(held []segment, nonce []byte, p *pool) ([]segment, bool) {
	need := len(nonce)
	for i := len(held) - 1; i >= 0 && need > 0; i-- {
		b := held[i].b
		m := min(need, len(b))
		if !bytes.Equal(b[len(b)-m:], nonce[need-m:need]) {
			return held, false
		}
		need -= m
	}
	if need > 0 {
		return held, false
	}
	for need = len(nonce); need > 0; {
		last := &held[len(held)-1]
		m := min(need, len(last.b))
		last.b = last.b[:len(last.b)-m]
		need -= m
		if len(last.b) == 0 {
			p.put(*last)
			held = held[:len(held)-1]
		}
	}
	return held, true
}

// errOverrun reports a chunk whose blocks do not end where the next chunk
// starts: one of the two starts was found wrongly.
var errOverrun = fmt.Errorf("%w: a block runs past the next chunk's start", errCorrupt)

// errEarlyEnd reports a chunk whose output did not end with the end
// frame's nonce, or that holds the stream's final block before the next
// chunk's start: that start was found wrongly (after the stream, or
// inside a block).
var errEarlyEnd = fmt.Errorf("%w: the stream ends before the next chunk's start", errCorrupt)
