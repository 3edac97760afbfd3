package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/gosetup/gosetup/internal/buildinfo"
)

// printVersion writes `gosetup version`: the version alone on the first line
// (what scripts read), then the commit, build date and platform.
func printVersion(w io.Writer, info buildinfo.Info) {
	fmt.Fprintln(w, "gosetup", info.Version)
	commit := info.Commit
	if commit == "" {
		commit = "unknown"
	} else if info.Dirty {
		commit += " (modified)"
	}
	date := info.Date
	if date == "" {
		date = "unknown"
	}
	fmt.Fprintf(w, "commit:   %s\nbuilt:    %s\nplatform: %s/%s (%s)\n", commit, date, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
