package toolchain

import (
	"fmt"
	"os"
	"path"
	"sort"
)

// restoreGoMods does what the go command does to a golang.org/toolchain
// tree it has just unzipped (cmd/go/internal/toolchain, before it runs the
// new bin/go): a module zip may not hold the go.mod of another module, so
// the toolchain zips carry each nested module's go.mod (src, src/cmd, test
// data...) as _go.mod, and the go command copies every _go.mod to go.mod
// beside it, keeping the _go.mod. Without that, building anything in std or
// cmd from the tree fails. As in the go command, nothing happens unless
// src/_go.mod exists, and src/go.mod is written last. It runs only after
// the zip's h1 hash matched the checksum database, so the content copied
// is vouched for.
func restoreGoMods(t *tree) error {
	const src = "src/_go.mod"
	if t.kinds[src] != 'f' {
		return nil
	}
	var rels []string
	for rel, k := range t.kinds {
		if k == 'f' && path.Base(rel) == "_go.mod" && rel != src {
			rels = append(rels, rel)
		}
	}
	sort.Strings(rels)
	for _, rel := range append(rels, src) {
		if err := copyGoMod(t, rel); err != nil {
			return err
		}
	}
	return nil
}

// copyGoMod copies dir/_go.mod to dir/go.mod with the same mode. Like the
// go command's raceSafeCopy it leaves a go.mod of the same size alone.
func copyGoMod(t *tree, rel string) error {
	old := t.path(rel)
	dst := t.path(path.Join(path.Dir(rel), "go.mod"))
	fi, err := os.Stat(old)
	if err != nil {
		return err
	}
	if di, err := os.Lstat(dst); err == nil {
		if di.Mode().IsRegular() && di.Size() == fi.Size() {
			return nil
		}
		if !di.Mode().IsRegular() {
			return fmt.Errorf("restoring %s from %s: it exists and is not a regular file", path.Join(path.Dir(rel), "go.mod"), rel)
		}
	}
	data, err := os.ReadFile(old)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("restoring go.mod from %s: %w", rel, err)
	}
	return os.Chmod(dst, fi.Mode().Perm())
}
