package main

import "runtime/debug"

// softMemoryLimit is the Go heap size at which the garbage collector runs
// whatever GOGC says. An install's live memory is bounded by design (the
// download's read-ahead, the parallel inflater's output pool, the files
// in flight to disk: about 30 MB at its peak), but with the default GOGC
// the heap may grow to twice the live size before a collection, which on
// the go1.22 archive took peak RSS from about 50 to 63 MB. Collecting
// earlier costs a few milliseconds. It is a soft limit: a heap that
// needs more gets it, the collector's CPU capped by the runtime.
const softMemoryLimit = 48 << 20

// limitMemory applies softMemoryLimit unless the user set GOMEMLIMIT.
func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
}
