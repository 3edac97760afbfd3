//go:build !race

package pargz

const raceOn = false
