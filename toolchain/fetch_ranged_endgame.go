package toolchain

import (
	"math"
	"time"
)

// The endgame, as aria2 and BitTorrent clients play it. Once the queue is
// empty and stealing has split every span as far as it pays, a connection
// that trickles (a mirror that slowed down, a congested path) holds the
// end of the download: the others idle while it delivers its last bytes.
// Then an idle connection fetches the rest of the slowest span again, from
// another mirror when there is one (else over a fresh connection), racing
// it: the copy that gets ahead wins the rest, and the other is cancelled.
//
// The race never writes a byte twice: the helper skips what the slower
// task has claimed, and the moment it receives bytes past that claim it
// takes over the rest of the span (the slower task's end drops to its
// claim and its request is cancelled). If the slower task finishes first,
// the helper is cancelled; if either fails, the other carries on alone.
const (
	// rangedRateWindow is how long a connection's rate is measured over.
	rangedRateWindow = time.Second
	// A span is raced when it would finish rangedEndgameSlower times
	// later than a fresh connection at the best rate seen could fetch it,
	// saving at least rangedEndgameGain; or when its connection is below
	// the low-speed limit while another went at least twice as fast.
	rangedEndgameSlower = 4
	rangedEndgameGain   = time.Second
)

// roll ends each receiving connection's rate window that is full (under
// mu), and records the rate as its mirror's latest.
func (f *rangedFetch) roll(now time.Time) {
	for _, t := range f.active {
		if t.winAt.IsZero() {
			continue // no response yet
		}
		if el := now.Sub(t.winAt); el >= rangedRateWindow {
			t.rate = float64(t.got-t.winGot) / el.Seconds()
			t.rated = true
			t.winAt, t.winGot = now, t.got
			f.mrate[t.mi] = t.rate
		}
	}
}

// finishRate records the rate of a task that ended well as its mirror's
// latest (under mu): connections on a fast mirror finish their chunks
// before any window is full.
func (f *rangedFetch) finishRate(t *task, now time.Time) {
	if t.winAt.IsZero() || t.got <= t.winGot {
		return
	}
	if el := now.Sub(t.winAt); el > 0 {
		f.mrate[t.mi] = float64(t.got-t.winGot) / el.Seconds()
	}
}

// endgame picks the active span that would finish last by far and returns
// a helper task that fetches its rest too, or nil (under mu).
func (f *rangedFetch) endgame(now time.Time) *task {
	var slow *task
	var worst float64
	mi := -1
	for _, t := range f.active {
		if t.twin != nil || t.helper != nil || t.lost || !t.rated {
			continue
		}
		left := float64(t.end - f.position(t))
		if left <= 0 {
			continue
		}
		m, r := f.helperMirror(t.mi)
		if m < 0 || r <= 0 {
			continue
		}
		eta := math.Inf(1)
		if t.rate > 0 {
			eta = left / t.rate
		}
		quick := left / r
		trickling := f.cfg.lowSpeed > 0 && t.rate < float64(f.cfg.lowSpeed) && r >= 2*t.rate
		if !trickling && (eta < rangedEndgameSlower*quick || eta-quick < rangedEndgameGain.Seconds()) {
			continue
		}
		if slow == nil || eta > worst {
			slow, worst, mi = t, eta, m
		}
	}
	if slow == nil {
		return nil
	}
	pos := f.position(slow)
	h := &task{span: span{pos, slow.end}, mi: mi, pos: pos, floor: pos, twin: slow}
	slow.helper = h
	f.twins++
	return h
}

// helperMirror is the mirror a helper for a task on mirror avoid would
// use, and the rate its connections last showed: the fastest usable other
// mirror, else avoid itself over a fresh connection; -1 when none has a
// free connection (under mu).
func (f *rangedFetch) helperMirror(avoid int) (int, float64) {
	best := -1
	alive := 0
	for i := range f.mirrors {
		if f.dead[i] || f.avoided(i) || alive == rangedMirrors {
			continue
		}
		alive++
		if f.inUse[i] >= f.cfg.perMirror {
			continue
		}
		switch {
		case best < 0,
			best == avoid && i != avoid,
			i != avoid && f.mrate[i] > f.mrate[best]:
			best = i
		}
	}
	if best < 0 {
		return -1, 0
	}
	return best, f.mrate[best]
}

// claim advances t's claim over the n bytes it received at pos and returns
// how many of them, from the front, are not its to write (under mu). A
// helper still racing its twin skips what the twin claimed; once it holds
// bytes past that claim it has overtaken the twin and wins the rest.
func (f *rangedFetch) claim(t *task, pos, n int64) int64 {
	skip := min(max(t.floor-pos, 0), n)
	if tw := t.twin; tw != nil && n > 0 {
		if tw.pos >= pos+n {
			skip = n
		} else {
			skip = max(skip, min(tw.pos-pos, n))
			t.floor = max(t.floor, tw.pos)
			t.twin, tw.helper = nil, nil
			f.lose(tw)
			f.overtook++
		}
	}
	t.pos = max(t.pos, pos+n)
	return skip
}

// lose ends t without fault (under mu): it stops at what it claimed, and
// its request is cancelled.
func (f *rangedFetch) lose(t *task) {
	t.lost = true
	t.end = max(t.pos, t.start)
	if t.cancel != nil {
		t.cancel()
	}
}

// untwin unlinks a task that ended from the task racing it (under mu) and
// reports whether that one still covers what t leaves: a helper carries on
// with what its twin did not write, and a twin whose helper ended carries
// on as before. A helper whose twin finished the span first has lost.
func (f *rangedFetch) untwin(t *task) bool {
	if h := t.helper; h != nil {
		t.helper, h.twin = nil, nil
		done := f.have.prefixFrom(t.start)
		if done >= t.end {
			f.lose(h)
			return false
		}
		h.floor = max(h.floor, done)
		return true
	}
	if tw := t.twin; tw != nil {
		t.twin, tw.helper = nil, nil
		return true
	}
	return false
}
