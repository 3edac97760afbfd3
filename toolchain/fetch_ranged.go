package toolchain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gosetup/gosetup/internal/httpx"
)

// Defaults of the ranged downloader. Chunks of a few MB keep the per-request
// overhead small against a capped mirror's 1–10 MB/s while leaving enough
// pieces of a 70 MB toolchain for the connections to share. A mirror that
// caps each connection is only beaten several times over with several
// connections to it (three at most could never make a third of one
// stream's time), yet more than a few get a client banned: four per
// mirror, over the three best mirrors, eight in all.
const (
	DefaultConnections = 8
	rangedChunk        = 4 << 20
	rangedMinChunk     = 1 << 20
	rangedPerMirror    = 4
	rangedMirrors      = 3
)

// rangedConfig tunes a ranged download.
type rangedConfig struct {
	client    *http.Client
	size      int64 // required: the file's trusted length
	conns     int   // connections in total
	perMirror int   // connections per mirror at most
	chunk     int64
	stall     time.Duration
	attempts  int // transient failures a mirror may have
	backoff   time.Duration
	magic     []byte
	rep       *reporter
	// eager starts every connection at once instead of growing from one
	// (tests that need several connections without a slow server).
	eager bool
	// growEvery is how often the rate is measured to decide on another
	// connection (default rangedGrowEvery).
	growEvery time.Duration
	// lowSpeed, lowSpeedTime and otherSource are the stream's (see
	// fetchConfig), applied to the download as a whole.
	lowSpeed     int64
	lowSpeedTime time.Duration
	otherSource  bool
	// tailFirst is how many bytes at the end of the file to fetch before
	// anything else (a zip's central directory, see fetchModuleRanged).
	tailFirst int64
}

// errRangesRefused means no mirror answered a Range request with the
// requested bytes (206 and a matching Content-Range): the caller downloads
// the file as one stream instead.
var errRangesRefused = errors.New("no mirror serves byte ranges")

// span is a byte range [start, end).
type span struct {
	start, end int64
}

// task is a span one connection is fetching. Its fields change under
// rangedFetch.mu: end may be lowered by a thief or by the twin that
// overtook it. Every byte offset has one writer at a time: a task writes
// only bytes it claimed by advancing pos (under mu) before the write, and
// nobody hands out bytes below another task's pos.
type task struct {
	span
	mi     int   // the mirror
	pos    int64 // bytes [start, pos) are written or claimed by a write in flight
	floor  int64 // bytes below it are another task's: not written again
	cancel context.CancelFunc
	// lost: the task was overtaken by its twin (or its twin finished
	// first); it ends without fault and leaves nothing to requeue.
	lost bool
	// twin (for a helper) is the slower task whose rest it fetches too;
	// helper (for that task) is the one racing it. See endgame.
	twin, helper *task
	// got counts the bytes received; rate is the rate over the last
	// full window that started at winAt (see roll).
	got    int64
	winAt  time.Time
	winGot int64
	rate   float64
	rated  bool
}

