// Package buildinfo is the one source of gosetup's version, commit and build
// date. Release builds (GoReleaser, see .goreleaser.yaml) stamp them with
// -ldflags -X; a plain `go build` or `go run` of a checkout, or `go install
// module@version`, falls back to what the Go toolchain recorded
// (debug.ReadBuildInfo): the module version and the VCS revision and time.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Set at link time by release builds:
//
//	-X github.com/gosetup/gosetup/internal/buildinfo.version=1.2.3
//	-X github.com/gosetup/gosetup/internal/buildinfo.commit=abc123...
//	-X github.com/gosetup/gosetup/internal/buildinfo.date=2026-01-02T03:04:05Z
//
// They are never assigned at run time.
var version, commit, date string

// Info is what `gosetup version` prints.
type Info struct {
	Version string // "1.2.3" for a release, "(devel)" for a checkout build
	Commit  string // full VCS revision, "" if unknown
	Date    string // RFC 3339 build or commit time, "" if unknown
	Dirty   bool   // built from a checkout with uncommitted changes
}

// Get returns the stamped values, filling the gaps from the toolchain's
// build information.
func Get() Info {
	info := Info{Version: strings.TrimPrefix(version, "v"), Commit: commit, Date: date}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if info.Version == "" {
			info.Version = "(devel)"
		}
		return info
	}
	if info.Version == "" {
		info.Version = strings.TrimPrefix(bi.Main.Version, "v")
		if info.Version == "" {
			info.Version = "(devel)"
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		case "vcs.modified":
			// Only meaningful when the commit came from the toolchain too.
			info.Dirty = commit == "" && s.Value == "true"
		}
	}
	return info
}

// Version is gosetup's version: "1.2.3" for a release, the module version
// for `go install ...@v1.2.3`, "(devel)" for a build of a checkout.
func Version() string { return Get().Version }
