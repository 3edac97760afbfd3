//go:build unix

package envwriter

import (
	"io/fs"
	"os"
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
