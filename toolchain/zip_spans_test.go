package toolchain

import (
	"bytes"
	"slices"
	"testing"
)

// A flipped byte in an entry's data marks that entry (local header to the
// next entry, and its directory record); one in the central directory's
// signature marks the whole directory; an intact zip has nothing bad.
func TestZipSpansPlaceBadBytes(t *testing.T) {
	p := newEnv(t).p
	zipData := goodModuleZip(t, p)
	size := int64(len(zipData))
	z, whole, err := readZipSpans(bytes.NewReader(zipData), size)
	if err != nil || !whole || len(z.entries) == 0 {
		t.Fatalf("intact zip: %v, whole %v, %d entries", err, whole, len(z.entries))
	}
	if bad, names := z.badSpans(bytes.NewReader(zipData), whole, nil); len(bad) != 0 {
		t.Fatalf("intact zip has bad entries %v", names)
	}
	// The largest entry's data.
	big := slices.MaxFunc(z.entries, func(a, b zipSpan) int { return int(a.csize - b.csize) })
	hit := bytes.Clone(zipData)
	hit[big.local.end-big.csize/2-16] ^= 1
	z, whole, err = readZipSpans(bytes.NewReader(hit), size)
	if err != nil || !whole {
		t.Fatal(err)
	}
	bad, names := z.badSpans(bytes.NewReader(hit), whole, nil)
	want := rangeSet{}.add(big.local.start, big.local.end).add(big.record.start, big.record.end)
	if !slices.Equal(bad, want) || len(names) != 1 || names[0] != big.name {
		t.Errorf("bad %v (%v), want %v (%s)", bad, names, want, big.name)
	}
	cd := bytes.Clone(zipData)
	cd[z.entries[0].record.start] ^= 1
	z, whole, err = readZipSpans(bytes.NewReader(cd), size)
	if err != nil || whole {
		t.Fatalf("a broken central directory: %v, whole %v", err, whole)
	}
	if bad, _ := z.badSpans(bytes.NewReader(cd), whole, nil); len(bad) == 0 || bad[len(bad)-1].end != size || bad[len(bad)-1].start > z.cd.start {
		t.Errorf("bad %v, want the central directory %v", bad, z.cd)
	}
}
