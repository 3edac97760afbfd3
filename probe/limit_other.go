//go:build !unix

package probe

// openFileRoom: Windows has no small per-process limit on sockets.
func openFileRoom() int { return 1 << 20 }
