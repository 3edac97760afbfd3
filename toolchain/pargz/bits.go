package pargz

import "encoding/binary"

// bitReader reads deflate's bit stream (least significant bit first) from
// a byte slice, starting at any bit.
type bitReader struct {
	src  []byte
	next int    // index of the next byte to load into acc
	acc  uint64 // bits not yet consumed, the next one lowest
	n    uint   // valid bits in acc
}

func newBitReader(src []byte, bit int64) bitReader {
	b := bitReader{src: src, next: int(bit >> 3)}
	if s := uint(bit & 7); s != 0 {
		b.refill()
		b.acc >>= s
		b.n -= s
	}
	return b
}

// refill tops acc up to at least 56 bits while src lasts.
func (b *bitReader) refill() {
	if b.next+8 <= len(b.src) {
		b.acc |= binary.LittleEndian.Uint64(b.src[b.next:]) << b.n
		k := (63 - b.n) >> 3
		b.next += int(k)
		b.n += k << 3
		// The bits loaded past n are kept exact: shifting out what a
		// partial byte left would break the zero padding decode relies on.
		b.acc &= 1<<b.n - 1
		return
	}
	for b.n <= 56 && b.next < len(b.src) {
		b.acc |= uint64(b.src[b.next]) << b.n
		b.next++
		b.n += 8
	}
}

// pos is the bit offset in src of the next unread bit.
func (b *bitReader) pos() int64 { return int64(b.next)*8 - int64(b.n) }

func (b *bitReader) bits(k uint) (uint32, bool) {
	if b.n < k {
		b.refill()
		if b.n < k {
			return 0, false
		}
	}
	v := uint32(b.acc & (1<<k - 1))
	b.acc >>= k
	b.n -= k
	return v, true
}

// alignByte drops the bits left in the current byte.
func (b *bitReader) alignByte() {
	s := b.n & 7
	b.acc >>= s
	b.n -= s
}

// framed returns a deflate stream that a byte-oriented inflater, such as
// klauspost/compress, reads as the blocks in bits [from, to) of src: it
// cannot start at a bit offset inside a byte. Shifting the bits to byte 0
// would break stored blocks, which are aligned to the original bytes, so
// the copy keeps src's byte grid and is preceded by empty blocks whose
// lengths add up to from's offset inside its byte: an empty fixed block is
// 10 bits (2 mod 8), and one empty dynamic block of 97 bits (1 mod 8) makes
// the odd offsets. Their last bits replace the bits before from in its
// byte. At to, unless it is -1 (to the end of src), follows the end frame
// (see appendEnd), with nonce. from < to.
func framed(dst, src []byte, from, to int64, nonce []byte) []byte {
	open := to < 0
	if open {
		to = int64(len(src)) * 8
	}
	i, j := int(from>>3), int((to+7)>>3)
	dst = append(dst[:0], frameHead(src[i], uint(from&7))...)
	head := len(dst) - 1
	dst = append(dst, src[i+1:j]...)
	if !open {
		dst = appendEnd(dst, int64(head)*8+to-int64(i)*8, nonce)
	}
	return dst
}

// The end frame, after a chunk's last bit: a block of literals, the
// Reader's nonce, then endGap empty blocks, a final empty block and endPad
// zero bytes. An inflater that decoded the chunk's blocks as they are
// reaches the frame at a block boundary and puts out the nonce last. One
// that did not (a block runs past the chunk's end, because the next start
// was found wrongly, say inside the stream's final block) decodes the
// frame's bits out of step, as part of its own block, and does not put
// out 8 random bytes it cannot know, or stops at a final block of its own
// before the frame. So a chunk's output must end with the nonce, which is
// cut off, and the inflater must have read to the frame's final block
// (see reachedEnd). This is a check against accidents (a false start;
// data after the stream), not an adversary who builds a stream to fool
// it: the archive's SHA-256 (or the module's h1) is that check.
//
// endGap is the number of empty non-final blocks between the nonce and
// the final block: 80 bits, more than an inflater reads ahead of the
// symbol it decodes (klauspost/compress: a few bytes at most), so one that
// has read into the final block has read every bit before it, while one
// that stopped at a final block of the chunk's own has not.
const endGap = 8

// endPad is the zero bytes after the end frame's final block: an inflater
// that has run out of input mid-stream cannot be trusted to have returned
// everything before (klauspost/compress reads a whole maximum-length code
// ahead), but one that reaches a final block has.
const endPad = 8

// nonceSize is the length of the nonce in the end frame.
const nonceSize = 8

