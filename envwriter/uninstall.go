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
	for _, r := range st.Files {
		c, err := undoFile(r)
		if err != nil {
			return nil, err
		}
		if c != nil {
			c.Kind = KindStartup
			p.Changes = append(p.Changes, *c)
		}
	}
	for _, s := range st.Scripts {
		fsx, err := readTarget(s)
		if err != nil {
			return nil, err
		}
		if fsx.Exists {
			p.Changes = append(p.Changes, Change{Kind: KindScript, Path: fsx.Path, Why: "gosetup's env script", Old: fsx.Content, Exists: true, Mode: fsx.Mode})
		}
	}
	if st.GoEnv != nil {
		c, err := undoGoEnv(st.GoEnv)
		if err != nil {
			return nil, err
		}
		if c != nil {
			p.Changes = append(p.Changes, *c)
		}
	}
	if err := p.planStrayBlocks(); err != nil {
		return nil, err
	}
	p.Registry = st.Registry
	p.dirs = st.Dirs
	if st.Toolchain != "" && !opts.KeepToolchain {
		if _, err := os.Stat(st.Toolchain); err == nil {
			if err := checkToolchainDir(st.Toolchain); err != nil {
				return nil, err
			}
			p.Toolchain = st.Toolchain
		}
	}
	if err := p.checkOwners(); err != nil {
		return nil, fmt.Errorf("nothing was changed: %w", err)
	}
	if opts.KeepToolchain && st.Toolchain != "" {
		// Keep remembering it, so a later uninstall can still remove it.
		p.next = &State{Toolchain: st.Toolchain}
	}
	return p, ctx.Err()
}

// planStrayBlocks finds managed blocks in startup files the state record
// does not list (the record was lost, or HOME moved) and removes them too,
// so that uninstall always leaves no gosetup line behind.
func (p *Plan) planStrayBlocks() error {
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
		fsx, err := readTarget(path)
		if err != nil || !fsx.Exists || seen[fsx.Path] {
			continue
		}
		seen[fsx.Path] = true
		stripped, found, err := RemoveBlock(fsx.Content)
		if err != nil {
			return fmt.Errorf("%s: %w", fsx.Path, err)
		}
		if !found {
			continue
		}
		p.Changes = append(p.Changes, Change{Kind: KindStartup, Path: fsx.Path, Link: fsx.Link, Old: fsx.Content, New: stripped, Exists: true, Mode: fsx.Mode,
			Why: "gosetup's block removed", Note: "gosetup's block was here without a record of it; only the block is removed"})
	}
	return nil
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
	c := &Change{Path: fsx.Path, Link: r.Link, Old: fsx.Content, Exists: true, Mode: fsx.Mode}
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
		return fmt.Errorf("the recorded toolchain directory %q is not a safe path to remove; remove it yourself or use --keep-toolchain", dir)
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
	return fmt.Errorf("the recorded toolchain directory %s is not a Go toolchain (no bin/go and VERSION file), so gosetup will not delete it; remove it yourself or use --keep-toolchain", dir)
}

// finishUninstall removes the toolchain and the state record once every
// file and registry value is back.
func (p *Plan) finishUninstall() error {
	if p.Toolchain != "" {
		if err := os.RemoveAll(p.Toolchain); err != nil {
			// Keep the record of it so that uninstall can be run again.
			(&State{Toolchain: p.Toolchain}).Save(p.StatePath)
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
