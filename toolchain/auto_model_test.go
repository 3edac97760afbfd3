package toolchain

import (
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// A 70 MB toolchain as both channels offer it: a tar.gz archive and a
// module zip of about the same size.
func costs(archiveRate, moduleRate float64) [2]channelCost {
	return [2]channelCost{
		{source: SourceArchive, mirror: "ma", size: 70e6, rate: archiveRate},
		{source: SourceModule, mirror: "pa", size: 72e6, rate: moduleRate, zip: true},
	}
}

func TestChooseChannel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cs    [2]channelCost
		u     unpackCost
		first int
		why   []string
	}{{
		// 7 s against 14.4 s: the download decides, however the
		// module zip unpacks.
		name: "clearly faster archive", cs: costs(10e6, 5e6), u: unpackCost{cores: 8, inflate: 1e6},
		first: 0, why: []string{"archive from ma: downloads clearly faster than the module zip (~7.0 s vs ~14.4 s)"},
	}, {
		name: "clearly faster module", cs: costs(5e6, 10e6), u: unpackCost{cores: 1, inflate: 80e6},
		first: 1, why: []string{"module zip from pa: downloads clearly faster than the archive (~7.2 s vs ~14.0 s)"},
	}, {
		// Both ~0.7 s; the tar.gz inflates in 1.75 s on one core while
		// it streams, the zip in 0.9 s on two after its download.
		name: "same speed, two cores: zip", cs: costs(100e6, 100e6), u: unpackCost{cores: 2, inflate: 40e6},
		first: 1, why: []string{"module zip from pa: downloads about as fast as the archive (~0.7 s vs ~0.7 s) and unpacks on 2 cores instead of 1, ~0.1 s sooner"},
	}, {
		// The same with the tar.gz inflated by two workers (a ranged
		// download): 1.75 s / 1.4 while it streams beats the zip's
		// 0.72 + 0.9 s.
		name: "same speed, two cores, parallel inflate: tar.gz", cs: costs(100e6, 100e6), u: unpackCost{cores: 2, inflate: 40e6, gzWorkers: 2},
		first: 0, why: []string{"archive from ma: downloads about as fast as the module zip (~0.7 s vs ~0.7 s) and unpacks while it downloads, ~0.4 s sooner"},
	}, {
		// Workers beyond the cores do not count.
		name: "one core, parallel inflate", cs: costs(100e6, 100e6), u: unpackCost{cores: 1, inflate: 40e6, gzWorkers: 3},
		first: 0, why: []string{"unpacks while it downloads, ~0.8 s sooner"},
	}, {
		name: "same speed, one core: tar.gz", cs: costs(100e6, 100e6), u: unpackCost{cores: 1, inflate: 40e6},
		first: 0, why: []string{"archive from ma: downloads about as fast as the module zip (~0.7 s vs ~0.7 s) and unpacks while it downloads, ~0.8 s sooner"},
	}, {
		// A slow link: inflating keeps up with the download, so the
		// stream's unpack is free and the zip's is not.
		name: "same speed, slow link: tar.gz", cs: costs(11e6, 10e6), u: unpackCost{cores: 4, inflate: 80e6},
		first: 0, why: []string{"archive from ma: downloads about as fast as the module zip (~6.4 s vs ~7.2 s) and unpacks while it downloads, ~1.1 s sooner"},
	}, {
		name: "49% apart is about as fast", cs: costs(100e6, 149e6*72/70), u: unpackCost{cores: 2, inflate: 40e6},
		first: 1, why: []string{"about as fast", "on 2 cores"},
	}, {
		name: "51% apart is clearly faster", cs: costs(151e6, 100e6*72/70), u: unpackCost{cores: 2, inflate: 40e6},
		first: 0, why: []string{"clearly faster"},
	}, {
		// Without an inflate measurement there is no end-to-end
		// estimate: the faster download wins, even by a little.
		name: "no inflate speed", cs: costs(100e6, 104e6), u: unpackCost{cores: 2},
		first: 1, why: []string{"module zip from pa: downloads faster than the archive"},
	}, {
		name: "no rate", cs: costs(0, 1), u: unpackCost{cores: 2, inflate: 40e6},
		first: 1, why: []string{"clearly faster"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			first, why := chooseChannel(tc.cs, tc.u)
			if first != tc.first {
				t.Errorf("first %d, want %d (%s)", first, tc.first, why)
			}
			for _, w := range tc.why {
				if !strings.Contains(why, w) {
					t.Errorf("why %q lacks %q", why, w)
				}
			}
		})
	}
}

