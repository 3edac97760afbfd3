// Package filelock is an exclusive, advisory lock on a file, shared by the
// processes of one machine: flock(2) on Unix, LockFileEx on Windows. The
// operating system drops the lock when its holder exits, however it exits
// (SIGKILL, power loss), so a lock is never left stale.
//
// gosetup takes one per install target (beside the directory) and one on
// its config directory (around the state record); both wait a bounded time
// for another gosetup process and then say that one is running.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Lock is a held lock. Release it exactly once.
type Lock struct {
	f    *os.File
	path string
}

// BusyError is returned when another process held the lock for the whole
// wait. Its text names no command-line flag, so every face adds its own
// advice.
type BusyError struct {
	Path string
	Wait time.Duration
}

func (e *BusyError) Error() string {
	if e.Wait <= 0 {
		return fmt.Sprintf("%s is locked by another process", e.Path)
	}
	return fmt.Sprintf("%s is still locked by another process after waiting %s", e.Path, e.Wait.Round(time.Second))
}

// ErrBusy matches every BusyError with errors.Is.
var ErrBusy = errors.New("locked by another process")

func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// Options tune Acquire. The zero value tries once and does not wait.
type Options struct {
	// Wait is how long to wait for another holder to let go.
	Wait time.Duration
	// OnWait, if set, is called once, from Acquire's goroutine and before
	// it starts waiting, when the lock is held by someone else: a face
	// prints "waiting for another install" there. It must not block.
	OnWait func()
}

// Acquire takes the exclusive lock on path, creating the file (and its
// parent directories, mode 0755) if needed. The file itself is never
// removed: deleting a lock file while another process waits on it would
// let two processes hold "the" lock at once.
//
// It polls, since a blocking flock cannot be interrupted: every 20 ms at
// first, backing off to 250 ms. It returns a *BusyError after opts.Wait,
// or ctx.Err() when ctx ends first.
func Acquire(ctx context.Context, path string, opts Options) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the lock's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		// A lock file owned by another user and not writable by us is
		// still lockable for reading on Unix; flock does not care.
		if f, err = os.Open(path); err != nil {
			return nil, fmt.Errorf("opening the lock file: %w", err)
		}
	}
	deadline := time.Now().Add(opts.Wait)
	delay := 20 * time.Millisecond
	waited := false
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if ok {
			return &Lock{f: f, path: path}, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			return nil, &BusyError{Path: path, Wait: opts.Wait}
		}
		if !waited && opts.OnWait != nil {
			opts.OnWait()
		}
		waited = true
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// Release lets go of the lock. It is safe to call on a nil Lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