// rangedFetch downloads a file of known size from several mirrors at once,
// over several connections, into a file at the bytes' own offsets (a sparse
// spill file in the download cache). Read returns the file's bytes in
// order, each as soon as it and every byte before it have arrived, so the
// archive's hash and unpacking start with the leading chunks; ReadAt
// returns any bytes once they have arrived, so a zip whose end came first
// (tailFirst) unpacks as it downloads.
//
// Scheduling: unless eager, one connection starts and more join only while
// they raise the rate (see grow); the file is cut into chunks queued in
// order (when more than one connection may fetch); each idle
// connection takes the lowest queued chunk from the best mirror that has
// fewer than perMirror connections; when the queue is empty, an idle
// connection takes the far half of the busiest connection's remaining span
// (work stealing), so a slow mirror ends up with little to do; once no
// span is worth splitting, an idle connection races the rest of a
// trickling one (see endgame). The total rate is held to the low-speed
// limit (see monitor). A transient
// failure requeues what was left; a mirror that serves wrong bytes (bad
// status, HTML, a Content-Range for another offset or size, a wrong start
// of the file) is dropped with a failover event naming why.
//
// Nothing here is trusted: the caller verifies the whole file (its SHA-256,
// or the h1 hash of every unpacked file) before anything is used.
type rangedFetch struct {
	ctx     context.Context
	abort   context.CancelFunc
	cfg     rangedConfig
	mirrors []mirror
	w       io.WriterAt
	r       io.ReaderAt

	mu       sync.Mutex
	cond     *sync.Cond // bytes arrived, or the download ended: for Read
	sched    *sync.Cond // a connection ended or a mirror died: for next
	have     rangeSet   // bytes written
	from     []int      // per mirror: bytes written
	queue    []span
	active   []*task
	dead     []bool
	noRange  []bool
	fails    []int
	inUse    []int  // connections per mirror
	said     []bool // the mirror's connect event was sent
	live     int    // connections receiving
	failures []MirrorError
	err      error // final failure
	finished bool
	wg       sync.WaitGroup
	off      int64         // Read position
	onChange func()        // called (under mu) when have grows; records progress
	target   int           // connections allowed to fetch now (grows from 1)
	chunk    int64         // the chunk size now (see chunkSize)
	tailAt   int64         // where the tail fetched first starts (see tailFirst), else size
	ttfb     time.Duration // the quickest answer to a request so far
	got      int64         // bytes written in this run
	mrate    []float64     // per mirror: the rate its connections last showed
	twins    int           // endgame helpers started
	overtook int           // tasks overtaken by their helper
	slowSaid bool          // the "very slow, but nothing else" note was sent
	grown    growth        // see monitor

	// Re-fetching bytes found bad (fetch_refetch.go).
	prov  provenance    // which mirror wrote which bytes in this run
	avoid []bool        // mirrors not to use for this round (nil: none)
	ended chan struct{} // closed once the round's connections are gone
}

// newRangedFetch prepares (but does not start) a download into w; have
// lists bytes already in w from an earlier run.
func newRangedFetch(ctx context.Context, cfg rangedConfig, mirrors []mirror, w io.WriterAt, r io.ReaderAt, have rangeSet) *rangedFetch {
	if cfg.conns <= 0 {
		cfg.conns = DefaultConnections
	}
	if cfg.perMirror <= 0 {
		cfg.perMirror = rangedPerMirror
	}
	if cfg.chunk <= 0 {
		cfg.chunk = rangedChunk
	}
	if cfg.attempts <= 0 {
		cfg.attempts = 3
	}
	if cfg.stall <= 0 {
		cfg.stall = 30 * time.Second
	}
	if cfg.backoff <= 0 {
		cfg.backoff = time.Second
	}
	if cfg.growEvery <= 0 {
		cfg.growEvery = rangedGrowEvery
	}
	ctx, abort := context.WithCancel(ctx)
	f := &rangedFetch{ctx: ctx, abort: abort, cfg: cfg, mirrors: mirrors, w: w, r: r,
		have: have.clip(cfg.size), from: make([]int, len(mirrors)), dead: make([]bool, len(mirrors)),
		noRange: make([]bool, len(mirrors)), mrate: make([]float64, len(mirrors)), fails: make([]int, len(mirrors)), inUse: make([]int, len(mirrors)), said: make([]bool, len(mirrors))}
	f.cond = sync.NewCond(&f.mu)
	f.sched = sync.NewCond(&f.mu)
	f.target = cfg.conns
	f.chunk = cfg.chunk
	if !cfg.eager {
		f.target = 1
	}
	// One connection asks for each whole gap; chunks are cut when others
	// join (rechunk).
	f.queue = f.have.missing(cfg.size)
	if f.target > 1 {
		f.queue = gradedChunks(f.queue, 0, f.target, f.chunk)
	}
	f.tailAt = cfg.size
	if cfg.tailFirst > 0 {
		// The tail goes first, whole: rechunk leaves it alone.
		f.tailAt = max(cfg.size-cfg.tailFirst, 0)
		var tail, rest []span
		for _, s := range f.queue {
			if s.end > f.tailAt && s.start < f.tailAt {
				rest = append(rest, span{s.start, f.tailAt})
				s.start = f.tailAt
			}
			if s.start >= f.tailAt {
				tail = append(tail, s)
			} else {
				rest = append(rest, s)
			}
		}
		f.queue = append(tail, rest...)
	}
	return f
}

