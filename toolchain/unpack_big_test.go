package toolchain

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// bigEntries are files around and above the arena size, which the pool
// writes a piece at a time (writeBigFile), between small ones.
func bigEntries(t *testing.T) ([]tEntry, map[string][]byte) {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	want := map[string][]byte{}
	var es []tEntry
	for i, n := range []int{arenaSize + 1, 2 * arenaSize, 3*arenaSize + arenaSize/2, arenaSize, 10} {
		b := make([]byte, n)
		rng.Read(b)
		name := []string{"bin/go", "pkg/tool/compile", "lib/big", "lib/arena", "lib/small"}[i]
		want[name] = b
		es = append(es, tEntry{Name: "go/" + name, Body: string(b), Mode: 0o755})
	}
	return es, want
}

// openFiles counts this process's open file descriptors (Linux). A pipe
// first starts the runtime's poller, whose own descriptors would otherwise
// appear with the first file opened.
func openFiles(t *testing.T) int {
	t.Helper()
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc/self/fd")
	}
	return len(fds)
}

// Files larger than an arena are written in pieces by the pool: each
// arrives whole, byte for byte, with its mode, counted once, and no file
// stays open.
func TestUnpackBigFilesInPieces(t *testing.T) {
	es, want := bigEntries(t)
	before := openFiles(t)
	dir := t.TempDir()
	rep := newReporter(nil)
	if err := unpackTarGz(context.Background(), bytes.NewReader(mirrortest.TarGz("", es)), newTree(dir, "go/", Limits{}, rep), 1); err != nil {
		t.Fatal(err)
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s: %d bytes (%v), want the archive's %d", name, len(got), err, len(b))
		}
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().Perm()&0o100 == 0 && runtime.GOOS != "windows" {
			t.Errorf("%s: mode %v, want executable", name, fi.Mode())
		}
	}
	rep.mu.Lock()
	n := rep.files
	rep.mu.Unlock()
	if n != len(want) {
		t.Errorf("%d files counted, want %d", n, len(want))
	}
	if after := openFiles(t); after != before {
		t.Errorf("%d files open after the unpack, %d before", after, before)
	}
}

// An archive cut off in the middle of a big file fails, naming the entry,
// and leaves no file open.
func TestUnpackTruncatedBigFile(t *testing.T) {
	es, _ := bigEntries(t)
	// Stored (not compressed) would make the cut position exact; random
	// bytes barely compress, so half the archive ends inside lib/big.
	data := mirrortest.TarGz("", es)
	before := openFiles(t)
	err := unpackTarGz(context.Background(), bytes.NewReader(data[:len(data)*3/5]), newTree(t.TempDir(), "go/", Limits{}, nil), 1)
	if err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), `"go/lib/big"`) {
		t.Errorf("err = %v, want lib/big truncated", err)
	}
	if after := openFiles(t); after != before {
		t.Errorf("%d files open after the failed unpack, %d before", after, before)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// While the zip downloads, entries are handed out in the zip's order;
// once it is complete, what is left goes largest first; each entry once.
func TestStreamingPickerOrder(t *testing.T) {
	var inZip []zipJob
	for i, size := range []uint64{10, 500, 20, 400, 30, 300} {
		inZip = append(inZip, zipJob{f: &zip.File{FileHeader: zip.FileHeader{Name: fmt.Sprint(i), UncompressedSize64: size}}})
	}
	bySize := slices.Clone(inZip)
	slices.SortStableFunc(bySize, func(a, b zipJob) int { return cmp.Compare(b.f.UncompressedSize64, a.f.UncompressedSize64) })
	arriving := true
	pick := streamingPicker(inZip, bySize, func() bool { return arriving })
	var got []string
	for {
		if len(got) == 2 {
			arriving = false
		}
		j, ok := pick()
		if !ok {
			break
		}
		got = append(got, j.f.Name)
	}
	if want := "[0 1 3 5 4 2]"; fmt.Sprint(got) != want {
		t.Errorf("picked %v, want %s: two in zip order, then largest first", got, want)
	}
}