// appendEnd cuts dst at bit end, then appends the end frame with nonce.
// The frame's bits (under 200) go through a bitWriter, starting with the
// bits of end's byte before end.
func appendEnd(dst []byte, end int64, nonce []byte) []byte {
	var w bitWriter
	if r := int(end & 7); r != 0 {
		w.put(uint32(dst[end>>3]), r)
	}
	dst = dst[:end>>3]
	w.put(0b010, 3) // not final; fixed codes
	for _, b := range nonce {
		if b < 144 {
			w.putCode(0x30+uint32(b), 8)
		} else {
			w.putCode(0x190+uint32(b)-144, 9)
		}
	}
	w.put(0, 7) // end of block
	for range endGap {
		w.emptyFixed()
	}
	w.put(0b011, 3) // final; fixed codes
	w.put(0, 7)
	dst = append(dst, w.b[:(w.n+7)/8]...)
	return append(dst, make([]byte, endPad)...)
}

// reachedEnd tells, from the bytes left unread of a framed input once its
// inflater returned io.EOF, whether it ended at the end frame's final
// block: then at most endPad bytes are left. One that ended at a final
// block before the frame leaves those, the gap's 10 bytes less its
// read-ahead, and whatever lay between that block and the chunk's end.
func reachedEnd(left int64) bool { return left <= endPad }

// frameParts returns what framed would, without copying src: the framing
// before (with from's byte), the bytes of src as they are, and the end
// frame (with to's byte, cleared past to, and nonce), appended to
// after[:0]. ok is false when from and to fall in one byte; framed
// handles that.
func frameParts(src []byte, from, to int64, after, nonce []byte) (head, mid, end []byte, ok bool) {
	i := int(from >> 3)
	head = frameHead(src[i], uint(from&7))
	if to < 0 {
		return head, src[i+1:], after[:0], true
	}
	j := int(to >> 3) // to's byte
	if j <= i {
		return nil, nil, nil, false
	}
	end = after[:0]
	if to&7 != 0 {
		end = append(end, src[j])
	}
	return head, src[i+1 : j], appendEnd(end, to&7, nonce), true
}

// frameHead returns the empty blocks framed puts before a stream whose
// first block starts at bit s of b, and b, its first s bits replaced by
// the last bits of those blocks.
func frameHead(b byte, s uint) []byte {
	var w bitWriter
	if s%2 == 1 {
		w.emptyDynamic()
	}
	for w.n%8 != int(s) {
		w.emptyFixed()
	}
	// w.n ≡ s (mod 8): the first w.n-s bits are whole bytes.
	head := (w.n - int(s)) / 8
	out := append([]byte(nil), w.b[:head+1]...)
	out[head] = b&^(1<<s-1) | w.b[head]&(1<<s-1)
	return out
}

// bitWriter writes the few bits framed puts before and after a chunk.
type bitWriter struct {
	b [32]byte
	n int // bits written
}

func (w *bitWriter) put(v uint32, k int) {
	for i := range k {
		if v>>i&1 != 0 {
			w.b[w.n>>3] |= 1 << (w.n & 7)
		}
		w.n++
	}
}

// putCode writes a Huffman code, which deflate stores most significant bit first.
func (w *bitWriter) putCode(c uint32, k int) {
	for i := k - 1; i >= 0; i-- {
		w.put(c>>i&1, 1)
	}
}

// emptyFixed writes a non-final fixed-code block holding only its
// end-of-block code (seven zero bits).
func (w *bitWriter) emptyFixed() {
	w.put(0, 1)
	w.put(1, 2)
	w.put(0, 7)
}

// emptyDynamic writes a non-final dynamic block holding only its
// end-of-block code: 257 literal/length codes of which 0 and 256 have
// length 1, one unused distance code, and all 19 code-length codes sent,
// which is what makes its length odd (97 bits).
func (w *bitWriter) emptyDynamic() {
	w.put(0, 1)
	w.put(2, 2)
	w.put(0, 5)  // HLIT: 257
	w.put(0, 5)  // HDIST: 1
	w.put(15, 4) // HCLEN: 19
	// Code-length code: 1 has length 1, 0 and 18 length 2, in clOrder.
	for _, sym := range clOrder {
		switch sym {
		case 1:
			w.put(1, 3)
		case 0, 18:
			w.put(2, 3)
		default:
			w.put(0, 3)
		}
	}
	// Canonical codes: 1 -> 0, 0 -> 10, 18 -> 11.
	w.putCode(0, 1) // lens[0] = 1
	w.putCode(3, 2) // 18: 138 zeros
	w.put(127, 7)   //
	w.putCode(3, 2) // 18: 117 zeros (lens[139..255])
	w.put(106, 7)   //
	w.putCode(0, 1) // lens[256] = 1
	w.putCode(2, 2) // the distance code's length: 0
	w.putCode(1, 1) // end of block: symbol 256 has code 1
}
