//go:build race

package pargz

// The race detector makes inflating ten times slower: the tests then run
// fewer cases, enough to exercise every handover between goroutines.
const raceOn = true
