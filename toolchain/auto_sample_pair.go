package toolchain

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// A rate sample over one connection says what one connection gets, but the
// ranged downloader opens several per mirror: against a mirror that caps
// each connection (as many do), four connections fetch four times as
// fast, while on a link that is itself the limit they only share it. So
// the sample of a mirror that serves ranges opens a second connection once
// the first is under way, and compares the rate of both together with the
// first's alone: about twice means each connection is capped and more
// connections multiply the rate; about the same means they share one
// limit. Without that, --source auto ranked a channel by one connection's
// rate and picked the archive on two capped mirrors where the module zip
// installed in 0.7 of its time (.ci/bench/auto.sh).
const (
	// pairAfter is how far the first connection gets alone before the
	// second starts; pairFrom is where its rate alone is measured from
	// (past the first bytes, which come in TCP slow start).
	pairAfter = sampleBytes / 4
	pairFrom  = sampleBytes / 8
	// pairBytes is the second connection's range, after the first's.
	pairBytes = sampleBytes / 4
	// pairMinWindow is the shortest stretch a rate is taken over: below
	// it (a fast link moves the whole sample in a few milliseconds)
	// timer and scheduling noise would decide, and the gain is unknown.
	pairMinWindow = 5 * time.Millisecond
	// pairDeadZone: gains below it count as none. Two connections
	// sharing a link never quite split it evenly over a short window;
	// extrapolated to four connections, a 1.2 read as a gain would
	// promise 1.6 times a rate that is not there.
	pairDeadZone = 1.25
)

// readMark is one read of a sample: when it returned and how many bytes.
type readMark struct {
	at time.Time
	n  int
}

// secondSample fetches bytes [from, to) of url over a connection of its
// own and returns its reads, or nil when the answer is not that range.
func secondSample(ctx context.Context, client *http.Client, url string, from, to int64) []readMark {
	resp, err := getRange(ctx, client, url, fmt.Sprintf("bytes=%d-%d", from, to-1))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return nil
	}
	if start, _, err := parseContentRange(resp.Header.Get("Content-Range")); err != nil || start != from {
		return nil
	}
	var marks []readMark
	buf := make([]byte, 32<<10)
	for got := int64(0); got < to-from; {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			marks = append(marks, readMark{time.Now(), n})
			got += int64(n)
		}
		if err != nil {
			break
		}
	}
	return marks
}

// connGain is how many times the first connection's rate alone (a) both
// connections delivered together once the second (b) was receiving: 1 when
// it cannot be told (too little overlap), at most 2. alone is the first
// connection's rate before the second joined (0 when not measured): with a
// shared limit the whole sample's rate would count the first connection's
// half of it.
func connGain(a, b []readMark) (gain, alone float64) {
	if len(a) < 2 || len(b) < 2 {
		return 1, 0
	}
	bFirst := b[0].at
	// Alone: from where the first connection passed pairFrom to the
	// second connection's first bytes.
	var from time.Time
	aloneN, seen := 0, 0
	var aloneEnd time.Time
	for _, m := range a {
		if m.at.After(bFirst) {
			break
		}
		seen += m.n
		if from.IsZero() {
			if seen >= pairFrom {
				from = m.at
			}
			continue
		}
		aloneN += m.n
		aloneEnd = m.at
	}
	if from.IsZero() || aloneEnd.Sub(from) < pairMinWindow {
		return 1, 0
	}
	rAlone := float64(aloneN) / aloneEnd.Sub(from).Seconds()
	// Together: from the second connection's first bytes to the end of
	// whichever finished first.
	end := a[len(a)-1].at
	if t := b[len(b)-1].at; t.Before(end) {
		end = t
	}
	if end.Sub(bFirst) < pairMinWindow {
		return 1, rAlone
	}
	both := 0
	for _, m := range a {
		if m.at.After(bFirst) && !m.at.After(end) {
			both += m.n
		}
	}
	for _, m := range b[1:] {
		if !m.at.After(end) {
			both += m.n
		}
	}
	g := float64(both) / end.Sub(bFirst).Seconds() / rAlone
	if g < pairDeadZone {
		return 1, rAlone
	}
	return min(g, 2), rAlone
}

// spreadConns is how many of conns connections each of n mirrors gets, as
// the ranged downloader spreads them (the least busy of the best mirrors
// first, at most perMirror each).
func spreadConns(conns, n, perMirror int) []int {
	out := make([]int, n)
	for i := range out {
		// Round robin: the first conns%n mirrors get one more.
		k := conns / n
		if i < conns%n {
			k++
		}
		out[i] = min(k, perMirror)
	}
	return out
}

// scaledRate is a mirror's expected rate over k connections, from one
// connection's rate and the gain a second one showed: each connection
// past the first adds gain-1 of the first's rate.
func scaledRate(rate, gain float64, k int) float64 {
	if k <= 1 {
		return rate
	}
	return rate * (1 + (gain-1)*float64(k-1))
}
