package toolchain

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sort"

	"github.com/klauspost/compress/flate"
)

// zipSpans locates each entry of a zip by its bytes and checks them on
// their own, so that a copy whose check failed can be repaired by fetching
// again only the bytes of the entries found bad (see repairModuleZip).
//
// Accidental corruption, or a mirror serving a corrupt range, shows up as
// an entry whose local header does not match the central directory, whose
// data does not inflate, or whose CRC-32 or size is not what the central
// directory says. A crafted copy can keep every CRC-32 right and still
// fail the h1 hash: then nothing is identifiably bad and the caller falls
// back to fetching the whole file from one trusted source.
//
// Nothing read here is trusted: the spans only say what to fetch again,
// and the whole file is verified once more afterwards.
type zipSpans struct {
	size int64
	cd   span // the central directory through the end of the file
	// entries, sorted by their local header's offset
	entries []zipSpan
}

// zipSpan is one entry: its name as the central directory spells it, its
// bytes from the local header to the next entry (data descriptor
// included), and its central directory record.
type zipSpan struct {
	name              string
	local             span
	record            span
	method, flags     uint16
	crc               uint32
	csize, usize      int64
	nameBytes         []byte
	localHeaderOffset int64
}

var errNoCentralDirectory = errors.New("the zip's end of central directory record is missing or unreadable")

// readZipSpans parses the central directory of the zip in ra. An error
// means the end of central directory record cannot be found, so no byte of
// the file can be placed; a central directory that can be found but not
// parsed whole is reported as bad by badSpans.
func readZipSpans(ra io.ReaderAt, size int64) (*zipSpans, bool, error) {
	const eocdLen = 22
	tail := min(size, 65535+eocdLen)
	buf := make([]byte, tail)
	if _, err := ra.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return nil, false, err
	}
	at := -1
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if string(buf[i:i+4]) == "PK\x05\x06" && i+eocdLen+int(binary.LittleEndian.Uint16(buf[i+20:])) == len(buf) {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, false, errNoCentralDirectory
	}
	eocd := buf[at:]
	count := int64(binary.LittleEndian.Uint16(eocd[10:]))
	cdSize := int64(binary.LittleEndian.Uint32(eocd[12:]))
	cdOff := int64(binary.LittleEndian.Uint32(eocd[16:]))
	eocdOff := size - tail + int64(at)
	if count == 0xffff || cdSize == 0xffffffff || cdOff == 0xffffffff {
		// Zip64: the locator just before the record points at the real one.
		var loc [20]byte
		var rec [56]byte
		if eocdOff < 20 {
			return nil, false, errNoCentralDirectory
		}
		if _, err := ra.ReadAt(loc[:], eocdOff-20); err != nil || string(loc[:4]) != "PK\x06\x07" {
			return nil, false, errNoCentralDirectory
		}
		off := int64(binary.LittleEndian.Uint64(loc[8:]))
		if off < 0 || off+56 > eocdOff {
			return nil, false, errNoCentralDirectory
		}
		if _, err := ra.ReadAt(rec[:], off); err != nil || string(rec[:4]) != "PK\x06\x06" {
			return nil, false, errNoCentralDirectory
		}
		count = int64(binary.LittleEndian.Uint64(rec[32:]))
		cdSize = int64(binary.LittleEndian.Uint64(rec[40:]))
		cdOff = int64(binary.LittleEndian.Uint64(rec[48:]))
		eocdOff = off
	}
	if cdOff < 0 || cdSize < 0 || cdOff+cdSize > eocdOff || count < 0 || count > cdSize/46+1 {
		return nil, false, errNoCentralDirectory
	}
	z := &zipSpans{size: size, cd: span{cdOff, size}}
	cd := make([]byte, cdSize)
	if _, err := ra.ReadAt(cd, cdOff); err != nil && err != io.EOF {
		return nil, false, err
	}
	pos := int64(0)
	whole := true
	for range count {
		e, n, ok := parseCDRecord(cd[pos:])
		if !ok {
			whole = false
			break
		}
		e.record = span{cdOff + pos, cdOff + pos + n}
		pos += n
		if e.localHeaderOffset < 0 || e.localHeaderOffset >= cdOff {
			// An offset pointing nowhere: the record is what is bad.
			whole = false
			break
		}
		z.entries = append(z.entries, e)
	}
	sort.SliceStable(z.entries, func(i, j int) bool { return z.entries[i].localHeaderOffset < z.entries[j].localHeaderOffset })
	for i := range z.entries {
		end := cdOff
		if i+1 < len(z.entries) {
			end = z.entries[i+1].localHeaderOffset
		}
		z.entries[i].local = span{z.entries[i].localHeaderOffset, end}
	}
	return z, whole, nil
}

