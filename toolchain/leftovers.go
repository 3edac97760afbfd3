package toolchain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/filelock"
)

// The temporary names an install uses beside its target NAME, all in the
// target's parent directory so that renames stay on one file system:
//
//	.NAME.gosetup-lock      the lock (empty but for the holder's pid; kept)
//	.NAME.gosetup-new-*     the staging directory that becomes NAME
//	.NAME.gosetup-dl-*      a downloaded module zip
//	.NAME.gosetup-old-*     the previous NAME, moved aside during the swap
func tempPrefix(target, kind string) string {
	return "." + filepath.Base(target) + ".gosetup-" + kind
}

func lockPath(target string) string {
	return filepath.Join(filepath.Dir(target), tempPrefix(target, "lock"))
}

// DefaultLockWait is how long an install waits for another one into the
// same directory before giving up.
const DefaultLockWait = 5 * time.Minute

// TargetLock is held while one process inspects, cleans and installs into
// a directory. Two installs of one target never overlap: the second waits
// for the first, then sees what it left.
type TargetLock struct {
	Dir string
	l   *filelock.Lock
}

// BusyError is returned when another process kept the target locked for
// the whole wait.
type BusyError struct {
	Dir  string
	PID  int // the other process, when known
	Wait time.Duration
}

func (e *BusyError) Error() string {
	who := "another gosetup install"
	if e.PID > 0 {
		who = fmt.Sprintf("another gosetup install (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is running into %s (waited %s); wait for it to finish and try again", who, e.Dir, e.Wait.Round(time.Second))
}

func (e *BusyError) Is(target error) bool { return target == filelock.ErrBusy }

// LockTarget takes dir's install lock, waiting up to wait for another
// install to finish; onWait, if set, is called once (on this goroutine)
// when it has to wait, and must not block. The lock file goes beside dir,
// whose parent directories are created if missing.
func LockTarget(ctx context.Context, dir string, wait time.Duration, onWait func()) (*TargetLock, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l, err := filelock.Acquire(ctx, lockPath(dir), filelock.Options{Wait: wait, OnWait: onWait})
	if err != nil {
		var be *filelock.BusyError
		if errors.As(err, &be) {
			return nil, &BusyError{Dir: dir, PID: be.PID, Wait: wait}
		}
		return nil, fmt.Errorf("locking %s for the install: %w", dir, err)
	}
	return &TargetLock{Dir: dir, l: l}, nil
}

// Release lets another install in; safe on nil.
func (l *TargetLock) Release() error {
	if l == nil {
		return nil
	}
	return l.l.Release()
}

// LeftoverKind says what a killed install left behind.
type LeftoverKind string

const (
	LeftoverStaging  LeftoverKind = "staging directory"                 // .NAME.gosetup-new-*
	LeftoverDownload LeftoverKind = "partial download"                  // .NAME.gosetup-dl-*
	LeftoverOld      LeftoverKind = "previous installation moved aside" // .NAME.gosetup-old-*
)

// Leftover is one temporary path of an install that did not finish
// (SIGKILL, power loss).
type Leftover struct {
	Path string
	Kind LeftoverKind
	// Version is what an old tree's VERSION file names, if it still does.
	Version string
}

// FindLeftovers lists what killed installs left beside dir, of any age.
func FindLeftovers(dir string) ([]Leftover, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []Leftover
	for _, e := range ents {
		n := e.Name()
		p := filepath.Join(filepath.Dir(dir), n)
		switch {
		case strings.HasPrefix(n, tempPrefix(dir, "new-")):
			out = append(out, Leftover{Path: p, Kind: LeftoverStaging})
		case strings.HasPrefix(n, tempPrefix(dir, "dl-")):
			out = append(out, Leftover{Path: p, Kind: LeftoverDownload})
		case strings.HasPrefix(n, tempPrefix(dir, "old-")):
			out = append(out, Leftover{Path: p, Kind: LeftoverOld, Version: releaseVersion(p)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Survivor is an old tree that is the only copy of the user's previous
// toolchain: an install was killed between moving it aside and moving the
// new one in, so the target is missing.
type SurvivorError struct {
	Dir string
	Old Leftover
}

func (e *SurvivorError) Error() string {
	v := e.Old.Version
	if v == "" {
		v = "unknown version"
	}
	return fmt.Sprintf("an earlier install was interrupted: %s is missing and the previous installation (%s) survives at %s; put it back by renaming it to %s", e.Dir, v, e.Old.Path, e.Dir)
}

// CleanupError names leftovers that could not be removed, with the
// command that removes them.
type CleanupError struct {
	Paths []string
	Err   error
}

func (e *CleanupError) Error() string {
	return fmt.Sprintf("could not remove what an interrupted install left (%v); remove it with: rm -rf %s", e.Err, strings.Join(quoteAll(e.Paths), " "))
}

func (e *CleanupError) Unwrap() error { return e.Err }

func quoteAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
	}
	return out
}

// CleanLeftovers removes what interrupted installs left beside the locked
// target, whatever its age: holding the lock proves no install is using
// it. Staging directories and partial downloads always go; an old tree
// goes when the target exists (the swap finished, only its removal was
// cut short). An old tree whose target is missing is the user's toolchain:
// it is kept and returned as a *SurvivorError, for the caller to offer
// Restore. Paths that cannot be removed come back as a *CleanupError.
func (l *TargetLock) CleanLeftovers() (removed []Leftover, err error) {
	los, err := FindLeftovers(l.Dir)
	if err != nil {
		return nil, err
	}
	_, terr := os.Lstat(l.Dir)
	targetExists := terr == nil
	var failed []string
	var errs []error
	var survivor *SurvivorError
	for _, lo := range los {
		if lo.Kind == LeftoverOld && !targetExists {
			if survivor == nil || lo.Version != "" && survivor.Old.Version == "" {
				survivor = &SurvivorError{Dir: l.Dir, Old: lo}
			}
			continue
		}
		if err := removeAll(lo.Path); err != nil {
			failed = append(failed, lo.Path)
			errs = append(errs, err)
			continue
		}
		removed = append(removed, lo)
	}
	if len(failed) > 0 {
		return removed, &CleanupError{Paths: failed, Err: errors.Join(errs...)}
	}
	if survivor != nil {
		return removed, survivor
	}
	return removed, nil
}

// Restore renames a surviving old tree back to the locked target, which
// must be missing.
func (l *TargetLock) Restore(old Leftover) error {
	if _, err := os.Lstat(l.Dir); err == nil {
		return fmt.Errorf("not restoring %s: %s exists", old.Path, l.Dir)
	}
	if err := os.Rename(old.Path, l.Dir); err != nil {
		return fmt.Errorf("putting back the previous installation: %w", err)
	}
	return nil
}
