//go:build unix

package envwriter

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// keepOwner gives the temporary file f the owner and group of the file it is
// about to replace. Only root can give a file away, so when we are not root
// and the owner differs, that is an error rather than a silent change of
// ownership.
func keepOwner(f *os.File, old fs.FileInfo) error {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	cur, err := f.Stat()
	if err != nil {
		return err
	}
	if cst, ok := cur.Sys().(*syscall.Stat_t); ok && cst.Uid == st.Uid && cst.Gid == st.Gid {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}

// inheritOwner gives a new file or directory the owner of the directory it
// is in, when we are root and they differ; otherwise it does nothing (only
// root can give files away, and a normal user's files are already theirs).
func inheritOwner(f interface{ Chown(int, int) error }, parent fs.FileInfo) {
	st, ok := parent.Sys().(*syscall.Stat_t)
	if !ok || os.Geteuid() != 0 || int(st.Uid) == 0 {
		return
	}
	f.Chown(int(st.Uid), int(st.Gid))
}

// inheritDirOwner is inheritOwner for a directory just created.
func inheritDirOwner(dir string) {
	parent, err := os.Stat(filepath.Dir(dir))
	if err != nil {
		return
	}
	inheritOwner(pathChowner(dir), parent)
}

type pathChowner string

func (p pathChowner) Chown(uid, gid int) error { return os.Lchown(string(p), uid, gid) }

// foreignHome returns the owner of home when this process is root and the
// home belongs to someone else (sudo with that user's HOME): then every
// file gosetup changes must be that user's, or a symlink in their home (or
// a path in a state record they can edit) would have root write or delete
// a system file.
func foreignHome(home string) (int, bool) {
	if os.Geteuid() != 0 {
		return 0, false
	}
	fi, err := os.Stat(home)
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return 0, false
	}
	return int(st.Uid), true
}

// ownerOf is the owner of path (symlinks followed).
func ownerOf(path string) (int, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
