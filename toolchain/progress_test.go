package toolchain

import (
	"testing"
	"time"
)

// A fast download must not flood the callback; the final flush always
// reports the exact totals.
func TestReporterThrottles(t *testing.T) {
	var events []Event
	r := newReporter(func(e Event) { events = append(events, e) })
	r.interval = 50 * time.Millisecond
	r.setChannel(SourceArchive, "m")
	r.startDownload(100000)
	start := time.Now()
	for range 100000 {
		r.addBytes(1)
	}
	// At most one event per interval, plus the phase events: bounded by the
	// time the loop really took (under -race on a loaded machine that is
	// far more than one interval), never by the 100,000 calls.
	allowed := int(time.Since(start)/r.interval) + 4
	r.flush(PhaseDownload)
	r.close()
	if len(events) > allowed {
		t.Errorf("%d events for one quick download, want at most %d (one per %s)", len(events), allowed, r.interval)
	}
	last := events[len(events)-1]
	if last.Phase != PhaseDownload || last.Done != 100000 || last.Total != 100000 || last.Mirror != "m" || last.Source != SourceArchive {
		t.Errorf("last event %+v", last)
	}
	var nilRep *reporter
	nilRep.addBytes(1) // a nil reporter (no Progress callback) is a no-op
	nilRep.emit(Event{})
}

// A consumer that blocks never stalls the download: counters coalesce
// while it is busy, and every phase change still arrives, in order.
func TestReporterSlowConsumer(t *testing.T) {
	release := make(chan struct{})
	var got []Event
	r := newReporter(func(e Event) {
		if len(got) == 0 {
			<-release // the consumer is stuck on the first event
		}
		got = append(got, e)
	})
	r.interval = 0
	r.emit(Event{Phase: PhaseResolve})
	r.startDownload(1000)
	for range 1000 {
		r.addBytes(1) // must not block
	}
	r.flush(PhaseDownload)
	r.emit(Event{Phase: PhaseDone})
	close(release)
	r.close()
	if len(got) < 3 || len(got) > 5 || got[0].Phase != PhaseResolve || got[len(got)-1].Phase != PhaseDone {
		t.Fatalf("events %+v", got)
	}
	if d := got[len(got)-2]; d.Phase != PhaseDownload || d.Done != 1000 {
		t.Errorf("last counter %+v", d)
	}
}

// The download's final counters are sent once, however many places flush
// them (a streaming unpack flushes once it has every entry, its caller
// again after), marked Final, and its rate is measured to the last byte:
// an unpack that goes on after it does not count.
func TestReporterDownloadFlushOnce(t *testing.T) {
	var events []Event
	r := newReporter(func(e Event) { events = append(events, e) })
	r.startDownload(1000)
	r.start = time.Now().Add(-time.Second) // a second ago
	r.addBytes(1000)
	time.Sleep(300 * time.Millisecond) // unpacking after the last byte
	r.flush(PhaseDownload)
	r.flush(PhaseUnpack)
	r.flush(PhaseDownload)
	r.close()
	var finals []Event
	for _, e := range events {
		if e.Final {
			finals = append(finals, e)
		}
	}
	if len(finals) != 2 || finals[0].Phase != PhaseDownload || finals[1].Phase != PhaseUnpack {
		t.Fatalf("final events %+v, want one download flush then one unpack flush", finals)
	}
	// 1000 bytes in one second, not in 1.3.
	for _, e := range finals {
		if e.Rate < 900 || e.Rate > 1100 {
			t.Errorf("%s final rate %.0f B/s, want ~1000 (measured to the last byte)", e.Phase, e.Rate)
		}
	}
}