// Bytes kept in the download cache shorten that channel's download: half
// an archive in the cache makes it the clearly faster one.
func TestChooseChannelCountsCache(t *testing.T) {
	cs := costs(100e6, 100e6)
	u := unpackCost{cores: 2, inflate: 40e6}
	if first, _ := chooseChannel(cs, u); first != 1 {
		t.Fatalf("without a cache the zip should win on 2 cores")
	}
	cs[0].have = 35e6
	first, why := chooseChannel(cs, u)
	if first != 0 || !strings.Contains(why, "clearly faster") || !strings.Contains(why, "(35.0 of 70.0 MB already in the download cache)") {
		t.Errorf("first %d, why %q", first, why)
	}
	// More than the file (a record gone wrong) is no negative download.
	cs[0].have = 90e6
	if d := cs[0].download(); d != 0 {
		t.Errorf("download %v", d)
	}
}

// A tie keeps the order given (the latency order), and the first byte's
// wait is part of the download.
func TestChooseChannelTieAndWait(t *testing.T) {
	cs := [2]channelCost{
		{source: SourceArchive, size: 1e6, rate: 1e6, zip: true},
		{source: SourceModule, size: 1e6, rate: 1e6, zip: true},
	}
	u := unpackCost{cores: 2, inflate: 1e6}
	if first, _ := chooseChannel(cs, u); first != 0 {
		t.Error("a tie should keep the given order")
	}
	cs[0].wait = 700 * time.Millisecond
	first, why := chooseChannel(cs, u)
	if first != 1 || !strings.Contains(why, "clearly faster") {
		t.Errorf("first %d, why %q", first, why)
	}
}

// A module zip's unpack also hashes every byte it writes (the h1 hash):
// with hashing as slow as inflating, the zip's parallel unpack no longer
// pays on two cores.
func TestChooseChannelCountsModuleHashing(t *testing.T) {
	cs := costs(100e6, 100e6)
	cs[1].hashed = true
	u := unpackCost{cores: 2, inflate: 40e6}
	if first, _ := chooseChannel(cs, u); first != 1 {
		t.Fatal("without hashing the zip should win on 2 cores")
	}
	u.hash, u.ratio = 160e6, 4 // 4 uncompressed bytes a compressed one
	if first, why := chooseChannel(cs, u); first != 0 || !strings.Contains(why, "unpacks while it downloads") {
		t.Errorf("first %d, why %q", first, why)
	}
}

// The unpack speeds are timed on real leading bytes of both kinds of
// file, cut short as a sample is: a tar.gz's gzip stream and a zip's
// local entries.
func TestUnpackCostMeasuresSampledBytes(t *testing.T) {
	p := dist_host()
	es := bulkyToolchain(p)
	gz := mirrortest.TarGz("go/", es)
	zip := mirrortest.Zip(dist.ModuleZipPrefix(instVersion, p), es)
	in := &Installer{cores: 2}
	for name, u := range map[string]unpackCost{
		"tar.gz": in.unpackCost(gz[:min(len(gz), sampleBytes)], nil),
		"zip":    in.unpackCost(nil, zip[:min(len(zip), sampleBytes)]),
	} {
		if u.cores != 2 || u.inflate <= 0 || u.hash <= 0 || u.ratio < 1 {
			t.Errorf("%s: %+v", name, u)
		}
	}
	if u := in.unpackCost(nil, []byte("not a zip at all")); u.inflate != 0 {
		t.Errorf("inflate speed from garbage: %+v", u)
	}
	in.inflateRate = 5e6
	if u := in.unpackCost(gz, nil); u.inflate != 5e6 || u.hash != 0 {
		t.Errorf("the pinned inflate speed was not kept: %+v", u)
	}
}

// A module zip that streams (ranged connections) unpacks over the cores
// while it downloads: against a capped link its unpack hides behind the
// download, where the zip that waits for its last byte adds it.
func TestChannelCostStreamingZip(t *testing.T) {
	u := unpackCost{cores: 2, inflate: 40e6}
	c := channelCost{source: SourceModule, size: 72e6, rate: 36e6, zip: true}
	if got := c.total(u); got != 2*time.Second+900*time.Millisecond {
		t.Errorf("waiting zip: total %s, want 2.9s (2 s download, then 1.8 s of inflate on 2 cores)", got)
	}
	c.streams = true
	if got := c.total(u); got != 2*time.Second {
		t.Errorf("streaming zip: total %s, want the download's 2s", got)
	}
	// Slower to unpack than to download: the unpack decides.
	c.rate = 720e6
	if got := c.total(u); got != 900*time.Millisecond {
		t.Errorf("streaming zip on a fast link: total %s, want 0.9s", got)
	}
	cs := costs(36e6, 36e6)
	cs[1].streams = true
	if first, why := chooseChannel(cs, unpackCost{cores: 2, inflate: 30e6}); first != 1 || !strings.Contains(why, "unpacks on 2 cores instead of 1") {
		t.Errorf("chooseChannel = %d, %q; want the streaming zip for its two cores", first, why)
	}
}
