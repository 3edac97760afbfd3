package toolchain

import (
	"errors"
	"io"
	"sync"
)

// readAhead reads r on its own goroutine into a few reusable buffers, so
// that the network reads and the SHA-256 over the compressed bytes (done by
// r itself, a TeeReader) run on another core than decompression, which is
// the slowest step of an archive install.
type readAhead struct {
	stop  func() // interrupts a read in progress on the underlying reader
	full  chan chunk
	empty chan []byte
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup

	cur []byte
	buf []byte // the buffer cur points into, returned when drained
	err error
}

type chunk struct {
	buf []byte
	n   int
	err error
}

func newReadAhead(r io.Reader, stop func(), buffers, size int) *readAhead {
	ra := &readAhead{stop: stop, full: make(chan chunk, buffers), empty: make(chan []byte, buffers), done: make(chan struct{})}
	for range buffers {
		ra.empty <- make([]byte, size)
	}
	ra.wg.Add(1)
	go func() {
		defer ra.wg.Done()
		for {
			var b []byte
			select {
			case b = <-ra.empty:
			case <-ra.done:
				return
			}
			// One Read, not ReadFull: bytes are passed on as they arrive,
			// so a slow or stalled peer never holds back what has come.
			n, err := r.Read(b)
			if n == 0 && err == nil {
				ra.empty <- b // cannot block: b came from there
				continue
			}
			select {
			case ra.full <- chunk{b, n, err}:
			case <-ra.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

var errReadAheadClosed = errors.New("download abandoned")

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.buf != nil {
			ra.empty <- ra.buf
			ra.buf = nil
		}
		select {
		case c := <-ra.full:
			ra.buf, ra.cur, ra.err = c.buf, c.buf[:c.n], c.err
		case <-ra.done:
			ra.buf, ra.err = nil, errReadAheadClosed
		}
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the reading goroutine (interrupting its read through stop)
// and waits for it, so the underlying reader is no longer in use when Close
// returns. Only call it once the consumer is finished with the data.
func (ra *readAhead) Close() error {
	ra.once.Do(func() {
		close(ra.done)
		if ra.stop != nil {
			ra.stop()
		}
	})
	ra.wg.Wait()
	return nil
}