// chunks cuts g into spans of at most size bytes.
func chunks(g span, size int64) []span {
	var out []span
	for a := g.start; a < g.end; a += size {
		out = append(out, span{a, min(a+size, g.end)})
	}
	return out
}

// rechunk (under mu) cuts the queue and every active span longer than a
// chunk back into chunks, so the connections about to join share the rest
// of the file in order, as an eager start would have. The first target
// spans in file order are graded (see graded), so that connections which
// start together do not finish together.
func (f *rangedFetch) rechunk() {
	var act []*task
	for _, s := range f.active {
		if s.twin != nil || s.helper != nil || s.start >= f.tailAt {
			continue // racing its twin (see endgame), or the tail: left alone
		}
		act = append(act, s)
	}
	slices.SortFunc(act, func(a, b *task) int { return cmp.Compare(f.position(a), f.position(b)) })
	var q []span
	for i, s := range act {
		// A remainder under an eighth of a chunk would be a request
		// for almost nothing, stranded between two active spans.
		if cut := f.position(s) + graded(i, f.target, f.chunk); cut < s.end-f.chunk/8 {
			q = append(q, span{cut, s.end})
			s.end = cut
		}
	}
	var tail []span
	for _, s := range f.queue {
		if s.start >= f.tailAt {
			tail = append(tail, s)
		} else {
			q = append(q, s)
		}
	}
	slices.SortFunc(q, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	// Adjacent spans join first: the last step's chunk boundaries would
	// otherwise cut the graded ones into slivers.
	var gaps []span
	for _, s := range q {
		if n := len(gaps); n > 0 && gaps[n-1].end == s.start {
			gaps[n-1].end = s.end
			continue
		}
		gaps = append(gaps, s)
	}
	f.queue = append(tail, gradedChunks(gaps, len(act), f.target, f.chunk)...)
}

// graded is the size of the i-th of n spans that start at once: i+1
// n-ths of a chunk. Connections that start together at the same rate
// would otherwise finish together, and the bytes reach the reader in
// order only in bursts of n chunks: on a capped mirror the unpacker then
// waits for each burst and is left with the last one, most of a second
// of inflating, after the last byte arrived. Graded, the first finishes
// after a fraction of a chunk and takes the next one, and from then on
// the connections stay staggered: the in-order prefix grows at the total
// rate, a chunk at a time.
func graded(i, n int, chunk int64) int64 {
	if i >= n-1 || n <= 1 {
		return chunk
	}
	return max(chunk*int64(i+1)/int64(n), 1)
}

// gradedChunks cuts the sorted spans q into chunks, the first of them
// graded as the (from)th and later of n spans starting at once.
func gradedChunks(q []span, from, n int, chunk int64) []span {
	var out []span
	i := from
	for _, g := range q {
		for a := g.start; a < g.end; i++ {
			b := min(a+graded(i, n, chunk), g.end)
			out = append(out, span{a, b})
			a = b
		}
	}
	return out
}

// start launches the connections. At most as many as there are chunks are
// useful at first; the others join by stealing.
func (f *rangedFetch) start() {
	context.AfterFunc(f.ctx, func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.sched.Broadcast()
		f.mu.Unlock()
	})
	f.mu.Lock()
	if len(f.queue) == 0 {
		f.finished = true
	}
	f.mu.Unlock()
	for range f.cfg.conns {
		f.wg.Add(1)
		go f.worker()
	}
	done := make(chan struct{})
	go f.monitor(done)
	ended := make(chan struct{})
	f.ended = ended
	go func() {
		f.wg.Wait()
		close(done)
		f.mu.Lock()
		if !f.finished && f.err == nil {
			f.fail()
		}
		f.cond.Broadcast()
		f.mu.Unlock()
		close(ended)
	}()
}

