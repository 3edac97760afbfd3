package toolchain

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// growSteps feeds grow one measurement per rate (bytes a second over a
// growEvery each, every connection allowed receiving) and returns the
// connection target after each.
func growSteps(f *rangedFetch, rates ...float64) []int {
	var out []int
	now := f.grown.last
	for _, r := range rates {
		now = now.Add(f.cfg.growEvery)
		f.got += int64(r * f.cfg.growEvery.Seconds())
		f.live = f.target
		f.grow(now)
		out = append(out, f.target)
	}
	return out
}

func newGrowFetch() *rangedFetch {
	f := newRangedFetch(context.Background(), rangedConfig{size: 1 << 40, conns: 8}, []mirror{{Name: "a"}, {Name: "b"}}, nil, nil, nil)
	f.grown = growth{growing: true, last: time.Unix(1e9, 0)}
	return f
}

// A doubling that nearly doubles the rate shows each connection is capped:
// the rest join at once (1, 2, then 8) instead of doubling again.
func TestRangedGrowthJumpsWhenLinear(t *testing.T) {
	f := newGrowFetch()
	if got := fmt.Sprint(growSteps(f, 8e6, 15.5e6)); got != "[2 8]" {
		t.Errorf("targets %s, want [2 8]", got)
	}
	// Short of linear, it doubles.
	f = newGrowFetch()
	if got := fmt.Sprint(growSteps(f, 8e6, 12e6)); got != "[2 4]" {
		t.Errorf("targets %s, want [2 4]", got)
	}
}

// Growth that stopped because another connection did not pay starts
// again when the rate falls and stays down.
func TestRangedGrowthResumesWhenRateFalls(t *testing.T) {
	f := newGrowFetch()
	// 1 -> 2, then two steps without gain stop the growth at 2.
	if got := fmt.Sprint(growSteps(f, 8e6, 9e6, 9e6)); got != "[2 2 2]" {
		t.Fatalf("targets %s", got)
	}
	if f.grown.growing {
		t.Fatal("still growing after two misses")
	}
	// Steady, then one dip (a hiccup): nothing changes.
	if got := fmt.Sprint(growSteps(f, 9e6, 3e6, 9e6)); got != "[2 2 2]" {
		t.Fatalf("targets %s after a dip", got)
	}
	// The rate falls and stays down: growth resumes.
	if got := fmt.Sprint(growSteps(f, 3e6, 3e6)); got != "[2 4]" {
		t.Errorf("targets %s after the rate fell, want [2 4]", got)
	}
}

// Spans that start together are graded in file order, i+1 n-ths of a
// chunk, then whole chunks; together they cover the gaps exactly.
func TestRangedGradedChunks(t *testing.T) {
	const c = 800
	got := gradedChunks([]span{{0, 3000}, {5000, 6000}}, 0, 4, c)
	want := []span{{0, 200}, {200, 600}, {600, 1200}, {1200, 2000}, {2000, 2800}, {2800, 3000}, {5000, 5800}, {5800, 6000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("gradedChunks = %v, want %v", got, want)
	}
	// Two connections already fetching: the queue's first spans carry on
	// from the third grade.
	got = gradedChunks([]span{{0, 2000}}, 2, 4, c)
	want = []span{{0, 600}, {600, 1400}, {1400, 2000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("gradedChunks from 2 = %v, want %v", got, want)
	}
}

// Growing from one connection to two and then to eight leaves the
// connections staggered: each active span and the queue's first spans
// grow in file order, no sliver is cut at an earlier step's chunk
// boundary, and every missing byte is in exactly one span.
func TestRangedRechunkStaggers(t *testing.T) {
	const c, size = 1 << 20, 40 << 20
	f := newRangedFetch(context.Background(), rangedConfig{size: size, conns: 8, chunk: c}, []mirror{{Name: "a"}, {Name: "b"}}, nil, nil, nil)
	// One connection took the whole file and claimed 100 kB of it.
	t1 := &task{span: f.queue[0], pos: 100_000}
	f.queue, f.active = nil, []*task{t1}
	f.target = 2
	f.rechunk()
	if t1.end != 100_000+c/2 {
		t.Fatalf("first span cut at %d, want %d", t1.end, 100_000+c/2)
	}
	t2 := &task{span: f.queue[0], pos: f.queue[0].start + 300_000}
	f.queue, f.active = f.queue[1:], append(f.active, t2)
	t1.pos += 200_000
	f.target = 8
	f.rechunk()

	var all []span
	for _, s := range f.active {
		all = append(all, span{s.start, s.end})
	}
	all = append(all, f.queue...)
	slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var at int64
	for _, s := range all {
		if s.start != at {
			t.Fatalf("spans %v: gap or overlap at %d", all, at)
		}
		at = s.end
	}
	if at != size {
		t.Fatalf("spans end at %d, want %d", at, size)
	}
	// What each of the first eight has left to fetch, in file order:
	// strictly growing (they finish one after another), then whole chunks.
	var left []int64
	for _, s := range all[:8] {
		from := s.start
		for _, a := range f.active {
			if a.start == s.start {
				from = a.pos
			}
		}
		left = append(left, s.end-from)
	}
	for i := 1; i < len(left); i++ {
		if left[i] <= left[i-1] {
			t.Errorf("left to fetch %v: not growing at %d", left, i)
		}
	}
	for _, s := range all[8 : len(all)-1] {
		if s.end-s.start != c {
			t.Errorf("queued span %v is not a whole chunk", s)
		}
	}
}

// Chunks are sized against the round trip each request costs: the
// smallest allowed on loopback, larger for a mirror far away, never above
// the configured size, and fixed where the configured size is below the
// smallest (as tests set it).
func TestRangedChunkSize(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		perConn float64
		ttfb    time.Duration
		left    float64
		largest int64
		min     int64
		max     int64
	}{
		{8e6, 500 * time.Microsecond, 1, 4 * mb, mb, mb},
		{8e6, 60 * time.Millisecond, 1, 4 * mb, 2_700_000, 2_850_000},
		{8e6, time.Second, 10, 4 * mb, 4 * mb, 4 * mb},
		{8e6, 60 * time.Millisecond, 1, 256 << 10, 256 << 10, 256 << 10},
		{8e6, 0, 1, 4 * mb, 4 * mb, 4 * mb},
	} {
		if got := chunkSize(tc.perConn, tc.ttfb, tc.left, tc.largest); got < tc.min || got > tc.max {
			t.Errorf("chunkSize(%g, %s, %g, %d) = %d, want %d..%d", tc.perConn, tc.ttfb, tc.left, tc.largest, got, tc.min, tc.max)
		}
	}
}
