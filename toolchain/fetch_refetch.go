package toolchain

import "slices"

// Re-fetching bytes found bad. After a complete ranged download fails its
// check, the caller may find which bytes are bad (a zip entry's CRC-32)
// and fetch only those again, from one chosen mirror, on the same
// connections' scheduling; the provenance kept while the bytes arrived
// then tells which mirror served the bad ones.

// ownersOf is which mirror wrote each part of bad in this run (-1: resumed
// from an earlier run, source unknown).
func (f *rangedFetch) ownersOf(bad rangeSet) []provRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []provRun
	for _, s := range bad {
		out = append(out, f.prov.owners(s.start, s.end)...)
	}
	return out
}

// usable lists the mirrors neither dropped nor refusing ranges, in ranked
// order.
func (f *rangedFetch) usable() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for i := range f.mirrors {
		if !f.dead[i] {
			out = append(out, i)
		}
	}
	return out
}

// refetch forgets the bytes of bad and fetches them again from mirror mi
// alone, after the previous round's connections have ended; it returns
// when they are all written again or mi failed. The spill's record
// follows (onChange, at most every spillSaveEvery), so an interrupted
// repair resumes without the bad bytes; a record saved just before them
// still claims them, and the next run finds them bad again. Only for a
// caller that waits for the whole file (Wait), not one reading it in order
// (Read).
func (f *rangedFetch) refetch(bad rangeSet, mi int) error {
	if f.ended != nil {
		<-f.ended
	}
	f.mu.Lock()
	f.have = f.have.without(bad)
	f.queue = nil
	for _, g := range bad {
		f.queue = append(f.queue, chunks(g, f.cfg.chunk)...)
	}
	f.finished, f.err = false, nil
	f.avoid = make([]bool, len(f.mirrors))
	for i := range f.avoid {
		f.avoid[i] = i != mi
	}
	if f.onChange != nil {
		f.onChange()
	}
	f.mu.Unlock()
	f.start()
	err := f.Wait()
	<-f.ended
	f.mu.Lock()
	f.avoid = nil
	f.mu.Unlock()
	return err
}

// drop removes mirror mi from the download for err, as failMirror does for
// a mirror that served wrong bytes, unless it is already dropped.
func (f *rangedFetch) drop(mi int, err error, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead[mi] {
		return
	}
	f.dead[mi] = true
	m := f.mirrors[mi]
	f.failures = append(f.failures, MirrorError{Mirror: m.Name, Err: err})
	f.cfg.rep.emit(Event{Phase: PhaseFailover, Mirror: m.Name, URL: m.URL, Err: err, Dropped: err, Message: why})
}

// servedBad orders the usable mirrors for a repair: those that served
// the fewest of the bad bytes first (a mirror that served none of them is
// the likeliest to serve them right), ties in ranked order.
func servedBad(usable []int, owners []provRun) []int {
	n := map[int]int64{}
	for _, o := range owners {
		n[o.mirror] += o.end - o.start
	}
	out := slices.Clone(usable)
	slices.SortStableFunc(out, func(a, b int) int {
		switch {
		case n[a] < n[b]:
			return -1
		case n[a] > n[b]:
			return 1
		}
		return 0
	})
	return out
}

// avoided reports whether this round of a repair must not use mirror i
// (under mu): a repair fetches bad bytes from one mirror only, endgame
// helpers included.
func (f *rangedFetch) avoided(i int) bool {
	return f.avoid != nil && f.avoid[i]
}
