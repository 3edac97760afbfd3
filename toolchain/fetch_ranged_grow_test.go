package toolchain

import (
	"context"
	"fmt"
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
