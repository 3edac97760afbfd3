package toolchain

import (
	"fmt"
	"time"
)

// Growth of the connection count. A download starts on one connection
// that asks for everything missing, so on a fast link the bytes arrive in
// order and the unpacker reads them at once, with no scheduling on a
// machine of few cores. Every rangedGrowEvery the connections double
// while the last step raised the total rate by more than rangedGrowGain
// and what is left would still take more than rangedGrowLeft at the
// current rate (aria2's min-split-size, axel): a mirror that caps each
// connection earns its four within half a second, a fast one keeps its
// single stream.
const (
	rangedGrowEvery = 250 * time.Millisecond
	rangedGrowGain  = 1.2
	rangedGrowLeft  = time.Second
)

// growth is the monitor's state for growing the connection count.
type growth struct {
	growing  bool
	last     time.Time
	lastGot  int64
	lastRate float64 // the rate before the last step
	misses   int     // steps in a row that did not pay
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
		return
	}
	if rate <= 0 || g.lastRate > 0 && rate < g.lastRate*rangedGrowGain {
		// The last connection did not pay. Once may be a hiccup of a
		// loaded machine; twice in a row stops the growth.
		if g.misses++; g.misses >= 2 {
			g.growing = false
		}
		return
	}
	g.misses = 0
	if left/rate < rangedGrowLeft.Seconds() {
		// Nearly done at this rate: another connection would cost more
		// than it saves.
		return
	}
	g.lastRate = rate
	f.step(min(f.target*2, f.cfg.conns))
}

// step lets n connections fetch (under mu). Double, as TCP's slow start
// does: a capped mirror's four connections are all busy after two steps.
func (f *rangedFetch) step(n int) {
	f.target = n
	f.rechunk()
	f.sched.Broadcast()
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
