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
	"strconv"
	"strings"
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
	// PID is the holder's process id as it wrote it in the file (0 if
	// unknown). Informational only: the OS lock is the authority.
	PID int
}

func (e *BusyError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("another process (pid %d)", e.PID)
	}
	if e.Wait <= 0 {
		return fmt.Sprintf("%s is locked by %s", e.Path, who)
	}
	return fmt.Sprintf("%s is still locked by %s after waiting %s", e.Path, who, e.Wait.Round(time.Second))
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
// parent directories, mode 0755) if needed. Release removes the file on
// Unix, so that no lock files pile up; a waiter that then wins the lock on
// the removed file notices (the path no longer names the file it holds)
// and starts over on the new one, so two processes never both hold it. On
// Windows, where an open file cannot be removed, the file stays.
//
// It polls, since a blocking flock cannot be interrupted: every 20 ms at
// first, backing off to 250 ms. It returns a *BusyError after opts.Wait,
// or ctx.Err() when ctx ends first.
func Acquire(ctx context.Context, path string, opts Options) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the lock's directory: %w", err)
	}
	open := func() (*os.File, error) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			// A lock file owned by another user and not writable by us
			// is still lockable for reading on Unix; flock does not care.
			if f, err = os.Open(path); err != nil {
				return nil, fmt.Errorf("opening the lock file: %w", err)
			}
		}
		return f, nil
	}
	f, err := open()
	if err != nil {
		return nil, err
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
		if ok && !stillNamed(f, path) {
			// The holder we waited for removed the file as it let go:
			// lock the file now at path instead.
			unlock(f)
			f.Close()
			if f, err = open(); err != nil {
				return nil, err
			}
			continue
		}
		if ok {
			// Say who holds it, for the message another process prints.
			if f.Truncate(0) == nil {
				f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return &Lock{f: f, path: path}, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			return nil, &BusyError{Path: path, Wait: opts.Wait, PID: readPID(path)}
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

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 32 {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// stillNamed reports whether path still names the open file f.
func stillNamed(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// Release lets go of the lock (removing the file first, on Unix). It is
// safe to call on a nil Lock, and more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	if removeOnRelease {
		os.Remove(l.path)
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