// parseCDRecord reads one central directory record and its length.
func parseCDRecord(b []byte) (zipSpan, int64, bool) {
	if len(b) < 46 || string(b[:4]) != "PK\x01\x02" {
		return zipSpan{}, 0, false
	}
	le := binary.LittleEndian
	e := zipSpan{flags: le.Uint16(b[8:]), method: le.Uint16(b[10:]), crc: le.Uint32(b[16:]),
		csize: int64(le.Uint32(b[20:])), usize: int64(le.Uint32(b[24:])), localHeaderOffset: int64(le.Uint32(b[42:]))}
	nl, xl, cl := int(le.Uint16(b[28:])), int(le.Uint16(b[30:])), int(le.Uint16(b[32:]))
	n := 46 + nl + xl + cl
	if len(b) < n {
		return zipSpan{}, 0, false
	}
	e.nameBytes = b[46 : 46+nl]
	e.name = string(e.nameBytes)
	// Zip64 sizes and offset, in that order, for the fields that overflow.
	extra := b[46+nl : 46+nl+xl]
	for len(extra) >= 4 {
		id, l := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if len(extra) < 4+l {
			return zipSpan{}, 0, false
		}
		if id == 0x0001 {
			f := extra[4 : 4+l]
			next := func(v *int64) bool {
				if *v != 0xffffffff {
					return true
				}
				if len(f) < 8 {
					return false
				}
				*v, f = int64(le.Uint64(f)), f[8:]
				return true
			}
			if !next(&e.usize) || !next(&e.csize) || !next(&e.localHeaderOffset) {
				return zipSpan{}, 0, false
			}
		}
		extra = extra[4+l:]
	}
	return e, int64(n), true
}

// badSpans checks every entry whose bytes meet only (nil: every entry)
// and returns the bytes to fetch again: each bad entry from its local
// header to the next entry, with its central directory record (either may
// hold the corrupt byte: a CRC in the directory is as likely to be hit as
// the data), the whole central directory when it cannot be parsed, and the
// names of the bad entries.
func (z *zipSpans) badSpans(ra io.ReaderAt, whole bool, only rangeSet) (rangeSet, []string) {
	var bad rangeSet
	var names []string
	if !whole {
		bad = bad.add(z.cd.start, z.cd.end)
		names = append(names, "the central directory")
	}
	buf := make([]byte, 64<<10)
	for _, e := range z.entries {
		if only != nil && !meets(only, e.local) && !meets(only, e.record) {
			continue
		}
		if err := e.check(ra, buf); err != nil {
			bad = bad.add(e.local.start, e.local.end)
			bad = bad.add(e.record.start, e.record.end)
			names = append(names, e.name)
		}
	}
	return bad, names
}

// meets reports whether s overlaps any range of rs.
func meets(rs rangeSet, s span) bool {
	for _, r := range rs {
		if r.start < s.end && s.start < r.end {
			return true
		}
	}
	return false
}

// check reads the entry's local header and data and compares them with
// its central directory record.
func (e zipSpan) check(ra io.ReaderAt, buf []byte) error {
	var h [30]byte
	if e.local.end-e.local.start < 30 {
		return errors.New("no room for its local header")
	}
	if _, err := ra.ReadAt(h[:], e.local.start); err != nil {
		return err
	}
	le := binary.LittleEndian
	if string(h[:4]) != "PK\x03\x04" {
		return errors.New("no local header at its offset")
	}
	nl, xl := int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
	data := e.local.start + 30 + nl + xl
	if data+e.csize > e.local.end {
		return errors.New("its data runs into the next entry")
	}
	name := make([]byte, nl)
	if _, err := ra.ReadAt(name, e.local.start+30); err != nil {
		return err
	}
	if !bytes.Equal(name, e.nameBytes) {
		return errors.New("its local header names another file")
	}
	if le.Uint16(h[8:]) != e.method {
		return errors.New("its local header gives another method")
	}
	if e.flags&8 == 0 && le.Uint32(h[14:]) != e.crc {
		return errors.New("its local header gives another CRC-32")
	}
	var r io.Reader = io.NewSectionReader(ra, data, e.csize)
	switch e.method {
	case 0:
	case 8:
		fr := flate.NewReader(r)
		defer fr.Close()
		r = fr
	default:
		return fmt.Errorf("unknown compression method %d", e.method)
	}
	crc := crc32.NewIEEE()
	n, err := io.CopyBuffer(crc, io.LimitReader(r, e.usize+1), buf)
	if err != nil {
		return err
	}
	if n != e.usize {
		return errors.New("its data has another size")
	}
	if crc.Sum32() != e.crc {
		return errors.New("CRC-32 mismatch")
	}
	if e.flags&8 != 0 {
		// The data descriptor repeats the CRC-32 (after an optional
		// signature).
		var d [8]byte
		if end := data + e.csize; end+8 <= e.local.end {
			if _, err := ra.ReadAt(d[:], end); err != nil {
				return err
			}
			got := le.Uint32(d[:])
			if string(d[:4]) == "PK\x07\x08" {
				got = le.Uint32(d[4:])
			}
			if got != e.crc {
				return errors.New("its data descriptor gives another CRC-32")
			}
		}
	}
	return nil
}
