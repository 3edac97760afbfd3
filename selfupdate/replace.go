package selfupdate

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Replace puts the staged binary (from Stage, in exe's directory) in place of
// exe. On Unix that is one rename: a process running the old binary keeps
// its open file, and anyone starting gosetup gets either the old or the new
// one, never a partial file. Windows cannot replace or delete a running
// executable but can rename it, so there exe is first renamed aside to
// exe.old (removed by RemoveOld on a later run), then the staged file is
// renamed into place; if that fails, the old binary is put back.
func Replace(exe, staged, goos string) error {
	if goos != "windows" {
		if err := os.Rename(staged, exe); err != nil {
			os.Remove(staged)
			return fmt.Errorf("replacing %s: %w; the old binary is unchanged", exe, err)
		}
		return nil
	}
	aside, err := renameAside(exe)
	if err != nil {
		os.Remove(staged)
		return fmt.Errorf("renaming the running %s aside: %w; the old binary is unchanged", exe, err)
	}
	if err := os.Rename(staged, exe); err != nil {
		if rerr := os.Rename(aside, exe); rerr != nil {
			return fmt.Errorf("replacing %s: %w; putting the old binary back also failed (%v): it is at %s, rename it back by hand", exe, err, rerr, aside)
		}
		os.Remove(staged)
		return fmt.Errorf("replacing %s: %w; the old binary is unchanged", exe, err)
	}
	return nil
}

// renameAside renames exe to exe.old, or exe.old-N when an earlier exe.old
// cannot be removed (another gosetup still runs from it).
func renameAside(exe string) (string, error) {
	for i := 0; i < 100; i++ {
		aside := exe + ".old"
		if i > 0 {
			aside += "-" + strconv.Itoa(i)
		}
		if _, err := os.Lstat(aside); err == nil {
			if os.Remove(aside) != nil {
				continue
			}
		}
		if err := os.Rename(exe, aside); err != nil {
			return "", err
		}
		return aside, nil
	}
	return "", errors.New("too many old binaries (.old-N) that cannot be removed")
}

// RemoveOld deletes what earlier runs left next to exe: binaries renamed
// aside by Replace on Windows (exe.old, exe.old-N) and temporary files of an
// interrupted Stage. Files still in use stay for a later run. It reports
// nothing: leftovers are harmless and retried on every run.
func RemoveOld(exe string) {
	dir, base := filepath.Dir(exe), filepath.Base(exe)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		switch {
		case n == base+".old" || strings.HasPrefix(n, base+".old-") && isDigits(n[len(base)+5:]):
			os.Remove(filepath.Join(dir, n))
		case strings.HasPrefix(n, ".gosetup-update-") && (strings.HasSuffix(n, ".new") || strings.HasSuffix(n, ".download")):
			// Another self update may be writing it right now.
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Hour {
				os.Remove(filepath.Join(dir, n))
			}
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RemoveSelf deletes the running binary exe. Windows cannot delete a
// running executable, so there it is renamed aside and a detached cmd.exe
// deletes it a few seconds after gosetup has exited.
func RemoveSelf(exe, goos string) error {
	if goos != "windows" {
		if err := os.Remove(exe); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing %s: %w; delete it by hand", exe, err)
		}
		return nil
	}
	aside, err := renameAside(exe)
	if err != nil {
		return fmt.Errorf("removing %s: %w; delete it by hand once gosetup has exited", exe, err)
	}
	// ping is cmd.exe's portable sleep; the quoted path survives spaces.
	cmd := exec.Command("cmd.exe", "/d", "/c", `ping -n 3 127.0.0.1 >nul & del /f /q "`+aside+`"`)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s is renamed to %s, which could not be scheduled for deletion (%v); delete it by hand", exe, aside, err)
	}
	return cmd.Process.Release()
}
