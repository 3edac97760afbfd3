package tui

import (
	"testing"
	"time"
)

// TestStreamNeverBlocksTheReporter: with nobody reading (a stalled
// terminal), a million reports go through at once, coalesced to the latest
// of each counter, with every phase change kept in order.
func TestStreamNeverBlocksTheReporter(t *testing.T) {
	s := newStream[int](7)
	done := make(chan struct{})
	go func() {
		for i := range 1_000_000 {
			s.push("bytes", i)
			if i%250_000 == 0 {
				s.push("", -i)
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("push blocked without a reader")
	}
	b := s.next()().(batchMsg[int])
	// A counter keeps the place of its first report in the batch.
	want := []int{999_999, 0, -250_000, -500_000, -750_000}
	if b.id != 7 || len(b.items) != len(want) {
		t.Fatalf("batch %v, want %v", b.items, want)
	}
	for i := range want {
		if b.items[i] != want[i] {
			t.Fatalf("batch %v, want %v", b.items, want)
		}
	}
	// The next batch waits for a report, then the end.
	got := make(chan batchMsg[int], 1)
	go func() { got <- s.next()().(batchMsg[int]) }()
	s.push("", 42)
	if b := <-got; len(b.items) != 1 || b.items[0] != 42 || b.done {
		t.Fatalf("second batch %+v", b)
	}
	s.close()
	if b := s.next()().(batchMsg[int]); !b.done {
		t.Fatal("close did not end the stream")
	}
}
