package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/toolchain"
)

// The plain progress line (no terminal: CI logs) shows the total speed with
// the live connections when there are several, names a mirror dropped from
// a ranged download with the reason (from Event.Dropped, whatever the
// message says), and words an ordinary failover apart.
func TestInstallProgressConnectionsAndDroppedMirror(t *testing.T) {
	var out strings.Builder
	p := newInstallProgress(&out, false)
	p.handle(toolchain.Event{Phase: toolchain.PhaseResolve, Version: "go1.22.12"})
	p.handle(toolchain.Event{Phase: toolchain.PhaseConnect, Source: toolchain.SourceArchive, Mirror: "aliyun"})
	p.handle(toolchain.Event{Phase: toolchain.PhaseDownload, Done: 10e6, Total: 67.6e6, Rate: 31.2e6, Conns: 4})
	html := errors.New("served a page of HTML")
	p.handle(toolchain.Event{Phase: toolchain.PhaseFailover, Mirror: "ustc", Err: html, Dropped: html})
	p.handle(toolchain.Event{Phase: toolchain.PhaseFailover, Mirror: "tuna", Err: errors.New("404 Not Found")})
	p.handle(toolchain.Event{Phase: toolchain.PhaseDownload, Done: 60e6, Total: 67.6e6, Rate: 8e6, Conns: 1})
	got := out.String()
	for _, want := range []string{
		"gosetup:  14% 10.0 MB of 67.6 MB at 31.2 MB/s over 4 connections\n",
		"gosetup: ustc dropped from the download: served a page of HTML; the other connections carry on\n",
		"gosetup: tuna failed: 404 Not Found; trying the next\n",
		"gosetup:  88% 60.0 MB of 67.6 MB at 8.0 MB/s\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q:\n%s", want, got)
		}
	}
}

// --source auto's explanation of its choice is a line of its own.
func TestInstallProgressSaysWhyAutoChose(t *testing.T) {
	var out strings.Builder
	p := newInstallProgress(&out, false)
	p.handle(toolchain.Event{Phase: toolchain.PhaseResolve, Version: "go1.22.12"})
	why := "module zip from goproxy.cn: downloads about as fast as the archive (~4.1 s vs ~3.9 s) and unpacks on 2 cores instead of 1, ~0.4 s sooner"
	p.handle(toolchain.Event{Phase: toolchain.PhaseResolve, Source: toolchain.SourceModule, Message: why})
	if got, want := out.String(), "gosetup: choosing the fastest source for go1.22.12\ngosetup: "+why+"\n"; got != want {
		t.Errorf("progress output %q, want %q", got, want)
	}
}

// The plain output ends on the real totals: an unpack that finishes after
// the download's 100% line gets a last line with its file count, even
// inside the throttle, and a final event that says nothing new is not
// printed twice.
func TestInstallProgressFinalCounts(t *testing.T) {
	var out strings.Builder
	p := newInstallProgress(&out, false)
	p.handle(toolchain.Event{Phase: toolchain.PhaseResolve, Version: "go1.22.12"})
	p.handle(toolchain.Event{Phase: toolchain.PhaseConnect, Source: toolchain.SourceModule, Mirror: "bench1"})
	p.handle(toolchain.Event{Phase: toolchain.PhaseDownload, Done: 72.9e6, Total: 72.9e6, Rate: 55e6, Files: 32, FilesTotal: 9548})
	p.handle(toolchain.Event{Phase: toolchain.PhaseUnpack, Done: 72.9e6, Total: 72.9e6, Rate: 55e6, Files: 4000, FilesTotal: 9548})
	p.handle(toolchain.Event{Phase: toolchain.PhaseDownload, Done: 72.9e6, Total: 72.9e6, Rate: 55e6, Files: 9548, FilesTotal: 9548, Final: true})
	p.handle(toolchain.Event{Phase: toolchain.PhaseUnpack, Done: 72.9e6, Total: 72.9e6, Rate: 55e6, Files: 9548, FilesTotal: 9548, Final: true})
	p.handle(toolchain.Event{Phase: toolchain.PhaseVerify, Message: "h1 hash matches the checksum database"})
	want := "gosetup: choosing the fastest source for go1.22.12\n" +
		"gosetup: downloading go1.22.12 via module from bench1\n" +
		"gosetup: 100% 72.9 MB of 72.9 MB at 55.0 MB/s, 32 of 9548 files unpacked\n" +
		"gosetup: 100% 72.9 MB of 72.9 MB at 55.0 MB/s, 9548 of 9548 files unpacked\n" +
		"gosetup: h1 hash matches the checksum database\n"
	if got := out.String(); got != want {
		t.Errorf("progress output:\n%s\nwant:\n%s", got, want)
	}
}
