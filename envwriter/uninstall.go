package envwriter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// UninstallOptions says what uninstall may remove.
type UninstallOptions struct {
	Env Env
	// KeepToolchain leaves the installed toolchain directory in place.
	KeepToolchain bool
}

// PlanUninstall works out how to undo everything the state record lists:
// files gosetup created are removed; files it edited go back to their exact
// prior bytes when nobody changed them since, else lose only the managed
// block; the Go env file gets back each prior value gosetup replaced;
// registry values are restored. Nothing is written.
func PlanUninstall(ctx context.Context, opts UninstallOptions) (*Plan, error) {
	e, err := opts.Env.resolved()
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigDir(e)
	if err != nil {
		return nil, err
	}
	p := &Plan{ConfigDir: cfg, StatePath: StatePath(cfg), env: e, uninstall: true}
	st, err := p.loadState()
	if err != nil {
		return nil, err
	}
	p.replan = func(ctx context.Context) (*Plan, error) { return PlanUninstall(ctx, opts) }
	// The record says what gosetup did, not what it may touch: each entry
	// is checked against what gosetup writes for this user, and one that
	// is not, or cannot be undone, is named and kept in the record while
	// everything else is undone.
	m := newManaged(e, cfg)
	keep := &State{}
	skip := func(path string, refused bool, err error) {
		p.Skipped = append(p.Skipped, Skipped{Path: path, Err: err, Refused: refused})
	}
	for _, r := range st.Files {
		orig := r
		name := r.Path
		if r.Link != "" {
			name = r.Link
		}
		listed, err := m.check(name)
		if err == nil && !listed && r.Created {
			err = errNotRemovable
		}
		if err != nil {
			skip(name, true, err)
			keep.Files = append(keep.Files, r)
			continue
		}
		r.Path, r.Link = name, ""
		c, err := undoFile(r)
		if err == nil && c != nil {
			err = p.checkUndoable(*c)
		}
		if err != nil {
			skip(name, false, err)
			keep.Files = append(keep.Files, orig)
			continue
		}
		if c != nil {
			c.Kind = KindStartup
			p.Changes = append(p.Changes, *c)
		}
	}
	for _, s := range st.Scripts {
		if _, err := m.check(s); err != nil || !m.isScript(s) {
			if err == nil {
				err = errors.New("not one of gosetup's env scripts (env and env.fish in its config dir)")
			}
			skip(s, true, err)
			keep.Scripts = append(keep.Scripts, s)
			continue
		}
		fsx, err := readTarget(s)
		c := Change{Kind: KindScript, Path: fsx.Path, Link: fsx.Link, Why: "gosetup's env script", Old: fsx.Content, Exists: true, Mode: fsx.Mode}
		if err == nil && fsx.Exists {
			err = p.checkUndoable(c)
		}
		if err != nil {
			skip(s, false, err)
			keep.Scripts = append(keep.Scripts, s)
			continue
		}
		if fsx.Exists {
			p.Changes = append(p.Changes, c)
		}
	}
	if st.GoEnv != nil {
		listed, err := m.check(st.GoEnv.Path)
		if err == nil && !listed && st.GoEnv.File != nil && st.GoEnv.File.Created {
			err = errNotRemovable
		}
		refused := err != nil
		var c *Change
		if err == nil {
			c, err = undoGoEnv(st.GoEnv)
			if err == nil && c != nil {
				err = p.checkUndoable(*c)
			}
		}
		switch {
		case err != nil:
			skip(st.GoEnv.Path, refused, err)
			keep.GoEnv = st.GoEnv
		case c != nil:
			p.Changes = append(p.Changes, *c)
		}
	}
	p.planStrayBlocks()
	p.Registry = st.Registry
	for _, d := range st.Dirs {
		if err := m.checkDir(d); err != nil {
			skip(d, true, err)
			keep.Dirs = append(keep.Dirs, d)
			continue
		}
		p.dirs = append(p.dirs, d)
	}
	if st.Toolchain != "" && !opts.KeepToolchain {
		if _, err := os.Lstat(st.Toolchain); err == nil {
			if err := checkToolchain(st.Toolchain); err != nil {
				skip(st.Toolchain, true, fmt.Errorf("the recorded toolchain directory: %w", err))
				keep.Toolchain = st.Toolchain
			} else {
				p.Toolchain = st.Toolchain
			}
		}
	}
	if err := p.checkOwners(); err != nil {
		return nil, fmt.Errorf("nothing was changed: %w", err)
	}
	if opts.KeepToolchain && st.Toolchain != "" {
		// Keep remembering it, so a later uninstall can still remove it.
		keep.Toolchain = st.Toolchain
	}
	if !keep.Empty() || len(keep.Dirs) > 0 {
		p.next = keep
	}
	return p, ctx.Err()
}

// checkUndoable fails, before anything is written, for a change uninstall
// could not make (a read-only file, a directory it cannot write in), so
// that the entry is skipped and the rest still undone.
func (p *Plan) checkUndoable(c Change) error {
	if !c.Changed() {
		return nil
	}
	return checkWritable(c.Path, c.Exists, c.Mode)
}

