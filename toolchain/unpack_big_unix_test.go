//go:build unix

package toolchain

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// A write that fails part of the way into a big file (here the file size
// limit, EFBIG, as a full disk gives ENOSPC) ends the unpack with the
// write's error and the entry's name, in a child process because the limit
// is the process's.
func TestUnpackBigFileWriteFails(t *testing.T) {
	if dir := os.Getenv("GOSETUP_BIGWRITE_DIR"); dir != "" {
		es, _ := bigEntries(t)
		data := mirrortest.TarGz("", es)
		before := openFiles(t)
		lim := syscall.Rlimit{Cur: arenaSize + arenaSize/2, Max: arenaSize + arenaSize/2}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		err := unpackTarGz(context.Background(), bytes.NewReader(data), newTree(filepath.Join(dir, "out"), "go/", Limits{}, nil), 1)
		msg := "err: " + errString(err)
		if after := openFiles(t); after != before {
			msg += " [files left open]"
		}
		os.WriteFile(filepath.Join(dir, "err"), []byte(msg), 0o644)
		return
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "out"), 0o755)
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnpackBigFileWriteFails$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOSETUP_BIGWRITE_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	msg, _ := os.ReadFile(filepath.Join(dir, "err"))
	if !strings.Contains(string(msg), "file too large") || !strings.Contains(string(msg), `"go/`) || strings.Contains(string(msg), "left open") {
		t.Errorf("child said %q, want the write error naming an entry, nothing left open", msg)
	}
}
