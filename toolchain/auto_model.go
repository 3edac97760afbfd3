package toolchain

import (
	"fmt"
	"time"
)

// channelCost is what --source auto knows about one channel once its
// mirrors were sampled: how much is left to fetch, how fast, and how the
// file unpacks. The model is deliberately small: every input is here, so
// the choice can be checked by hand (and by unit tests).
type channelCost struct {
	source Source
	mirror string        // the best mirror's name, for the explanation
	size   int64         // the file's length
	have   int64         // bytes of it already in the download cache
	rate   float64       // expected download rate, bytes/s, over the mirrors the download uses
	wait   time.Duration // time to the first byte of the best mirror
	// zip: the file unpacks only once complete, over parallel workers (a
	// module zip, a Windows archive); otherwise it is a tar.gz that
	// unpacks while it streams in (see unpackCost.gzWorkers).
	zip bool
	// hashed: every unpacked byte is also hashed (a module zip's h1 hash
	// covers each file's content), on the unpack workers.
	hashed bool
	// streams: a zip that unpacks while it downloads (a module zip over
	// ranged connections: its directory comes first), over the cores.
	streams bool
}

// unpackCost is this machine's unpack speed.
type unpackCost struct {
	cores   int     // cores a zip's unpack workers can use
	inflate float64 // compressed bytes/s one core inflates; 0: unknown
	// gzWorkers is how many goroutines inflate a tar.gz (pargz, on a
	// ranged download); 0 or 1: one core.
	gzWorkers int
	// hash is the uncompressed bytes/s one core hashes with SHA-256, and
	// ratio how many uncompressed bytes a compressed one holds; with
	// either 0, hashing costs nothing.
	hash, ratio float64
}

// sameSpeed is how close two download estimates must be to count as "about
// as fast", so that the end-to-end estimate (download and unpack) decides
// instead of the download alone. A download-rate sample is one second or
// one megabyte over fresh connections, still in TCP slow start and exposed
// to a CDN's first-byte jitter and to the machine's own load: on a loaded
// 2-core machine, samples of two identical loopback servers differed by up
// to 40% (.ci/bench/auto.sh). Within half again as fast, the sample cannot
// be trusted to rank the downloads, while the end-to-end estimate still
// counts the download difference it did see; beyond that, the download
// dominates the install and decides.
const sameSpeed = 1.5

// download is the estimated time to fetch what the cache lacks.
func (c channelCost) download() time.Duration {
	need := max(c.size-c.have, 0)
	if c.rate <= 0 {
		return time.Duration(1 << 62) // no rate: never the faster
	}
	return c.wait + seconds(float64(need)/c.rate)
}

// total is the estimated time to a complete unpacked tree. A tar.gz
// inflates while it streams in, on one core or in parallel (gzSpeedup), so
// it takes whichever is slower, the download or the inflate (cached bytes
// inflate at once); a
// zip inflates (and for a module zip hashes) over the cores, after the
// download or, when it streams, while it downloads.
func (c channelCost) total(u unpackCost) time.Duration {
	d := c.download()
	if u.inflate <= 0 {
		return d
	}
	inflate := float64(c.size) / u.inflate
	if c.zip {
		if c.hashed && u.hash > 0 {
			inflate += float64(c.size) * u.ratio / u.hash
		}
		work := seconds(inflate / float64(max(u.cores, 1)))
		if c.streams {
			return max(d, c.wait+work)
		}
		return d + work
	}
	return max(d, c.wait+seconds(inflate/u.gzSpeedup()))
}

// gzSpeedup is how much faster than one core a tar.gz inflates. pargz
// inflates the start of each chunk with markers, about half as fast, and
// the file writes and hashing share the cores: on the go1.22 archive two
// workers on two cores took 0.66 of the serial time standalone
// (BenchmarkReader, a speedup of 1.5) and 0.77 within the whole unpack
// (BenchmarkUnpackTarGz, 1.3).
func (u unpackCost) gzSpeedup() float64 {
	n := min(max(u.gzWorkers, 1), max(u.cores, 1))
	return 1 + 0.4*float64(n-1)
}

// unpackCores is how many cores the channel's unpack uses.
func (c channelCost) unpackCores(u unpackCost) int {
	if c.zip {
		return max(u.cores, 1)
	}
	return min(max(u.gzWorkers, 1), max(u.cores, 1))
}

// chooseChannel decides which of two sampled channels goes first (0 or 1)
// and says why in a sentence for the progress output. A clearly faster
// download wins; between downloads about as fast (within sameSpeed), the
// lower end-to-end estimate wins, and a tie keeps the given order.
func chooseChannel(cs [2]channelCost, u unpackCost) (int, string) {
	d := [2]time.Duration{cs[0].download(), cs[1].download()}
	fast := 0
	if d[1] < d[0] {
		fast = 1
	}
	slow := 1 - fast
	if float64(d[slow]) > float64(d[fast])*sameSpeed || u.inflate <= 0 {
		why := "downloads clearly faster than"
		if u.inflate <= 0 {
			why = "downloads faster than"
		}
		return fast, fmt.Sprintf("%s from %s: %s the %s (~%s vs ~%s)%s",
			cs[fast].label(), cs[fast].mirror, why, cs[slow].label(), secs(d[fast]), secs(d[slow]), cacheNote(cs[fast]))
	}
	t := [2]time.Duration{cs[0].total(u), cs[1].total(u)}
	win := 0
	if t[1] < t[0] {
		win = 1
	}
	lose := 1 - win
	how := "finishes"
	switch cw, cl := cs[win].unpackCores(u), cs[lose].unpackCores(u); {
	case cw > cl:
		how = fmt.Sprintf("unpacks on %d cores instead of %d,", cw, cl)
	case (!cs[win].zip || cs[win].streams) && cs[lose].zip && !cs[lose].streams:
		how = "unpacks while it downloads,"
	}
	return win, fmt.Sprintf("%s from %s: downloads about as fast as the %s (~%s vs ~%s) and %s ~%s sooner%s",
		cs[win].label(), cs[win].mirror, cs[lose].label(), secs(d[win]), secs(d[lose]), how, secs(t[lose]-t[win]), cacheNote(cs[win]))
}

func (c channelCost) label() string {
	if c.source == SourceModule {
		return "module zip"
	}
	return "archive"
}

// cacheNote mentions bytes kept from an earlier run, which explain why a
// channel's download is short.
func cacheNote(c channelCost) string {
	if c.have <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.1f of %.1f MB already in the download cache)", float64(c.have)/1e6, float64(c.size)/1e6)
}

func seconds(s float64) time.Duration {
	if s > float64(1<<62)/float64(time.Second) {
		return time.Duration(1 << 62)
	}
	return time.Duration(s * float64(time.Second))
}

// secs prints a duration for the explanation: tenths of a second, or
// milliseconds below a tenth.
func secs(d time.Duration) string {
	if d < 100*time.Millisecond {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
