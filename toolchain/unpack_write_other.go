//go:build !unix

package toolchain

import "os"

// writeNewFile creates p (failing if it exists) and writes data to it.
func writeNewFile(p string, perm os.FileMode, data []byte) error {
	return createFile(p, perm, data, nil, nil)
}
