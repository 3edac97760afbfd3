package toolchain

import "sort"

// provenance records which mirror wrote each byte range of a ranged
// download in this run, so that bytes found bad after the download can be
// traced to the mirror that served them. Bytes resumed from an earlier run
// have no entry: their source is unknown (a run does not record it, as a
// mirror's name may mean another server by the next run).
type provenance []provRun

// provRun is a range [start, end) written by mirror (an index into the
// download's mirrors; -1 in what owners returns for bytes of no known
// source).
type provRun struct {
	start, end int64
	mirror     int
}

// set records that mirror mi wrote [a, b), replacing whatever wrote it
// before. Adjacent runs of one mirror merge, so a download of a few
// hundred chunks keeps a list of about as many runs.
func (p provenance) set(a, b int64, mi int) provenance {
	if a >= b {
		return p
	}
	out := make(provenance, 0, len(p)+2)
	for _, r := range p {
		if r.end <= a || r.start >= b {
			out = append(out, r)
			continue
		}
		if r.start < a {
			out = append(out, provRun{r.start, a, r.mirror})
		}
		if r.end > b {
			out = append(out, provRun{b, r.end, r.mirror})
		}
	}
	out = append(out, provRun{a, b, mi})
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	merged := out[:1]
	for _, r := range out[1:] {
		if last := &merged[len(merged)-1]; last.end == r.start && last.mirror == r.mirror {
			last.end = r.end
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// owners splits [a, b) into the runs that wrote it, with mirror -1 for
// bytes of unknown source.
func (p provenance) owners(a, b int64) []provRun {
	var out []provRun
	pos := a
	i := sort.Search(len(p), func(i int) bool { return p[i].end > a })
	for ; i < len(p) && p[i].start < b && pos < b; i++ {
		r := p[i]
		if r.start > pos {
			out = append(out, provRun{pos, r.start, -1})
			pos = r.start
		}
		end := min(r.end, b)
		out = append(out, provRun{pos, end, r.mirror})
		pos = end
	}
	if pos < b {
		out = append(out, provRun{pos, b, -1})
	}
	return out
}
