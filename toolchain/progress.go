package toolchain

import (
	"sync"
	"sync/atomic"
	"time"
)

// Phase names a step of an installation, in the order they happen.
type Phase string

const (
	// PhaseResolve: choosing the channel and ranking its mirrors.
	PhaseResolve Phase = "resolve"
	// PhaseConnect: opening a download from Event.Mirror.
	PhaseConnect Phase = "connect"
	// PhaseDownload: bytes arriving; Done, Total and Rate are set.
	PhaseDownload Phase = "download"
	// PhaseFailover: Event.Mirror failed for Event.Err; the next is tried.
	PhaseFailover Phase = "failover"
	// PhaseVerify: the checksum is being compared.
	PhaseVerify Phase = "verify"
	// PhaseUnpack: files written so far are in Event.Files.
	PhaseUnpack Phase = "unpack"
	// PhaseCheck: the staged bin/go is being run.
	PhaseCheck Phase = "check"
	// PhaseSwap: the staged toolchain is being moved into place.
	PhaseSwap Phase = "swap"
	// PhaseDone: the install finished; Event.Message is the go version line.
	PhaseDone Phase = "done"
)

// Event is one progress report. Fields not meaningful for a phase are zero.
type Event struct {
	Phase  Phase
	Source Source // archive or module, once chosen
	Mirror string // the mirror's catalogue name (or URL)
	URL    string // what is being fetched
	// Done and Total count downloaded bytes; Total is -1 when unknown.
	Done, Total int64
	// Rate is the average download rate in bytes per second, over all
	// connections together (bytes kept from an earlier run do not count).
	Rate float64
	// Conns is the number of connections receiving bytes at the time of
	// a PhaseDownload event (0 when not known, 1 for a single stream).
	Conns int
	// Files counts files unpacked so far; FilesTotal is how many there
	// are when known (a zip's directory says so up front), else 0.
	Files, FilesTotal int
	// Err is why a mirror was abandoned (PhaseFailover).
	Err error
	// Dropped is set (to the same reason as Err) when a download over
	// several connections dropped the mirror and goes on over the other
	// mirrors' connections, rather than moving on to the next mirror.
	Dropped error
	// Message is a human-readable detail (the go version line on PhaseDone).
	Message string
	// Version is the release being installed (set on PhaseResolve).
	Version string
	// Final marks a PhaseDownload or PhaseUnpack event with the phase's
	// last counters: the download has all its bytes, or the unpack is done.
	Final bool
}

// reporter serialises and throttles events for a Progress callback, so the
// callback never runs concurrently with itself and a fast local download does
// not flood a terminal (or a TUI's message queue) with thousands of updates.
//
// The callback runs on the reporter's own goroutine, never under a lock and
// never on the download's goroutine: a slow consumer only makes counter
// events coalesce (the newest replaces one not yet delivered); phase
// changes are all delivered, in order. close waits for the last delivery.
type reporter struct {
	fn       func(Event)
	interval time.Duration

	qmu     sync.Mutex
	queue   []Event
	counter bool // the queue's last event is a counter event, replaceable
	wake    chan struct{}
	stopped chan struct{}
	closed  bool

	mu       sync.Mutex
	last     time.Time
	source   Source
	mirror   string
	start    time.Time
	done     int64
	total    int64
	files    int
	filesMax int
	dlRate   float64   // the download's rate once it finished, else 0
	dlEnd    time.Time // when the last byte came, if it has
	dlDone   bool      // the download's final counters were sent
	base     int64     // bytes of done kept from an earlier run
	live     atomic.Int32
	lastSent map[Phase]time.Time
}

