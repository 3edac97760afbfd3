package pargz

import (
	"errors"
	"fmt"
	"slices"
)

// windowSize is deflate's history: a match reaches at most 32 KB back.
const windowSize = 1 << 15

// errCorrupt reports bits that are not a valid deflate stream.
var errCorrupt = errors.New("invalid deflate data")

var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase  = [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder   = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// markerInflater inflates deflate blocks starting at a block boundary in
// the middle of a stream, without the 32 KB of output before it. Its
// output is 16-bit: 0-255 are bytes, 256+i stands for byte i of the unknown
// window, so a match reaching back before the start copies a marker. Once
// the last 32 KB of output hold no marker, the window for what follows is
// known, and a real inflater can take over with it as its dictionary; the
// markers before are replaced once the previous chunk's output is known.
// This is the scheme of rapidgzip (Knespel and Brunst, 2023).
type markerInflater struct {
	br bitReader
	// out is the output not yet handed over, after up to 32 KB of output
	// that was, kept for matches to copy from. Before any was dropped,
	// index -i stands for the marker of window byte windowSize-i.
	out        []uint16
	sent       int // entries of out handed over already
	lastMarker int // index in out of the last marker written
	// hand, if set, is given output as it comes, all but the last 32 KB
	// once more than spillAt is pending, so out stays small however long
	// a block is; false stops the inflater. Without it, that output is
	// dropped (findBlock only needs to know that blocks inflate).
	hand      func([]uint16) bool
	lit, dist huffman
	cl        huffman
	lens      [286 + 30]uint8
	fixed     bool // lit and dist hold the fixed code
}

// spillAt is how much pending output block lets build up.
const spillAt = windowSize + segSize/2

var errHandStopped = errors.New("pargz: stopped")

// spill hands over all pending output but the last keep entries.
func (m *markerInflater) spill(keep int) bool {
	out := m.pending()
	n := max(len(out)-keep, 0)
	if n == 0 {
		return true
	}
	if m.hand != nil && !m.hand(out[:n]) {
		return false
	}
	m.markSent(n)
	return true
}

func (m *markerInflater) reset(src []byte, bit int64) {
	m.br = newBitReader(src, bit)
	if m.out == nil {
		m.out = make([]uint16, 0, 4*windowSize)
	}
	m.out = m.out[:0]
	m.sent = 0
	m.lastMarker = -1
}

// clean reports whether the last 32 KB of output hold no marker.
func (m *markerInflater) clean() bool { return len(m.out)-1-m.lastMarker >= windowSize }

// pending is the output not handed over yet, markers included.
func (m *markerInflater) pending() []uint16 { return m.out[m.sent:] }

// markSent records that the first n entries of pending were handed over,
// and forgets those no match can reach any more.
func (m *markerInflater) markSent(n int) {
	m.sent += n
	if d := m.sent - windowSize; d > 0 {
		k := copy(m.out, m.out[d:])
		m.out = m.out[:k]
		m.sent -= d
		m.lastMarker -= d
	}
}

// header reads a block header. strict asks for the evidence that a guessed
// bit offset is a block start: a non-final block with Huffman codes that
// are all complete.
func (m *markerInflater) header(strict bool) (final bool, btype uint32, err error) {
	v, ok := m.br.bits(3)
	if !ok {
		return false, 0, errCorrupt
	}
	final, btype = v&1 == 1, v>>1
	switch btype {
	case 0:
		if strict {
			return false, 0, errCorrupt
		}
		m.br.alignByte()
		ln, ok1 := m.br.bits(16)
		nl, ok2 := m.br.bits(16)
		if !ok1 || !ok2 || ln != ^nl&0xffff {
			return false, 0, errCorrupt
		}
		// The length is left in lens' first two bytes for storedBlock.
		m.lens[0], m.lens[1] = uint8(ln), uint8(ln>>8)
	case 1:
		if strict {
			return false, 0, errCorrupt
		}
		if !m.fixed {
			var fl [288]uint8
			for i := range fl {
				switch {
				case i < 144:
					fl[i] = 8
				case i < 256:
					fl[i] = 9
				case i < 280:
					fl[i] = 7
				default:
					fl[i] = 8
				}
			}
			var fd [32]uint8
			for i := range fd {
				fd[i] = 5
			}
			m.lit.init(fl[:], false)
			m.dist.init(fd[:], false)
			m.fixed = true
		}
	case 2:
		if strict && final {
			return false, 0, errCorrupt
		}
		if err := m.dynamic(strict); err != nil {
			return false, 0, err
		}
	default:
		return false, 0, errCorrupt
	}
	return final, btype, nil
}

func (m *markerInflater) dynamic(strict bool) error {
	m.fixed = false
	v, ok := m.br.bits(14)
	if !ok {
		return errCorrupt
	}
	hlit, hdist, hclen := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if hlit > 286 || hdist > 30 {
		return errCorrupt
	}
	var cl [19]uint8
	for i := range hclen {
		x, ok := m.br.bits(3)
		if !ok {
			return errCorrupt
		}
		cl[clOrder[i]] = uint8(x)
	}
	if !m.cl.init(cl[:], false) {
		return errCorrupt
	}
	n := hlit + hdist
	for i := 0; i < n; {
		sym, ok := m.cl.decode(&m.br)
		if !ok {
			return errCorrupt
		}
		if sym < 16 {
			m.lens[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return errCorrupt
			}
			x, ok := m.br.bits(2)
			if !ok {
				return errCorrupt
			}
			rep, val = 3+x, m.lens[i-1]
		case 17:
			x, ok := m.br.bits(3)
			if !ok {
				return errCorrupt
			}
			rep = 3 + x
		default:
			x, ok := m.br.bits(7)
			if !ok {
				return errCorrupt
			}
			rep = 11 + x
		}
		if i+int(rep) > n {
			return errCorrupt
		}
		for range rep {
			m.lens[i] = val
			i++
		}
	}
	if m.lens[256] == 0 {
		return errCorrupt
	}
	if !m.lit.init(m.lens[:hlit], !strict) || !m.dist.init(m.lens[hlit:n], !strict) {
		return errCorrupt
	}
	if strict && m.dist.maxLen == 0 {
		return errCorrupt
	}
	return nil
}

// block inflates the body of a block whose header was just read.
func (m *markerInflater) block(btype uint32) error {
	if btype == 0 {
		ln := int(m.lens[0]) | int(m.lens[1])<<8
		for range ln {
			x, ok := m.br.bits(8)
			if !ok {
				return errCorrupt
			}
			m.out = append(m.out, uint16(x))
		}
		return nil
	}
	br := &m.br
	for {
		sym, ok := m.lit.decode(br)
		if !ok {
			return errCorrupt
		}
		if len(m.out)-m.sent > spillAt && !m.spill(windowSize) {
			return errHandStopped
		}
		if sym < 256 {
			m.out = append(m.out, uint16(sym))
			continue
		}
		if sym == 256 {
			return nil
		}
		sym -= 257
		if sym >= 29 {
			return errCorrupt
		}
		x, ok := br.bits(uint(lenExtra[sym]))
		if !ok {
			return errCorrupt
		}
		length := int(lenBase[sym]) + int(x)
		ds, ok := m.dist.decode(br)
		if !ok || ds >= 30 {
			return errCorrupt
		}
		y, ok := br.bits(uint(distExtra[ds]))
		if !ok {
			return errCorrupt
		}
		dist := int(distBase[ds] + y)
		p := len(m.out)
		from := p - dist
		if from < -windowSize {
			// Only before anything was dropped can from be negative
			// (markSent keeps 32 KB), and then it reaches the window.
			return fmt.Errorf("%w: a match reaches before the window", errCorrupt)
		}
		m.out = slices.Grow(m.out, length)
		out := m.out[:p+length]
		var any uint16
		k := 0
		for ; from+k < 0 && k < length; k++ {
			// Window byte windowSize+from+k, unknown: its marker.
			out[p+k] = uint16(256 + windowSize + from + k)
			any = 256
		}
		switch {
		case k == length:
		case dist >= length:
			src := out[from+k : from+length]
			copy(out[p+k:], src)
			for _, v := range src {
				any |= v
			}
		default:
			for ; k < length; k++ {
				v := out[from+k]
				out[p+k] = v
				any |= v
			}
		}
		m.out = out
		if any >= 256 {
			for i := p + length - 1; i >= p; i-- {
				if m.out[i] >= 256 {
					m.lastMarker = i
					break
				}
			}
		}
	}
}
