// Package setup is the setup flow every face of gosetup drives: the
// commands in package main, the wizard in tui/ and doctor/repair. It puts
// the domain packages together (toolchain, probe, envwriter) in the order
// a user expects, and nothing else: it never prints, never reads a
// terminal and never names a command-line flag. Faces ask questions
// through Confirm, show Notify's notices and toolchain progress, and add
// their own advice to the typed errors it returns.
package setup

import (
	"net/http"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/toolchain"
)

// Flow carries what every step needs from the outside world. The zero
// value of each field takes a sensible default, except Catalog for the
// steps that use the network.
//
// Callbacks: none is ever called while the flow holds an in-process lock,
// and each may be nil. They are called on the goroutine that runs the
// step, except Progress (see toolchain.Installer.Progress: its own
// goroutine, one event at a time; a slow consumer never stalls the
// download). Confirm blocks the flow until it answers, by design; no
// other callback may block for long.
type Flow struct {
	// Client is the one HTTP client (internal/httpx); nil means
	// httpx.OrDefault's client, as in every package.
	Client *http.Client
	// Catalog is the mirror catalogue. The flow never changes it.
	Catalog *catalog.Catalog
	// Env is the user's environment (the zero value: this process's).
	Env envwriter.Env
	// Platform is what to install for (zero: this machine).
	Platform dist.Platform
	// CacheDir is gosetup's cache (default toolchain.DefaultCacheDir).
	CacheDir string
	// LockWait bounds the wait for another install into the same
	// directory (default toolchain.DefaultLockWait).
	LockWait time.Duration

	// Notify receives one-line notices as the flow goes.
	Notify func(Notice)
	// Confirm asks the user a question; nil, or false, means no.
	Confirm func(Question) bool
	// Progress receives the toolchain's download and unpack events.
	Progress func(toolchain.Event)

	// installer, when set, adjusts the toolchain.Installer before use
	// (tests shorten its timeouts).
	installer func(*toolchain.Installer)
}

// NoticeKind tells a face how to show a Notice.
type NoticeKind int

const (
	// Info is a step being taken ("looking up Go releases for linux/amd64").
	Info NoticeKind = iota
	// Warning is something the user should know but that does not stop
	// the flow.
	Warning
)

// Notice is one line for the user; Text is one line, with no flag names.
type Notice struct {
	Kind NoticeKind
	Text string
}

// QuestionKind says what a Question asks.
type QuestionKind int

const (
	// AskReplace: Dir holds Go Existing.Version; replace it with Version?
	AskReplace QuestionKind = iota
	// AskRestore: an interrupted install left Dir missing and the
	// previous installation at Old; put it back (and go on)?
	AskRestore
)

// Question is what Confirm is asked.
type Question struct {
	Kind     QuestionKind
	Dir      string
	Version  string             // the release being installed
	Existing toolchain.Existing // AskReplace: what is there
	Old      toolchain.Leftover // AskRestore: the surviving tree
}

func (f *Flow) notify(k NoticeKind, text string) {
	if f.Notify != nil {
		f.Notify(Notice{Kind: k, Text: text})
	}
}

func (f *Flow) confirm(q Question) bool { return f.Confirm != nil && f.Confirm(q) }

func (f *Flow) getenv() func(string) string {
	if f.Env.Getenv != nil {
		return f.Env.Getenv
	}
	return envGetenv
}

func (f *Flow) goos() string {
	if f.Env.GOOS != "" {
		return f.Env.GOOS
	}
	return runtime.GOOS
}

func (f *Flow) platform() dist.Platform {
	if f.Platform == (dist.Platform{}) {
		return dist.Host()
	}
	return f.Platform
}

func (f *Flow) cacheDir() string {
	if f.CacheDir != "" {
		return f.CacheDir
	}
	return toolchain.DefaultCacheDir(f.goos(), f.getenv())
}

// DefaultDir is where Install puts Go when the request names no
// directory (toolchain.DefaultDir for this user).
func (f *Flow) DefaultDir() string {
	return toolchain.DefaultDir(f.goos(), toolchain.IsRoot(), f.getenv())
}

func sameFile(a, b string) bool {
	return a != "" && b != "" && filepath.Clean(a) == filepath.Clean(b) || statSame(a, b)
}
