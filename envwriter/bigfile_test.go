package envwriter

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Writing the block into a large startup file, and undoing it, allocates
// a few copies of the file, not dozens: the shadow scan no longer parses
// a file that never names a variable it looks for (the parser's tree was
// about 30 times the file), the marker search makes no string per line,
// and the check before writing hashes the file as a stream. Bytes
// allocated are counted, not time: the figure is the same on a loaded
// machine. Peak RSS: .ci/bench/bigfile.sh.
func TestLargeStartupFileFewCopies(t *testing.T) {
	home := t.TempDir()
	line := []byte("export SOME_VARIABLE_WITH_A_LONG_NAME=\"a value long enough to be typical\" # x\n")
	text := bytes.Repeat(line, 8<<20/len(line))
	rc := filepath.Join(home, ".bashrc")
	if err := os.WriteFile(rc, text, 0o644); err != nil {
		t.Fatal(err)
	}
	env := testEnv(home, []string{"bash"}, nil)
	allocated := func(f func()) float64 {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		return float64(b.TotalAlloc-a.TotalAlloc) / float64(len(text))
	}
	env1 := allocated(func() { mustApply(t, Options{Settings: Settings{GOPROXY: "https://goproxy.cn,direct"}, Env: env}) })
	os.WriteFile(rc, append(mustRead(t, rc), "# edited since\n"...), 0o644)
	undo := allocated(func() { mustUninstall(t, UninstallOptions{Env: env}) })
	t.Logf("allocated, in file sizes: env %.1f, uninstall %.1f", env1, undo)
	if env1 > 12 || undo > 12 {
		t.Errorf("allocated %.1f (env) and %.1f (uninstall) times the file's size, want at most 12", env1, undo)
	}
	if b := mustRead(t, rc); !bytes.Equal(b, append(text, "# edited since\n"...)) {
		t.Error("uninstall did not leave the file as the user had it")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A startup file over the record's cap is refused, not edited: recorded,
// it would make the record damaged for every later run.
func TestStartupFileOverCapIsRefused(t *testing.T) {
	home := t.TempDir()
	rc := filepath.Join(home, ".bashrc")
	os.WriteFile(rc, []byte("x\n"), 0o644)
	if err := os.Truncate(rc, MaxRecordedFile+1); err != nil {
		t.Fatal(err)
	}
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "off"}, Env: testEnv(home, []string{"bash"}, nil)}, "larger than 64 MB")
}
