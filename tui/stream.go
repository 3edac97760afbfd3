package tui

import (
	"sync"

	tea "charm.land/bubbletea/v2"
)

// stream carries reports from a worker goroutine to the program without
// ever blocking the worker: push only appends under a short lock and pokes
// a one-slot channel, so a slow terminal delays the drawing, never a
// download. Reports that only update a counter (keyed, such as download
// bytes) replace the previous one of the same key, so a stalled program
// finds one fresh report per key instead of a backlog; the others (phase
// changes, probe results) are all kept, in order.
type stream[T any] struct {
	id     int
	wake   chan struct{}
	mu     sync.Mutex
	items  []T
	keyed  map[string]int // key -> index in items of its latest report
	closed bool
}

func newStream[T any](id int) *stream[T] {
	return &stream[T]{id: id, wake: make(chan struct{}, 1), keyed: map[string]int{}}
}

// push adds a report; key "" keeps every report, any other key coalesces.
func (s *stream[T]) push(key string, v T) {
	s.mu.Lock()
	if i, ok := s.keyed[key]; ok && key != "" {
		s.items[i] = v
	} else {
		if key != "" {
			s.keyed[key] = len(s.items)
		}
		s.items = append(s.items, v)
	}
	s.mu.Unlock()
	s.poke()
}

// close marks the end: the last batch has done set.
func (s *stream[T]) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.poke()
}

func (s *stream[T]) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// batchMsg is what the program receives: the reports since the last batch.
type batchMsg[T any] struct {
	id    int
	items []T
	done  bool
}

// next is the command that waits for the next batch; the model issues it
// again after each batch until done (glow's pattern for streamed results).
func (s *stream[T]) next() tea.Cmd {
	return func() tea.Msg {
		for {
			s.mu.Lock()
			items, closed := s.items, s.closed
			s.items, s.keyed = nil, map[string]int{}
			s.mu.Unlock()
			if len(items) > 0 || closed {
				return batchMsg[T]{id: s.id, items: items, done: closed}
			}
			<-s.wake
		}
	}
}
