package toolchain

import "sort"

// rangeSet is a sorted list of disjoint, non-adjacent byte ranges
// [start, end): the parts of a download already written.
type rangeSet []span

// add returns the set with [a, b) added, merging what touches it.
func (rs rangeSet) add(a, b int64) rangeSet {
	if a >= b {
		return rs
	}
	i := sort.Search(len(rs), func(i int) bool { return rs[i].end >= a })
	j := i
	for j < len(rs) && rs[j].start <= b {
		a, b = min(a, rs[j].start), max(b, rs[j].end)
		j++
	}
	out := append(rangeSet(nil), rs[:i]...)
	out = append(out, span{a, b})
	return append(out, rs[j:]...)
}

// prefixFrom is the end of the contiguous run of written bytes starting at
// off, or off itself when byte off is missing.
func (rs rangeSet) prefixFrom(off int64) int64 {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].end > off })
	if i < len(rs) && rs[i].start <= off {
		return rs[i].end
	}
	return off
}

// total is the number of bytes in the set.
func (rs rangeSet) total() int64 {
	var n int64
	for _, s := range rs {
		n += s.end - s.start
	}
	return n
}

// missing lists the gaps of [0, size).
func (rs rangeSet) missing(size int64) []span {
	var out []span
	pos := int64(0)
	for _, s := range rs {
		if s.start > pos {
			out = append(out, span{pos, s.start})
		}
		pos = max(pos, s.end)
	}
	if pos < size {
		out = append(out, span{pos, size})
	}
	return out
}

// clip drops what lies outside [0, size) and anything malformed (a record
// from an earlier run is not trusted to be well formed).
func (rs rangeSet) clip(size int64) rangeSet {
	var out rangeSet
	for _, s := range rs {
		a, b := max(s.start, 0), min(s.end, size)
		out = out.add(a, b)
	}
	return out
}

// without returns the set less every range of other (bytes found bad and
// to be fetched again).
func (rs rangeSet) without(other rangeSet) rangeSet {
	var out rangeSet
	for _, s := range rs {
		a := s.start
		for _, o := range other {
			if o.end <= a || o.start >= s.end {
				continue
			}
			if o.start > a {
				out = append(out, span{a, o.start})
			}
			a = max(a, o.end)
		}
		if a < s.end {
			out = append(out, span{a, s.end})
		}
	}
	return out
}
