//go:build !windows

package envwriter

import "io/fs"

func executableNames(p string) []string { return []string{p} }

func isExecutable(fi fs.FileInfo) bool { return fi.Mode()&0o111 != 0 }
