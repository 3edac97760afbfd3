//go:build unix

package probe

import (
	"os"
	"syscall"
)

// openFileRoom is how many more files this process may open: the soft
// RLIMIT_NOFILE less the descriptors already open (counted in /dev/fd
// where the system has it, else guessed).
func openFileRoom() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<20 {
		return 1 << 20
	}
	used := 32
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		if ents, err := os.ReadDir(dir); err == nil {
			used = len(ents)
			break
		}
	}
	return int(lim.Cur) - used
}
