package envwriter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"time"

	"github.com/gosetup/gosetup/internal/filelock"
)

// Two gosetup processes writing settings at once (an env with --scope goenv
// and one without, an install and an env) must not both read the record,
// both write their files and then each save a record that lacks the
// other's prior values: uninstall could not give them back. So everything
// from reading state.json to writing it runs under one lock on gosetup's
// config directory (its file is ConfigDir/state.lock, removed as the lock
// is let go on Unix), and a plan made before the lock was taken is checked
// against the record as it is once the lock is held.

// lockName is the lock file inside the config dir.
const lockName = "state.lock"

// StateLockWait is how long Apply waits for another gosetup process that
// is writing settings. Writing takes milliseconds; only a broadcast of
// WM_SETTINGCHANGE on Windows can take seconds.
const StateLockWait = 30 * time.Second

// BusyError: another gosetup process held the config dir's lock for the
// whole wait. Nothing was written.
type BusyError struct{ Err *filelock.BusyError }

func (e *BusyError) Error() string {
	return fmt.Sprintf("nothing was changed: another gosetup is writing settings (%v); wait for it to finish, then run gosetup again", e.Err)
}
func (e *BusyError) Unwrap() error { return e.Err }

// StaleError: another gosetup process changed the record between this plan
// and Apply, so that the plan made afresh would write something else than
// this one shows. Nothing was written; plan again and show the new plan.
type StaleError struct{ StatePath string }

func (e *StaleError) Error() string {
	return fmt.Sprintf("nothing was changed: another gosetup run changed its record (%s) after this plan was made, and the files it would write are no longer the ones shown; run gosetup again to see the new plan", e.StatePath)
}

// Apply carries out the plan under the config dir's lock (waiting at most
// StateLockWait for another gosetup). When another run changed the state
// record since the plan was made, the plan is made again under the lock:
// if it writes exactly the same it goes ahead (the record it saves keeps
// the other run's entries), otherwise it fails with a *StaleError and
// writes nothing.
func (p *Plan) Apply(ctx context.Context) error { return p.applyLocked(ctx, false) }

// ApplyFresh is Apply for callers that did not ask anyone to approve this
// exact plan (install, --yes): when another run changed the record since,
// the plan made afresh under the lock is applied, and p becomes it, so the
// caller can show what was really written.
func (p *Plan) ApplyFresh(ctx context.Context) error { return p.applyLocked(ctx, true) }

func (p *Plan) applyLocked(ctx context.Context, fresh bool) error {
	// Made here, as every directory gosetup makes in a home (owned like
	// the home when root writes another user's), not by the lock.
	created, err := mkdirs(p.ConfigDir)
	if err != nil {
		return fmt.Errorf("nothing was changed: creating %s: %w", p.ConfigDir, err)
	}
	lk, err := filelock.Acquire(ctx, filepath.Join(p.ConfigDir, lockName), filelock.Options{Wait: StateLockWait, OnWait: p.OnLockWait})
	if err != nil {
		removeDirs(created)
		var busy *filelock.BusyError
		if errors.As(err, &busy) {
			return &BusyError{Err: busy}
		}
		return fmt.Errorf("nothing was changed: %w", err)
	}
	p.removeConfigDir = false
	defer func() {
		lk.Release()
		if p.removeConfigDir {
			// Only now is the lock file gone (on Unix), so the config
			// dir can be empty. On Windows it stays on Release (an open
			// file cannot be removed there): it goes now, with the record
			// gone, unless another gosetup has it open to wait for the
			// lock (Go opens files without FILE_SHARE_DELETE), and then
			// the removal fails and that lock stands.
			if runtime.GOOS == "windows" {
				os.Remove(filepath.Join(p.ConfigDir, lockName))
			}
			os.Remove(p.ConfigDir)
			removeDirs(p.dirs)
		}
		removeDirs(created)
	}()
	raw, had, err := readRaw(p.StatePath)
	if err != nil {
		return fmt.Errorf("nothing was changed: reading gosetup's state record: %w", err)
	}
	if had != p.stateHad || !bytes.Equal(raw, p.stateRaw) {
		if p.replan == nil {
			return &StaleError{StatePath: p.StatePath}
		}
		q, err := p.replan(ctx)
		if err != nil {
			return fmt.Errorf("nothing was changed: another gosetup run changed its record since this plan was made, and planning again failed: %w", err)
		}
		if !fresh && !samePlan(p, q) {
			return &StaleError{StatePath: p.StatePath}
		}
		q.OnLockWait = p.OnLockWait
		*p = *q
	}
	return p.apply(ctx)
}

// samePlan reports whether q, made afresh, changes the same files from
// the same content to the same content as p, and the same registry values
// and toolchain: then applying q is applying what was shown for p.
func samePlan(p, q *Plan) bool {
	pc, qc := p.Changed(), q.Changed()
	if len(pc) != len(qc) || p.Toolchain != q.Toolchain {
		return false
	}
	for i := range pc {
		a, b := pc[i], qc[i]
		if a.Path != b.Path || a.Action() != b.Action() || !bytes.Equal(a.Old, b.Old) || !bytes.Equal(a.New, b.New) {
			return false
		}
	}
	return reflect.DeepEqual(p.Registry, q.Registry) && reflect.DeepEqual(p.RegistryRevert, q.RegistryRevert)
}
