package envwriter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// planRegistry asks the Windows backend what it would write.
func (p *Plan) planRegistry(s Settings) error {
	recs, err := PlanRegistry(s)
	if err != nil {
		return fmt.Errorf("reading HKCU\\Environment: %w", err)
	}
	p.Registry = recs
	return nil
}

// Apply writes the settings for opts: PlanEnv then Plan.ApplyFresh (no one
// approved the plan, so if another gosetup changes the record meanwhile,
// the plan made afresh is written).
func Apply(ctx context.Context, opts Options) (*Plan, error) {
	p, err := PlanEnv(ctx, opts)
	if err != nil {
		return nil, err
	}
	return p, p.ApplyFresh(ctx)
}

// apply carries out the plan, with the config dir's lock held: every file is checked first; the state record
// (with the prior content of every file) is saved before the first file
// changes; files are then replaced one by one, atomically. When any step
// fails, everything already written is put back and the error says so:
// either all files change or none does.
func (p *Plan) apply(ctx context.Context) error {
	changed := p.Changed()
	for _, c := range changed {
		if err := checkWritable(c.Path, c.Exists, c.Mode); err != nil {
			return fmt.Errorf("nothing was changed: %w", err)
		}
		if err := unchangedSincePlan(c); err != nil {
			return fmt.Errorf("nothing was changed: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	oldState, hadState, err := readRaw(p.StatePath)
	if err != nil {
		return err
	}
	var createdDirs []string
	restoreState := func() {
		if hadState {
			writeAtomic(p.StatePath, oldState, 0o600)
		} else {
			os.Remove(p.StatePath)
		}
	}
	if p.next != nil {
		dirs, err := mkdirs(filepath.Dir(p.StatePath))
		if err != nil {
			return fmt.Errorf("nothing was changed: creating %s: %w", filepath.Dir(p.StatePath), err)
		}
		createdDirs = append(createdDirs, dirs...)
		if err := p.next.Save(p.StatePath); err != nil {
			removeDirs(createdDirs)
			return fmt.Errorf("nothing was changed: %w", err)
		}
	}
	var done []Change
	undo := func(cause error) error {
		var errs []error
		for i := len(done) - 1; i >= 0; i-- {
			if err := revertChange(done[i]); err != nil {
				errs = append(errs, err)
			}
		}
		if p.next != nil {
			restoreState()
		}
		removeDirs(createdDirs)
		if len(errs) > 0 {
			return fmt.Errorf("%w; putting the files back also failed, check them by hand: %w", cause, errors.Join(errs...))
		}
		return fmt.Errorf("%w; every file was put back as it was", cause)
	}
	for _, c := range changed {
		if err := ctx.Err(); err != nil {
			return undo(err)
		}
		dirs, err := writeChange(c)
		createdDirs = append(createdDirs, dirs...)
		if err != nil {
			return undo(fmt.Errorf("writing %s: %w", c.Path, err))
		}
		done = append(done, c)
	}
	if len(p.Registry) > 0 || len(p.RegistryRevert) > 0 || len(p.RegistryEdits) > 0 {
		if err := p.applyRegistry(); err != nil {
			return undo(err)
		}
	}
	if p.uninstall {
		return p.finishUninstall()
	}
	return nil
}

// applyRegistry writes (or, for uninstall, reverts) the registry values
// and records what was really written.
func (p *Plan) applyRegistry() error {
	if p.uninstall {
		if err := RevertRegistry(p.Registry); err != nil {
			return fmt.Errorf("restoring HKCU\\Environment: %w", err)
		}
		return nil
	}
	reg := Settings{Path: p.Settings.Path}
	if p.Scope == ScopeShell {
		reg = p.Settings
	}
	// Repair's exact writes first: gosetup's own Path write below then
	// starts from the repaired value (and finds its directories first).
	edits, err := ApplyRegistryEdits(p.RegistryEdits)
	if err != nil {
		return fmt.Errorf("writing HKCU\\Environment: %w", err)
	}
	var recs []RegistryRecord
	if len(p.Registry) > 0 {
		if recs, err = ApplyRegistry(reg); err != nil {
			restoreRegistryEdits(edits)
			return fmt.Errorf("writing HKCU\\Environment: %w", err)
		}
	}
	if len(p.RegistryRevert) > 0 {
		// The GO* values move to the Go env file: the registry copies
		// gosetup wrote would shadow it, so they go back to what they were.
		if err := RevertRegistry(p.RegistryRevert); err != nil {
			RevertRegistry(recs)
			restoreRegistryEdits(edits)
			return fmt.Errorf("restoring HKCU\\Environment values now kept in the Go env file: %w", err)
		}
	}
	p.next.MergeRegistryEdits(edits)
	p.next.MergeRegistry(recs)
	if err := p.next.Save(p.StatePath); err != nil {
		RevertRegistry(recs)
		restoreRegistryEdits(edits)
		return err
	}
	return nil
}

// unchangedSincePlan guards against another program editing a file
// between planning (and the user agreeing to the diff) and writing.
func unchangedSincePlan(c Change) error {
	sum, err := hashFile(c.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if c.Exists {
			return fmt.Errorf("%s was removed while gosetup was running; run gosetup again", c.Path)
		}
		return nil
	case err != nil:
		return err
	case !c.Exists || sum != hashBytes(c.Old):
		return fmt.Errorf("%s changed while gosetup was running; run gosetup again", c.Path)
	}
	return nil
}

// writeChange writes or removes one file, returning directories it made.
func writeChange(c Change) ([]string, error) {
	if c.New == nil {
		return nil, os.Remove(c.Path)
	}
	dirs, err := mkdirs(filepath.Dir(c.Path))
	if err != nil {
		return nil, err
	}
	mode := c.Mode
	if mode == 0 {
		mode = 0o644
	}
	return dirs, writeAtomic(c.Path, c.New, mode)
}

// revertChange puts a written file back as it was.
func revertChange(c Change) error {
	if !c.Exists {
		if err := os.Remove(c.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeAtomic(c.Path, c.Old, c.Mode)
}

// removeDirs removes directories created during a failed run, deepest
// first, if they are empty.
func removeDirs(dirs []string) {
	d := slices.Clone(dirs)
	slices.SortFunc(d, func(a, b string) int { return len(b) - len(a) })
	for _, x := range d {
		os.Remove(x)
	}
}

// readRaw reads a file that may not exist.
func readRaw(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// restoreRegistryEdits puts back what repair's exact writes replaced,
// after a later step of the same apply failed.
func restoreRegistryEdits(edits []RegistryRecord) {
	if len(edits) > 0 {
		RevertRegistry(edits)
	}
}

// hashFile is hashBytes of the file at path, read as a stream: a large
// startup file is already held (as Old and New) and is not copied again.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
