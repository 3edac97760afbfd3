package toolchain

import (
	"slices"
	"testing"
)

func TestProvenanceSetAndOwners(t *testing.T) {
	var p provenance
	p = p.set(0, 100, 0)
	p = p.set(100, 200, 0) // merges
	p = p.set(50, 150, 1)  // splits
	p = p.set(300, 400, 1)
	want := provenance{{0, 50, 0}, {50, 150, 1}, {150, 200, 0}, {300, 400, 1}}
	if !slices.Equal(p, want) {
		t.Fatalf("runs %v, want %v", p, want)
	}
	got := p.owners(40, 350)
	wantOwners := []provRun{{40, 50, 0}, {50, 150, 1}, {150, 200, 0}, {200, 300, -1}, {300, 350, 1}}
	if !slices.Equal(got, wantOwners) {
		t.Fatalf("owners %v, want %v", got, wantOwners)
	}
	if got := p.owners(500, 600); !slices.Equal(got, []provRun{{500, 600, -1}}) {
		t.Fatalf("owners past the end %v", got)
	}
}

func TestRangeSetWithout(t *testing.T) {
	rs := rangeSet{{0, 100}, {200, 300}}
	got := rs.without(rangeSet{{50, 60}, {90, 250}})
	want := rangeSet{{0, 50}, {60, 90}, {250, 300}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
