//go:build !unix

package envwriter

import (
	"io/fs"
	"os"
)

// keepOwner does nothing where files have no Unix owner: on Windows the new
// file inherits the directory's ACL, like the file it replaces did.
func keepOwner(f *os.File, old fs.FileInfo) error { return nil }

func inheritOwner(f interface{ Chown(int, int) error }, parent fs.FileInfo) {}

func inheritDirOwner(dir string) {}

func foreignHome(home string) (int, bool) { return 0, false }

func ownerOf(path string) (int, bool) { return 0, false }
