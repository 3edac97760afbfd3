//go:build !unix && !windows

package filelock

import (
	"errors"
	"os"
)

func tryLock(f *os.File) (bool, error) {
	return false, errors.ErrUnsupported
}

func unlock(f *os.File) error { return nil }

// removeOnRelease: see Acquire.
const removeOnRelease = false
