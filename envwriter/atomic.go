package envwriter

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeAtomic replaces path with data through a temporary file in the same
// directory and a rename, so a reader (or a crash) sees either the old file
// or the new one, never half of it. The new file gets mode perm and, where
// the platform has owners, the owner of the file it replaces.
func writeAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".gosetup-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if old, err := os.Stat(path); err == nil {
		if err := keepOwner(tmp, old); err != nil {
			return fmt.Errorf("keeping the owner of %s: %w", path, err)
		}
	} else if parent, err := os.Stat(dir); err == nil {
		// A new file in someone's home, written by root (sudo), belongs
		// to that someone, as the directory does.
		inheritOwner(tmp, parent)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return nil
}
