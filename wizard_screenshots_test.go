package main

import (
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// TestWizardScreenshots captures the README's screenshots from the real
// binary in tmux against the mirror world: with GOSETUP_SCREENSHOTS=DIR it
// writes DIR/<step>.ansi (capture-pane -e, colours included) for the
// detect, mirrors, review, progress and done screens. scripts/screenshots.sh
// turns them into docs/*.png. HOME is /home/user inside a private mount
// namespace, so no path of the machine that took them appears.
func TestWizardScreenshots(t *testing.T) {
	dir := os.Getenv("GOSETUP_SCREENSHOTS")
	if dir == "" {
		t.Skip("set GOSETUP_SCREENSHOTS=DIR to capture the README's screenshots")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for the mount namespace that shows HOME as /home/user")
	}
	// A toolchain of a few MB (incompressible), so the progress bar
	// shows real figures.
	blob := make([]byte, 24<<20)
	rand.NewChaCha8([32]byte{}).Read(blob)
	w := newWizardWorld(t, mirrortest.Entry{Name: "pkg/blob", Body: string(blob)})
	w.shownHome = "/home/user"
	// The archive comes in at about 2.5 MB/s (ranged or not), so the
	// progress screen can be caught mid-download.
	w.world.Hook(mirrortest.RouteArchive, func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		serve(slowWriter{rw}, r)
	})
	shot := func(name string) {
		t.Helper()
		s := w.tmux("capture-pane", "-e", "-p", "-t", "wiz")
		wd, _ := os.Getwd()
		if strings.Contains(s, w.root) || strings.Contains(s, wd) || strings.Contains(s, "/tmp/") || strings.Contains(s, "/root") {
			t.Fatalf("%s shows a path of this machine:\n%s", name, s)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".ansi"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.start(100, 32, "USER=user", "COLORFGBG=15;0")
	w.waitFor("Proceed with the installation", "Install go1.22.5", " failures")
	shot("detect")
	w.keys("Enter")
	w.waitFor("Probing mirrors", "finished in", "● toolchain")
	shot("mirrors")
	w.keys("Enter")
	w.waitFor("Review the changes", "+++ ~/.config/gosetup/env")
	shot("review")
	w.keys("Enter")
	// Some of the archive in: the bar shows real figures.
	deadline := time.Now().Add(60 * time.Second)
	done := regexp.MustCompile(`\b([0-9]+)\.[0-9] of 25\.2 MB`)
	for s := w.waitFor("Installing go1.22.5", " MB/s"); ; s = w.screen() {
		if m := done.FindStringSubmatch(s); m != nil && m[1] >= "8" && len(m[1]) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress:\n%s", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	shot("progress")
	w.waitFor("✓ go mod download")
	shot("done")
	w.keys("Enter")
	if code := w.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, w.screen())
	}
}

// slowWriter writes 64 KB every 25 ms.
type slowWriter struct{ http.ResponseWriter }

func (s slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), 64<<10)
		m, err := s.ResponseWriter.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		b = b[k:]
		time.Sleep(25 * time.Millisecond)
	}
	return n, nil
}
