//go:build windows

package envwriter

import "io/fs"

func executableNames(p string) []string { return []string{p + ".exe", p + ".bat", p + ".cmd", p} }

func isExecutable(fi fs.FileInfo) bool { return true }
