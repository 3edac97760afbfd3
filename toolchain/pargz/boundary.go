package pargz

import "encoding/binary"

// findBlock returns the first bit offset in [from, to) of src at which a
// deflate block starts. Deflate marks no block boundaries, so it looks for
// evidence no stray bits give: a non-final dynamic block whose three
// Huffman codes are complete, that inflates to its end-of-block code, and
// that is followed by another dynamic header with complete codes. Most
// offsets fail the first cheap tests (block type, table sizes, a complete
// code-length code) on one 64-bit load. A true boundary followed by a
// stored or fixed block is passed over; the next one will do.
func findBlock(m *markerInflater, src []byte, from, to int64) (int64, bool) {
	if limit := int64(len(src)-16) * 8; to > limit {
		to = limit
	}
	for o := from; o < to; o++ {
		v := binary.LittleEndian.Uint64(src[o>>3:]) >> (o & 7)
		if v&7 != 4 || v>>3&31 > 29 || v>>8&31 > 29 {
			continue
		}
		hclen := int(v>>13&15) + 4
		c := o + 17
		w := binary.LittleEndian.Uint64(src[c>>3:]) >> (c & 7)
		left := 128
		for i := range hclen {
			if l := w >> (3 * i) & 7; l != 0 {
				left -= 128 >> l
			}
		}
		// The candidate's block must end within lookahead: a hostile
		// stream of fake headers then costs at most that much
		// decoding each, not the rest of the buffer.
		if left != 0 || !m.isBlockStart(src[:min(len(src), int(o>>3)+lookahead)], o) {
			continue
		}
		return o, true
	}
	return 0, false
}

// isBlockStart applies the expensive tests of findBlock at bit offset o.
func (m *markerInflater) isBlockStart(src []byte, o int64) bool {
	m.reset(src, o)
	if _, bt, err := m.header(true); err != nil || bt != 2 {
		return false
	}
	if m.block(2) != nil {
		return false
	}
	v, ok := m.br.bits(3)
	if !ok || v>>1 != 2 {
		return false
	}
	return m.dynamic(true) == nil
}
