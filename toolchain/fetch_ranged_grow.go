package toolchain

import (
	"fmt"
	"math"
	"time"
)

// Growth of the connection count. A download starts on one connection
// that asks for everything missing, so on a fast link the bytes arrive in
// order and the unpacker reads them at once, with no scheduling on a
// machine of few cores. Every rangedGrowEvery the connections double
// while the last step raised the total rate by more than rangedGrowGain
// and what is left would still take more than rangedGrowLeft at the
// current rate (aria2's min-split-size, axel): a mirror that caps each
// connection earns its four within a quarter of a second, a fast one
// keeps its single stream. The step is short because every step is
// time the capped connections are not yet fetching; on a link still in
// TCP's slow start a step may look like it paid when it did not, which
// costs at most the configured connections, never more. A step that
// raised the rate by rangedGrowLinear or more shows a cap on each
// connection: the rest join at once instead of doubling again. Growth that stopped starts again when the rate later
// falls below rangedGrowFall of what it reached (a connection died, a
// mirror slowed) for two measurements in a row.
const (
	rangedGrowEvery  = 100 * time.Millisecond
	rangedGrowGain   = 1.2
	rangedGrowLinear = 1.8
	rangedGrowFall   = 0.6
	rangedGrowLeft   = time.Second
)

// growth is the monitor's state for growing the connection count.
type growth struct {
	growing  bool
	last     time.Time
	lastGot  int64
	lastRate float64 // the rate before the last step
	misses   int     // steps in a row that did not pay
	plateau  float64 // the best rate since growth stopped
	falls    int     // measurements in a row well below plateau
	resumed  int     // times growth started again
}

// monitor runs every growEvery until the download ends: it measures the
// connections' rates (for the endgame), grows the connection count while
// that pays, applies the low-speed limit to the download as a whole, and
// wakes idle connections once the queue is empty so they can race a
// trickling span.
func (f *rangedFetch) monitor(done <-chan struct{}) {
	tick := time.NewTicker(f.cfg.growEvery)
	defer tick.Stop()
	now := time.Now()
	f.mu.Lock()
	f.grown = growth{growing: f.target < f.cfg.conns, last: now, lastGot: f.got}
	slowAt, slowGot := now, f.got
	f.mu.Unlock()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-done:
			return
		case now := <-tick.C:
			f.mu.Lock()
			if f.finished || f.err != nil {
				f.mu.Unlock()
				return
			}
			f.roll(now)
			f.grow(now)
			if el := now.Sub(slowAt); f.cfg.lowSpeed > 0 && f.cfg.lowSpeedTime > 0 && el >= f.cfg.lowSpeedTime {
				rate := float64(f.got-slowGot) / el.Seconds()
				slowAt, slowGot = now, f.got
				if rate < float64(f.cfg.lowSpeed) {
					f.tooSlow(rate, el)
				}
			}
			if len(f.queue) == 0 {
				f.sched.Broadcast()
			}
			f.mu.Unlock()
		}
	}
}

