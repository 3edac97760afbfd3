//go:build unix

package toolchain

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestFullDiskDropsPartial runs a module install in a child process whose
// file size limit (RLIMIT_FSIZE) is below the zip's size: writing the
// download fails with EFBIG, as on a full disk. The partial must be gone
// (keeping it would keep the disk full) and the error must say it was the
// disk, blaming no mirror.
func TestFullDiskDropsPartial(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("RLIMIT_FSIZE is Unix")
	}
	if dir := os.Getenv("GOSETUP_FULLDISK_CACHE"); dir != "" {
		e := newEnv(t)
		zipData := noisyModuleZip(t, e.p, 1<<20)
		_, rel := moduleSetup(t, e, zipData, nil)
		in := e.installer()
		in.CacheDir = dir
		in.RankTimeout = -1
		var lim syscall.Rlimit
		lim.Cur, lim.Max = 256<<10, 256<<10
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		_, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
		msg := fmt.Sprint(err)
		if f := e.failovers(); len(f) != 0 {
			msg += fmt.Sprintf(" [blamed %v]", f)
		}
		os.WriteFile(filepath.Join(dir, "err"), []byte(msg), 0o644)
		return
	}
	cache := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFullDiskDropsPartial$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOSETUP_FULLDISK_CACHE="+cache)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	msg, _ := os.ReadFile(filepath.Join(cache, "err"))
	os.Remove(filepath.Join(cache, "err"))
	if !strings.Contains(string(msg), "file too large") || !strings.Contains(string(msg), "writing the download") || strings.Contains(string(msg), "blamed") {
		t.Errorf("error = %q, want the write error, no mirror blamed", msg)
	}
	if p := partialsIn(t, cache); len(p) != 0 {
		t.Fatalf("the full disk left %v in the cache", p)
	}
}