func newReporter(fn func(Event)) *reporter {
	r := &reporter{fn: fn, interval: 100 * time.Millisecond, total: -1, lastSent: map[Phase]time.Time{},
		wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	if fn == nil {
		close(r.stopped)
		return r
	}
	go r.deliver()
	return r
}

// send queues e for delivery; a counter event replaces a counter event
// still waiting.
func (r *reporter) send(e Event, counter bool) {
	r.qmu.Lock()
	if r.closed {
		r.qmu.Unlock()
		return
	}
	if counter && r.counter && len(r.queue) > 0 && r.queue[len(r.queue)-1].Phase == e.Phase {
		r.queue[len(r.queue)-1] = e
	} else {
		r.queue = append(r.queue, e)
	}
	r.counter = counter
	r.qmu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reporter) deliver() {
	defer close(r.stopped)
	for {
		<-r.wake
		r.qmu.Lock()
		batch, closed := r.queue, r.closed
		r.queue, r.counter = nil, false
		r.qmu.Unlock()
		for _, e := range batch {
			r.fn(e)
		}
		if closed {
			return
		}
	}
}

// close delivers what is queued and stops; later events are dropped.
func (r *reporter) close() {
	if r == nil {
		return
	}
	r.qmu.Lock()
	already := r.closed
	r.closed = true
	r.qmu.Unlock()
	if !already && r.fn != nil {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	<-r.stopped
}

// emit sends a phase change (never throttled).
func (r *reporter) emit(e Event) {
	if r == nil || r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Source == "" {
		e.Source = r.source
	}
	r.send(e, false)
}

// setChannel records the channel and mirror later events are attributed to.
func (r *reporter) setChannel(s Source, mirror string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.source, r.mirror = s, mirror
	r.mu.Unlock()
}

// startDownload resets byte counters for a fresh download of total bytes.
func (r *reporter) startDownload(total int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.start, r.done, r.total, r.files, r.filesMax, r.dlRate, r.base = time.Now(), 0, total, 0, 0, 0, 0
	r.dlEnd, r.dlDone = time.Time{}, false
	r.mu.Unlock()
}

// addBytes counts downloaded bytes and reports at most every interval.
func (r *reporter) addBytes(n int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += int64(n)
	if r.total > 0 && r.done >= r.total && r.dlEnd.IsZero() {
		// The rate is the download's: the unpack may go on after.
		r.dlEnd = time.Now()
	}
	r.maybeSend(PhaseDownload, false)
}

// addFiles counts unpacked files and reports at most every interval.
func (r *reporter) addFiles(n int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files += n
	r.maybeSend(PhaseUnpack, false)
}

// resetFiles starts the unpacked-file count again, for another unpack
// into an emptied staging directory.
func (r *reporter) resetFiles() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.files = 0
	r.mu.Unlock()
}

// setFilesTotal records how many files the archive holds.
func (r *reporter) setFilesTotal(n int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.filesMax = n
	r.mu.Unlock()
}

// flush sends the final counters of a phase regardless of throttling. After
// the download's flush the reported rate stays the download's own, rather
// than decaying while the unpacking goes on.
func (r *reporter) flush(p Phase) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p == PhaseDownload {
		if r.dlDone {
			// Flushed already (a streaming unpack does it once it has
			// every entry): a second final line would come after what
			// followed.
			return
		}
		r.dlDone = true
		end := r.dlEnd
		if end.IsZero() {
			end = time.Now()
		}
		if el := end.Sub(r.start).Seconds(); el > 0 {
			r.dlRate = float64(r.done-r.base) / el
		}
	}
	r.maybeSend(p, true)
}

func (r *reporter) maybeSend(p Phase, force bool) {
	if r.fn == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(r.lastSent[p]) < r.interval {
		return
	}
	r.lastSent[p] = now
	e := Event{Phase: p, Source: r.source, Mirror: r.mirror, Done: r.done, Total: r.total, Files: r.files, FilesTotal: r.filesMax, Conns: int(r.live.Load()), Final: force}
	if r.dlRate > 0 {
		e.Rate = r.dlRate
	} else if el := now.Sub(r.start).Seconds(); el > 0 {
		e.Rate = float64(r.done-r.base) / el
	}
	r.send(e, !force)
}

// resumed counts n bytes kept from an earlier run as done, without
// counting them in the rate.
func (r *reporter) resumed(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.done += n
	r.base += n
	r.mu.Unlock()
}

// connDelta adjusts the number of live connections.
func (r *reporter) connDelta(d int) {
	if r == nil {
		return
	}
	r.live.Add(int32(d))
}

// setTotal records a download size learnt from the server.
func (r *reporter) setTotal(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.total = n
	r.mu.Unlock()
}

// sourceOf is the channel in use.
func (r *reporter) sourceOf() Source {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.source
}

// fetched is the bytes of the current download fetched in this run, and
// those kept from an earlier one.
func (r *reporter) fetched() (got, resumed int64) {
	if r == nil {
		return 0, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done - r.base, r.base
}

// growTotal adds n bytes to fetch to the download's total (bytes found bad
// and fetched again), so the bar does not run past its end.
func (r *reporter) growTotal(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.total > 0 {
		r.total += n
	}
	r.mu.Unlock()
}
