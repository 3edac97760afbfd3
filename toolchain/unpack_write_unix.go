//go:build unix

package toolchain

import (
	"os"
	"syscall"
)

// writeNewFile creates p (failing if anything, even a dangling symlink, is
// already there) and writes data to it with three system calls. os.OpenFile
// would add four more per file (fcntl calls and an epoll registration that
// fails for regular files), which is measurable across 10,000 files.
func writeNewFile(p string, perm os.FileMode, data []byte) error {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return &os.PathError{Op: "write", Path: p, Err: err}
		}
		data = data[n:]
	}
	if err := syscall.Close(fd); err != nil && err != syscall.EINTR {
		return &os.PathError{Op: "close", Path: p, Err: err}
	}
	return nil
}