// planStrayBlocks finds managed blocks in startup files the state record
// does not list (the record was lost, or HOME moved) and removes them too,
// so that uninstall always leaves no gosetup line behind.
func (p *Plan) planStrayBlocks() {
	seen := map[string]bool{}
	for _, c := range p.Changes {
		seen[c.Path] = true
	}
	var paths []string
	for _, t := range StartupFiles(p.env) {
		paths = append(paths, t.Path)
	}
	for _, f := range p.env.startupFilesToScan() {
		paths = append(paths, f.path)
	}
	for _, path := range paths {
		// Skip a file already planned before reading it again.
		if seen[evalOr(path)] {
			continue
		}
		fsx, err := readTarget(path)
		if err != nil || !fsx.Exists || seen[fsx.Path] {
			continue
		}
		seen[fsx.Path] = true
		stripped, found, err := RemoveBlock(fsx.Content)
		if err != nil {
			p.Skipped = append(p.Skipped, Skipped{Path: path, Err: err})
			continue
		}
		if !found {
			continue
		}
		p.Changes = append(p.Changes, Change{Kind: KindStartup, Path: fsx.Path, Link: fsx.Link, Old: fsx.Content, New: stripped, Exists: true, Mode: fsx.Mode,
			Why: "gosetup's block removed", Note: "gosetup's block was here without a record of it; only the block is removed"})
	}
}

// undoFile plans the undo of one recorded startup file.
func undoFile(r FileRecord) (*Change, error) {
	fsx, err := readTarget(r.Path)
	if err != nil {
		return nil, err
	}
	if !fsx.Exists {
		return nil, nil
	}
	c := &Change{Path: fsx.Path, Link: fsx.Link, Old: fsx.Content, Exists: true, Mode: fsx.Mode}
	if hashBytes(fsx.Content) == r.Written {
		if r.Created {
			c.Why = "created by gosetup: removed"
			return c, nil
		}
		c.Why = "restored to its exact bytes from before gosetup"
		c.New = r.Prior
		if c.New == nil {
			c.New = []byte{}
		}
		return c, nil
	}
	stripped, found, err := RemoveBlock(fsx.Content)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fsx.Path, err)
	}
	if !found {
		return nil, nil
	}
	c.Note = "changed since gosetup wrote it: only gosetup's block is removed"
	if f := ForeignBlockLines(fsx.Content); len(f) > 0 {
		c.Note += "; " + foreignNote(f, "left where they were")
	}
	c.Why = "gosetup's block removed"
	c.New = stripped
	if r.Created && strings.TrimSpace(string(stripped)) == "" {
		c.New = nil
		c.Why = "created by gosetup and now empty: removed"
	}
	return c, nil
}

// undoGoEnv plans the undo of gosetup's Go env file values.
func undoGoEnv(g *GoEnvRecord) (*Change, error) {
	fsx, err := readTarget(g.Path)
	if err != nil {
		return nil, err
	}
	if !fsx.Exists {
		return nil, nil
	}
	c := &Change{Kind: KindGoEnv, Path: fsx.Path, Link: fsx.Link, Old: fsx.Content, Exists: true, Mode: fsx.Mode}
	if g.File != nil && g.File.Written != "" && hashBytes(fsx.Content) == g.File.Written {
		if g.File.Created {
			c.Why = "created by gosetup: removed"
			return c, nil
		}
		c.Why = "restored to its exact bytes from before gosetup"
		c.New = g.File.Prior
		if c.New == nil {
			c.New = []byte{}
		}
		return c, nil
	}
	cur := ParseGoEnv(fsx.Content)
	add := map[string]string{}
	var del, kept []string
	for _, v := range g.Vars {
		if cur[v.Name] != v.Value {
			kept = append(kept, v.Name)
			continue
		}
		if v.PriorExists {
			add[v.Name] = v.Prior
		} else {
			del = append(del, v.Name)
		}
	}
	c.New = UpdateGoEnv(fsx.Content, add, del)
	c.Why = "gosetup's values replaced by the prior ones"
	if len(kept) > 0 {
		c.Note = fmt.Sprintf("%s changed since gosetup wrote them and are left as they are", strings.Join(kept, ", "))
	}
	return c, nil
}

// checkToolchainDir refuses to delete a directory that does not look like
// a Go toolchain, in case the state record was edited or damaged.
func checkToolchainDir(dir string) error {
	if !filepath.IsAbs(dir) || filepath.Dir(dir) == dir {
		return &UnsafeToolchainDirError{Dir: dir, Reason: "is not a safe path to remove"}
	}
	// bin/go alone is not enough: a home directory or /usr can hold one.
	// A Go toolchain also has a VERSION file starting with "go".
	v, _ := os.ReadFile(filepath.Join(dir, "VERSION"))
	if strings.HasPrefix(string(v), "go") {
		for _, f := range []string{"bin/go", "bin/go.exe"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return nil
			}
		}
	}
	return &UnsafeToolchainDirError{Dir: dir, Reason: "is not a Go toolchain (no bin/go and VERSION file), so gosetup will not delete it"}
}

// UnsafeToolchainDirError is the refusal to delete the recorded toolchain
// directory. The settings can still be undone without deleting it; a face
// says how (the command line's --keep-toolchain).
type UnsafeToolchainDirError struct {
	Dir    string
	Reason string
}

func (e *UnsafeToolchainDirError) Error() string {
	return fmt.Sprintf("the recorded toolchain directory %q %s; remove it yourself or keep it", e.Dir, e.Reason)
}

// finishUninstall removes the toolchain and the state record once every
// file and registry value is back.
func (p *Plan) finishUninstall() error {
	if p.Toolchain != "" {
		if err := os.RemoveAll(p.Toolchain); err != nil {
			// Keep the record of it so that uninstall can be run again.
			next := &State{}
			if p.next != nil {
				next = p.next
			}
			next.Toolchain = p.Toolchain
			next.Save(p.StatePath)
			return fmt.Errorf("settings were restored, but removing the toolchain %s failed: %w; remove it by hand", p.Toolchain, err)
		}
	}
	if p.next == nil {
		if err := os.Remove(p.StatePath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing gosetup's state record: %w", err)
		}
		// The config dir is gosetup's own; it is removed, if nothing
		// else is left, once the lock (a file in it) is let go.
		p.removeConfigDir = true
		return nil
	}
	removeDirs(p.dirs)
	return nil
}
