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
	for range 100000 {
		r.addBytes(1)
	}
	r.flush(PhaseDownload)
	if len(events) > 10 {
		t.Errorf("%d events for one quick download", len(events))
	}
	last := events[len(events)-1]
	if last.Phase != PhaseDownload || last.Done != 100000 || last.Total != 100000 || last.Mirror != "m" || last.Source != SourceArchive {
		t.Errorf("last event %+v", last)
	}
	var nilRep *reporter
	nilRep.addBytes(1) // a nil reporter (no Progress callback) is a no-op
	nilRep.emit(Event{})
}
