package envwriter

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// writeAtomic replaces path with data through a temporary file in the same
// directory and a rename, so a reader (or a crash) sees either the old file
// or the new one, never half of it. A file that exists keeps exactly mode
// perm and, where the platform has owners, the owner of the file it
// replaces; a new file gets perm less the umask, as the go command and any
// editor would create it (a user with umask 077 gets 0600, not 0644).
func writeAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := createTemp(dir, "."+filepath.Base(path)+".gosetup-", perm)
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
	if old, err := os.Stat(path); err == nil {
		if err := tmp.Chmod(perm); err != nil {
			return err
		}
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

// createTemp is os.CreateTemp with a mode: the file is created with perm,
// to which the system applies the umask (os.CreateTemp always uses 0600).
func createTemp(dir, prefix string, perm fs.FileMode) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}
