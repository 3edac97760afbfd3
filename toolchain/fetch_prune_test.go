package toolchain

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/filelock"
)

// TestMain lets the test binary act as another process holding a lock:
// with GOSETUP_TEST_HOLD_LOCK set it locks that file, prints "held", and
// lets go once its standard input is closed.
func TestMain(m *testing.M) {
	if p := os.Getenv("GOSETUP_TEST_HOLD_LOCK"); p != "" {
		l, err := filelock.Acquire(context.Background(), p, filelock.Options{})
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		io.Copy(io.Discard, os.Stdin)
		l.Release()
		return
	}
	os.Exit(m.Run())
}

// holdLock makes another process hold the lock at p until the test ends.
func holdLock(t *testing.T, p string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs a subprocess holding a lock file")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOSETUP_TEST_HOLD_LOCK="+p)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "held\n" {
		t.Fatalf("the lock holder said %q", line)
	}
}

// writeAged writes files under dir with their modification time age ago.
func writeAged(t *testing.T, dir string, age time.Duration, names ...string) {
	t.Helper()
	when := time.Now().Add(-age)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
}

func checkPresent(t *testing.T, dir string, want bool, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := os.Lstat(filepath.Join(dir, n))
		if got := err == nil; got != want {
			t.Errorf("%s present: %v, want %v", n, got, want)
		}
	}
}

// After a module install, the archive channel's spill of that version
// (an interrupted archive download) goes too, as do the module's own;
// another version's fresh spill stays.
func TestInstallDropsTheVersionsSpillsOfBothChannels(t *testing.T) {
	e := newEnv(t)
	_, rel := moduleSetup(t, e, goodModuleZip(t, e.p), nil)
	cache := t.TempDir()
	dl := filepath.Join(cache, "downloads")
	os.MkdirAll(dl, 0o755)
	archive := dist.ArchiveName(instVersion, e.p)
	mv := dist.ModuleVersion(instVersion, e.p)
	other := dist.ArchiveName("go1.21.0", e.p)
	writeAged(t, dl, time.Hour, archive+".part", archive+".part.json", mv+".zip.partial", mv+".zip.partial.json", other+".part", other+".part.json")
	in := e.installer()
	in.CacheDir = cache
	in.Connections = 4
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	checkPresent(t, dl, false, archive+".part", archive+".part.json", mv+".zip.partial", mv+".zip.partial.json", mv+".zip.part", mv+".zip.part.json")
	checkPresent(t, dl, true, other+".part", other+".part.json")
}

// An install removes other versions' spills untouched for longer than
// spillMaxAge, on both channels, with their records and stale lock files;
// it keeps recent ones, one another process holds the lock of, and
// anything that is not a spill gosetup writes.
func TestInstallPrunesAbandonedSpills(t *testing.T) {
	e := newEnv(t)
	_, rel := moduleSetup(t, e, goodModuleZip(t, e.p), nil)
	cache := t.TempDir()
	dl := filepath.Join(cache, "downloads")
	os.MkdirAll(dl, 0o755)
	old := spillMaxAge + 24*time.Hour
	a20 := dist.ArchiveName("go1.20.1", e.p)
	m20 := dist.ModuleVersion("go1.20.1", e.p)
	a19 := dist.ArchiveName("go1.19.3", e.p)
	a18 := dist.ArchiveName("go1.18.2", e.p)
	m17 := dist.ModuleVersion("go1.17.1", e.p)
	gone := []string{a20 + ".part", a20 + ".part.json", a20 + ".part.json.tmp", m20 + ".zip.part", m20 + ".zip.part.json",
		m20 + ".zip.partial", m20 + ".zip.partial.json", m17 + ".zip.partial.lock"}
	writeAged(t, dl, old, gone...)
	// Recent: a download a user may still resume.
	recent := []string{a19 + ".part", a19 + ".part.json"}
	writeAged(t, dl, time.Hour, recent...)
	// Old, but another process is downloading into it right now.
	held := []string{a18 + ".part", a18 + ".part.json"}
	writeAged(t, dl, old, held...)
	holdLock(t, filepath.Join(dl, a18+".part.lock"))
	// Not gosetup's.
	foreign := []string{"notes.txt", "backup.part", "go1.20.1.part", "go1.20.1.notanarch.tar.gz.part", a20}
	writeAged(t, dl, old, foreign...)
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(dl, a19+".zip.part")); err != nil {
		t.Fatal(err)
	}
	in := e.installer()
	in.CacheDir = cache
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	checkPresent(t, dl, false, gone...)
	checkPresent(t, dl, true, recent...)
	checkPresent(t, dl, true, held...)
	checkPresent(t, dl, true, foreign...)
	checkPresent(t, dl, true, a19+".zip.part")
}

func TestSpillBase(t *testing.T) {
	for name, want := range map[string]string{
		"go1.22.5.linux-amd64.tar.gz.part":                 "go1.22.5.linux-amd64.tar.gz.part",
		"go1.22.5.windows-amd64.zip.part.json":             "go1.22.5.windows-amd64.zip.part",
		"v0.0.1-go1.22.5.linux-amd64.zip.part.json.tmp":    "v0.0.1-go1.22.5.linux-amd64.zip.part",
		"v0.0.1-go1.22.5.linux-amd64.zip.partial":          "v0.0.1-go1.22.5.linux-amd64.zip.partial",
		"v0.0.1-go1.22.5.linux-amd64.zip.partial.lock":     "v0.0.1-go1.22.5.linux-amd64.zip.partial",
		"go1.22.5.linux-amd64.tar.gz":                      "",
		"notes.part":                                       "",
		"gox.linux-amd64.tar.gz.part":                      "",
		"go1.22.5.tar.gz.part":                             "",
		"v0.0.1-go1.22.5.linux-amd64.zip.partial.json.bak": "",
	} {
		if got := spillBase(name); got != want {
			t.Errorf("spillBase(%q) = %q, want %q", name, got, want)
		}
	}
}
