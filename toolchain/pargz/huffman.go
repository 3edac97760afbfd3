package pargz

import "math/bits"

// huffman decodes one canonical prefix code with a single table indexed by
// the next maxLen bits. Each entry is sym<<4 | length, 0 for no code. One
// level is enough here: this decoder only runs until a chunk's window is
// known, and klauspost/compress decodes the rest.
type huffman struct {
	table  []uint32
	maxLen uint
}

// init builds the code for lengths (0 = symbol unused). It refuses an
// over-subscribed code, and an incomplete one unless it is a single code
// of length 1 or no code at all and loose is set: the two incomplete codes
// zlib accepts in a stream. Strict callers use complete codes as evidence
// that a bit offset really starts a block.
func (h *huffman) init(lengths []uint8, loose bool) bool {
	var count [16]int
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	left, max := 1, 0
	for l := 1; l <= 15; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return false
		}
		if count[l] > 0 {
			max = l
		}
	}
	if left > 0 && !(loose && (max == 0 || (max == 1 && count[1] == 1))) {
		return false
	}
	var next [16]int
	code := 0
	for l := 1; l <= 15; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	size := 1 << max
	if cap(h.table) < size {
		h.table = make([]uint32, size)
	}
	h.table = h.table[:size]
	clear(h.table)
	h.maxLen = uint(max)
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		r := int(bits.Reverse16(uint16(c)) >> (16 - l))
		e := uint32(sym)<<4 | uint32(l)
		for j := r; j < size; j += 1 << l {
			h.table[j] = e
		}
	}
	return true
}

// decode reads one symbol; false means no valid code or the input ended.
func (h *huffman) decode(b *bitReader) (int, bool) {
	if b.n < h.maxLen {
		b.refill()
	}
	e := h.table[b.acc&(1<<h.maxLen-1)]
	l := uint(e & 15)
	if l == 0 || l > b.n {
		return 0, false
	}
	b.acc >>= l
	b.n -= l
	return int(e >> 4), true
}