// fail sets the final error (under mu) once no mirror is left.
func (f *rangedFetch) fail() {
	if f.err != nil {
		return
	}
	if err := f.ctx.Err(); err != nil {
		f.err = err
		return
	}
	// A mirror that refused ranges may still serve the file as one
	// stream: then the caller falls back to the single stream over every
	// mirror, whatever the others did and whatever bytes are here
	// (counting resumed ones would fail every later run the same way).
	if slices.Contains(f.noRange, true) {
		f.err = errRangesRefused
		return
	}
	if len(f.failures) == 0 {
		f.err = errors.New("no mirror to download from")
		return
	}
	f.err = &AllMirrorsFailedError{Failures: f.failures}
}

// Close stops every connection and waits for them.
func (f *rangedFetch) Close() error {
	f.abort()
	f.wg.Wait()
	return nil
}

// Abort interrupts the download and any Read waiting for bytes.
func (f *rangedFetch) Abort() { f.abort() }

// Wait blocks until the whole file is written or the download failed.
func (f *rangedFetch) Wait() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.finished && f.err == nil && f.ctx.Err() == nil {
		f.cond.Wait()
	}
	if f.finished {
		return nil
	}
	if f.err != nil {
		return f.err
	}
	return f.ctx.Err()
}

// Read returns the next bytes of the file in order, waiting for them.
func (f *rangedFetch) Read(p []byte) (int, error) {
	f.mu.Lock()
	if f.off >= f.cfg.size {
		f.mu.Unlock()
		return 0, io.EOF
	}
	if err := f.await(f.off, f.off+1); err != nil {
		f.mu.Unlock()
		return 0, err
	}
	avail := f.have.prefixFrom(f.off) - f.off
	off := f.off
	f.mu.Unlock()
	if int64(len(p)) > avail {
		p = p[:avail]
	}
	n, err := f.r.ReadAt(p, off)
	f.mu.Lock()
	f.off += int64(n)
	f.mu.Unlock()
	if err == io.EOF && n == len(p) {
		err = nil
	}
	return n, err
}

// await waits (under mu) until bytes [off, end) have all arrived, or
// returns why they will not: the download failed or was cancelled.
func (f *rangedFetch) await(off, end int64) error {
	for f.have.prefixFrom(off) < end {
		if f.finished {
			// Ended without these bytes (cannot happen today: a
			// download finishes only complete); never wait forever.
			return io.ErrUnexpectedEOF
		}
		if f.err != nil {
			return f.err
		}
		if err := f.ctx.Err(); err != nil {
			return err
		}
		f.cond.Wait()
	}
	return nil
}

// ReadAt reads len(p) bytes at off, waiting until all of them have
// arrived (or the download failed), so that a zip can be read while it
// downloads. It is io.ReaderAt: fewer bytes only at the end, with io.EOF.
func (f *rangedFetch) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= f.cfg.size {
		return 0, io.EOF
	}
	want := min(off+int64(len(p)), f.cfg.size)
	f.mu.Lock()
	err := f.await(off, want)
	f.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := f.r.ReadAt(p[:want-off], off)
	if err == nil && want < off+int64(len(p)) {
		err = io.EOF
	}
	return n, err
}

// arriving reports whether the download is still running.
func (f *rangedFetch) arriving() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.finished && f.err == nil && f.ctx.Err() == nil
}

// Have is a copy of the ranges written so far.
func (f *rangedFetch) Have() rangeSet {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(rangeSet(nil), f.have...)
}

// Main is the index of the mirror that delivered the most bytes, or -1.
func (f *rangedFetch) Main() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	best := -1
	for i, n := range f.from {
		if n > 0 && (best < 0 || n > f.from[best]) {
			best = i
		}
	}
	return best
}

// Served lists the indexes of the mirrors that delivered bytes.
func (f *rangedFetch) Served() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for i, n := range f.from {
		if n > 0 {
			out = append(out, i)
		}
	}
	return out
}