// grow takes one growth step at time now (under mu).
func (f *rangedFetch) grow(now time.Time) {
	g := &f.grown
	if g.growing && f.live < f.target {
		// A connection is still starting (or backing off): its rate is
		// not known yet.
		g.last, g.lastGot = now, f.got
		return
	}
	el := now.Sub(g.last).Seconds()
	if el <= 0 {
		return
	}
	rate := float64(f.got-g.lastGot) / el
	g.last, g.lastGot = now, f.got
	left := float64(f.cfg.size - f.have.total())
	if f.target >= f.cfg.conns {
		g.growing = false
		return
	}
	if !g.growing {
		if rate >= g.plateau*rangedGrowFall {
			g.plateau = max(g.plateau, rate)
			g.falls = 0
			return
		}
		if g.falls++; g.falls < 2 || rate > 0 && left/rate < rangedGrowLeft.Seconds() {
			return
		}
		// The rate fell and stayed down: more connections may make up
		// for it. The step must pay against the fallen rate.
		g.growing, g.misses, g.falls, g.lastRate = true, 0, 0, rate
		g.resumed++
		f.step(min(f.target*2, f.cfg.conns), rate)
		return
	}
	if rate <= 0 || g.lastRate > 0 && rate < g.lastRate*rangedGrowGain {
		// The last connection did not pay. Once may be a hiccup of a
		// loaded machine; twice in a row stops the growth (until the
		// rate falls).
		if g.misses++; g.misses >= 2 {
			g.growing, g.plateau, g.falls = false, max(rate, g.lastRate), 0
		}
		return
	}
	g.misses = 0
	if left/rate < rangedGrowLeft.Seconds() {
		// Nearly done at this rate: another connection would cost more
		// than it saves.
		return
	}
	next := min(f.target*2, f.cfg.conns)
	if g.lastRate > 0 && rate >= g.lastRate*rangedGrowLinear {
		// Doubling nearly doubled the rate: each connection is capped,
		// and the rest are worth as much.
		next = f.cfg.conns
	}
	g.lastRate = rate
	f.step(next, rate)
}

// step lets n connections fetch (under mu), rate being the total rate
// measured last. Double, as TCP's slow start does: a capped mirror's four
// connections are all busy after two steps.
func (f *rangedFetch) step(n int, rate float64) {
	f.target = n
	if f.live > 0 && rate > 0 {
		f.chunk = chunkSize(rate/float64(f.live), f.ttfb, float64(f.cfg.size-f.have.total())/(rate/float64(f.live)*float64(n)), f.cfg.chunk)
	}
	f.rechunk()
	f.sched.Broadcast()
}

// chunkSize is the chunk for connections that each fetch perConn bytes a
// second, whose requests are answered after ttfb, with about left seconds
// of download to go; at most largest. Each chunk costs a request, and so
// about a round trip in which its connection receives nothing: over the
// rest, left·ttfb·perConn/c. Smaller chunks cost more of those, but the
// unpacker reads the file in order, and with the connections staggered
// (see graded) the in-order prefix trails the bytes received by about
// half a chunk's time on one connection, c/(2·perConn), which delays the
// end of the install as much. The sum is least at c = perConn·√(2·ttfb·left):
// with a second to go, ~0.25 MB at 8 MB/s a connection on loopback, ~3 MB
// at that rate 60 ms away.
// Never less than rangedMinChunk, so that a mirror sees a civil number of
// requests (about 70 for a toolchain), and ttfb, measured on a request
// that also opened its connection, errs towards larger chunks.
func chunkSize(perConn float64, ttfb time.Duration, left float64, largest int64) int64 {
	if perConn <= 0 || ttfb <= 0 || left <= 0 {
		return largest
	}
	c := int64(perConn * math.Sqrt(2*ttfb.Seconds()*left))
	return min(max(c, min(rangedMinChunk, largest)), largest)
}

// tooSlow handles a download whose total rate stayed below the low-speed
// limit over the limit's time (under mu): as for a single stream, it ends
// with a slowError when another channel is left to try, else it goes on
// and says so once.
func (f *rangedFetch) tooSlow(rate float64, window time.Duration) {
	if !f.cfg.otherSource {
		if !f.slowSaid {
			f.slowSaid = true
			f.cfg.rep.emit(Event{Phase: PhaseConnect,
				Message: fmt.Sprintf("very slow (%s over the last %s), but no other source is left to try", formatRate(rate), window.Round(time.Second))})
		}
		return
	}
	f.err = slowError{fmt.Errorf("too slow: %s over %s on %d connections, below the low-speed limit of %s", formatRate(rate), window.Round(100*time.Millisecond), f.live, formatRate(float64(f.cfg.lowSpeed)))}
	f.cond.Broadcast()
	f.sched.Broadcast()
	f.abort()
}
