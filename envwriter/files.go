package envwriter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileState is a file as read before planning a change to it.
type fileState struct {
	// Path is the file to write: the final target when Link is a symlink.
	Path string
	// Link is the path that was asked for, when it is a symlink.
	Link    string
	Exists  bool
	Content []byte
	Mode    fs.FileMode
}

// readTarget reads the file at p for editing. A symlink (as dotfile
// managers make) is followed, and its target is what gets written, so the
// link stays a link. Anything but a regular file is refused: gosetup will not
// write through a FIFO or into a device.
func readTarget(p string) (fileState, error) {
	st := fileState{Path: p, Mode: 0o644}
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("cannot inspect %s: %w", p, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return st, fmt.Errorf("%s is a symlink gosetup cannot follow (%v); fix or remove the link, then run gosetup again", p, err)
		}
		st.Link, st.Path = p, target
		if fi, err = os.Stat(target); err != nil {
			return st, fmt.Errorf("cannot inspect %s (the target of %s): %w", target, p, err)
		}
	}
	// Name the file as the user knows it: the link, then its target.
	name := st.Path
	if st.Link != "" {
		name = fmt.Sprintf("%s (a link to %s)", st.Link, st.Path)
	}
	if !fi.Mode().IsRegular() {
		return st, fmt.Errorf("%s is not a regular file (%s); gosetup only edits regular files: replace it with one or remove it", name, fi.Mode().Type())
	}
	// A larger file could not be kept in the record for undo (a record
	// over the cap is damaged), so it is not edited at all.
	if fi.Size() > MaxRecordedFile {
		return st, fmt.Errorf("%s is larger than %d MB, more than gosetup edits (it could not record the file for undo); add gosetup's line to it by hand or make it smaller", name, MaxRecordedFile>>20)
	}
	b, err := os.ReadFile(st.Path)
	if err != nil {
		return st, fmt.Errorf("cannot read %s: %w", name, err)
	}
	st.Exists, st.Content, st.Mode = true, b, fi.Mode().Perm()
	return st, nil
}

// checkWritable fails early, before anything is written, for a file or
// directory gosetup could not replace. A file without its owner's write bit
// is refused even where the directory would let a rename replace it (and
// for root, who could write it anyway): read-only is the user's decision.
func checkWritable(path string, exists bool, mode fs.FileMode) error {
	if exists {
		if mode&0o200 == 0 {
			return fmt.Errorf("%s is read-only (mode %v); make it writable (chmod u+w %s) and run gosetup again", path, mode, path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		f.Close()
	}
	dir := existingAncestor(filepath.Dir(path))
	f, err := os.CreateTemp(dir, ".gosetup-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// existingAncestor is dir or its nearest existing parent.
func existingAncestor(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}

// missingDirs lists dir and its parents that do not exist yet.
func missingDirs(dir string) []string {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	return missing
}

// configDirsToRecord lists the config dir and its parents that a record
// must name as gosetup's, to be removed by uninstall once empty: those
// that do not exist yet, and those whose only content is the lock file
// of a concurrent run that wrote no record (or, going up, the directory
// below; the config dir itself may be empty). Another run made them a moment ago and, failing, could not
// remove them while this run held their lock; without this nobody would
// record them and uninstall would leave ~/.config behind.
//
// Of the directories that exist it takes at most the config dir and its
// parent, and never the home directory: those are the user's whatever
// they hold. Nothing outside the home and above XDG_CONFIG_HOME either:
// uninstall refuses to remove such directories, so recording them would
// only keep the record alive for ever.
func configDirsToRecord(c paths, configDir, home string) []string {
	var out []string
	only := lockName
	for d := configDir; !c.same(d, filepath.Clean(home)) && (c.within(d, home) || c.within(d, filepath.Dir(configDir))); d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			ents, err := os.ReadDir(d)
			if err != nil || (d != configDir && d != filepath.Dir(configDir)) {
				break
			}
			// The config dir may also be empty: made, and its lock file
			// not created yet or already let go. A parent counts only
			// while it holds nothing but the directory below: an empty
			// ~/.config may be the user's own.
			ownEmpty := d == configDir && len(ents) == 0
			if !ownEmpty && (len(ents) != 1 || ents[0].Name() != only) {
				break
			}
		}
		out = append(out, d)
		only = filepath.Base(d)
		if filepath.Dir(d) == d {
			break
		}
	}
	return out
}

// recordableDirs keeps the directories uninstall will agree to remove:
// inside the home, or XDG_CONFIG_HOME and below. A directory made above
// them (the parents of an XDG_CONFIG_HOME elsewhere) is left after
// uninstall: recorded, it would be refused and keep the record alive.
func recordableDirs(c paths, dirs []string, home, xdg string) []string {
	var out []string
	for _, d := range dirs {
		if (c.within(d, home) && !c.same(d, filepath.Clean(home))) || c.within(d, xdg) {
			out = append(out, d)
		}
	}
	return out
}

// mkdirs creates dir and its missing parents, returning the directories it
// created, deepest last, so a rollback can remove exactly those.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append([]string{d}, missing...)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, d := range missing {
		inheritDirOwner(d)
	}
	return missing, nil
}