// Dead reports which mirrors were dropped for a fault (not those that
// only refused ranges).
func (f *rangedFetch) Dead() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]bool(nil), f.dead...)
	for i := range out {
		// Refusing ranges is no fault: the mirror may serve one stream.
		out[i] = out[i] && !f.noRange[i]
	}
	return out
}

// Failures lists the dropped mirrors and why.
func (f *rangedFetch) Failures() []MirrorError {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]MirrorError(nil), f.failures...)
}

// Live is the number of connections receiving bytes now.
func (f *rangedFetch) Live() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live
}

// next picks a mirror and a span for an idle connection (under mu). It
// returns ok=false when the connection should end: the file is complete,
// every mirror is dead, or nothing is left to share.
func (f *rangedFetch) next() (mi int, t *task, ok bool) {
	for {
		if f.finished || f.err != nil || f.ctx.Err() != nil {
			return 0, nil, false
		}
		if len(f.active) >= f.target {
			// Not yet worth another connection (see grow).
			f.sched.Wait()
			continue
		}
		// The least busy of the best few live mirrors (in ranked order),
		// so connections spread instead of piling onto the first.
		mi = -1
		alive := 0
		for i := range f.mirrors {
			if f.dead[i] || f.avoided(i) || alive == rangedMirrors {
				continue
			}
			alive++
			if f.inUse[i] < f.cfg.perMirror && (mi < 0 || f.inUse[i] < f.inUse[mi]) {
				mi = i
			}
		}
		if alive == 0 {
			return 0, nil, false
		}
		if mi >= 0 {
			if len(f.queue) > 0 {
				s := f.queue[0]
				f.queue = f.queue[1:]
				t = &task{span: s, mi: mi}
				t.pos = min(f.have.prefixFrom(s.start), s.end)
			} else if t = f.steal(mi); t == nil {
				if len(f.active) == 0 {
					return 0, nil, false
				}
				t = f.endgame(time.Now())
			}
			if t != nil {
				f.inUse[t.mi]++
				f.active = append(f.active, t)
				return t.mi, t, true
			}
		}
		// Every usable mirror is at its limit, or nothing is worth
		// stealing yet: wait for a connection to finish or fail.
		f.sched.Wait()
	}
}

// position is where t's unclaimed bytes begin (under mu).
func (f *rangedFetch) position(t *task) int64 {
	return max(t.pos, f.have.prefixFrom(t.start))
}

// steal splits the active span with the most left to fetch and returns
// its far half for mirror mi, or nil if no span is worth splitting.
func (f *rangedFetch) steal(mi int) *task {
	var best *task
	var left int64
	for _, s := range f.active {
		if s.twin != nil || s.helper != nil {
			continue // racing its twin (see endgame)
		}
		l := s.end - f.position(s)
		if l > left {
			best, left = s, l
		}
	}
	// Splitting less than an eighth of a chunk costs more in requests
	// than it can save.
	if best == nil || left < f.chunk/4 {
		return nil
	}
	mid := f.position(best) + left/2
	thief := &task{span: span{mid, best.end}, mi: mi, pos: mid}
	best.end = mid
	return thief
}

// release ends a connection's use of a span (under mu): what is left of
// it goes back to the queue's front, unless its twin still covers it.
func (f *rangedFetch) release(mi int, sp *task) {
	f.inUse[mi]--
	for i, s := range f.active {
		if s == sp {
			f.active = append(f.active[:i], f.active[i+1:]...)
			break
		}
	}
	covered := f.untwin(sp)
	if pos := f.have.prefixFrom(sp.start); pos < sp.end && !covered && !sp.lost {
		f.queue = append([]span{{pos, sp.end}}, f.queue...)
	}
	if f.have.total() >= f.cfg.size {
		f.finished = true
	}
	f.cond.Broadcast()
	f.sched.Broadcast()
}

func (f *rangedFetch) worker() {
	defer f.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		f.mu.Lock()
		mi, sp, ok := f.next()
		f.mu.Unlock()
		if !ok {
			return
		}
		err := f.fetch(mi, sp, buf)
		f.mu.Lock()
		if sp.lost {
			// Cancelled because its twin won: no fault of the mirror.
			err = nil
		}
		if err == nil {
			f.finishRate(sp, time.Now())
		}
		f.release(mi, sp)
		if err != nil && f.ctx.Err() == nil {
			f.failMirror(mi, err)
		}
		f.mu.Unlock()
		if err != nil && f.ctx.Err() == nil && !f.isDead(mi) {
			f.sleep(mi)
		}
	}
}

func (f *rangedFetch) isDead(mi int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dead[mi]
}

func (f *rangedFetch) sleep(mi int) {
	f.mu.Lock()
	// fails may be back to 0 already: another connection to the mirror
	// delivered bytes since this one failed (a negative shift panics).
	d := f.cfg.backoff << min(max(f.fails[mi]-1, 0), 4)
	f.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.ctx.Done():
	}
}

// failMirror counts a failure of mirror mi (under mu) and drops it after a
// permanent one or too many transient ones.
func (f *rangedFetch) failMirror(mi int, err error) {
	if f.dead[mi] {
		return
	}
	var pe permanentError
	var re rangeRefusedError
	switch {
	case errors.As(err, &re):
		f.noRange[mi] = true
		f.dead[mi] = true
	case errors.As(err, &pe):
		f.dead[mi] = true
	default:
		f.fails[mi]++
		f.dead[mi] = f.fails[mi] >= f.cfg.attempts
	}
	if f.dead[mi] {
		m := f.mirrors[mi]
		f.failures = append(f.failures, MirrorError{Mirror: m.Name, Err: err})
		f.cfg.rep.emit(Event{Phase: PhaseFailover, Mirror: m.Name, URL: m.URL, Err: err, Dropped: err, Message: "dropped from the ranged download"})
		all := true
		for _, d := range f.dead {
			all = all && d
		}
		if all {
			f.fail()
		}
	}
	f.cond.Broadcast()
	f.sched.Broadcast()
}

// rangeRefusedError is a mirror that does not serve byte ranges.
type rangeRefusedError struct{ err error }

func (e rangeRefusedError) Error() string { return e.err.Error() }
func (e rangeRefusedError) Unwrap() error { return e.err }

// fetch downloads sp from mirror mi into the file until sp (whose end a
// thief may lower meanwhile) is complete.
func (f *rangedFetch) fetch(mi int, sp *task, buf []byte) error {
	m := f.mirrors[mi]
	reqCtx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	f.mu.Lock()
	start, end := f.position(sp), sp.end
	sp.pos = max(sp.pos, start)
	sp.cancel = cancel
	f.mu.Unlock()
	if start >= end {
		return nil
	}
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, m.URL, nil)
	if err != nil {
		return permanent("bad URL: %v", err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", start, end-1))
	req.Header.Set("Accept-Encoding", "identity")
	asked := time.Now()
	resp, err := f.cfg.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := f.checkResponse(resp, start); err != nil {
		return err
	}
	f.mu.Lock()
	if d := time.Since(asked); f.ttfb == 0 || d < f.ttfb {
		f.ttfb = d
	}
	f.live++
	sp.winAt = time.Now()
	first := !f.said[mi]
	f.said[mi] = true
	f.mu.Unlock()
	if first {
		// As a single stream does: name each mirror as it starts serving.
		f.cfg.rep.setChannel(f.cfg.rep.sourceOf(), m.Name)
		f.cfg.rep.emit(Event{Phase: PhaseConnect, Mirror: m.Name, URL: m.URL})
	}
	f.cfg.rep.connDelta(1)
	defer func() {
		f.cfg.rep.connDelta(-1)
		f.mu.Lock()
		f.live--
		f.mu.Unlock()
	}()
	body := httpx.NewStallReader(resp.Body, f.cfg.stall, cancel)
	defer body.Close()
	pos := start
	for {
		f.mu.Lock()
		end = sp.end
		f.mu.Unlock()
		if pos >= end {
			return nil
		}
		p := buf
		if int64(len(p)) > end-pos {
			p = p[:end-pos]
		}
		n, rerr := body.Read(p)
		if n > 0 && pos < int64(len(f.cfg.magic)) {
			if err := checkMagic(f.cfg.magic, pos, p[:n]); err != nil {
				return err
			}
		}
		f.mu.Lock()
		sp.got += int64(n)
		if end = sp.end; pos+int64(n) > end {
			// A thief took the rest while this Read was running.
			n = int(max(end-pos, 0))
		}
		// Claim the bytes before writing them: a helper skips what its
		// twin claimed, and overtakes it once past (see endgame).
		skip := f.claim(sp, pos, int64(n))
		lost := sp.lost
		f.mu.Unlock()
		if lost {
			return nil
		}
		if n > 0 && skip < int64(n) {
			if _, err := f.w.WriteAt(p[skip:n], pos+skip); err != nil {
				f.mu.Lock()
				f.err = &writeError{path: "the download cache", err: err}
				f.cond.Broadcast()
				f.mu.Unlock()
				f.abort()
				return err
			}
			f.mu.Lock()
			// Only bytes not already here count as downloaded: a span
			// handed back and fetched again overlaps what was written.
			before := f.have.total()
			f.have = f.have.add(pos+skip, pos+int64(n))
			added := f.have.total() - before
			f.prov = f.prov.set(pos+skip, pos+int64(n), mi)
			f.from[mi] += n - int(skip)
			f.got += added
			f.fails[mi] = 0
			if f.onChange != nil {
				f.onChange()
			}
			f.cond.Broadcast()
			f.mu.Unlock()
			f.cfg.rep.addBytes(int(added))
		}
		pos += int64(n)
		if rerr == io.EOF {
			f.mu.Lock()
			end = sp.end
			f.mu.Unlock()
			if pos < end {
				return fmt.Errorf("the response ended at byte %d, before %d", pos, end)
			}
			return nil
		}
		if rerr != nil {
			f.mu.Lock()
			lost := sp.lost
			f.mu.Unlock()
			if lost {
				return nil
			}
			return fmt.Errorf("connection lost at byte %d: %w", pos, rerr)
		}
	}
}

func checkMagic(magic []byte, pos int64, b []byte) error {
	want := magic[pos:]
	got := b
	if len(got) > len(want) {
		got = got[:len(want)]
	}
	if string(got) != string(want[:len(got)]) {
		return permanent("served something that is not the expected file (it starts with %q)", printable(b))
	}
	return nil
}

// checkResponse accepts only 206 with the requested start and the trusted
// total: anything else is another file, an error page, or a server that
// ignores Range.
func (f *rangedFetch) checkResponse(resp *http.Response, start int64) error {
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return permanent("not found (%s)", untrusted(resp.Status, 100))
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return serverError{fmt.Errorf("server error (%s)", untrusted(resp.Status, 100))}
	case resp.StatusCode == http.StatusOK:
		if resp.ContentLength >= 0 && resp.ContentLength != f.cfg.size {
			return permanent("has %d bytes where %d are expected (a different file?)", resp.ContentLength, f.cfg.size)
		}
		return rangeRefusedError{errors.New("ignores Range requests (answered 200 with the whole file)")}
	case resp.StatusCode != http.StatusPartialContent:
		return permanent("unexpected response %s", untrusted(resp.Status, 100))
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "text/html" {
		return permanent("served an HTML page (%s) instead of the file", untrusted(resp.Header.Get("Content-Type"), 100))
	}
	got, total, err := parseContentRange(resp.Header.Get("Content-Range"))
	if err != nil {
		return permanent("bad Content-Range: %v", err)
	}
	if got != start {
		return permanent("answered a range at byte %d instead of %d", got, start)
	}
	if total != f.cfg.size {
		return permanent("has %d bytes where %d are expected (a different file?)", total, f.cfg.size)
	}
	return nil
}
