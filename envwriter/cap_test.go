package envwriter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A small state.json whose recorded content inflates to gigabytes is a
// damaged record, said so at once, not a crash of every later run.
func TestGzipBombRecordIsDamaged(t *testing.T) {
	home := t.TempDir()
	// One gzip member of 1 MB of zeros, repeated: gzip readers read
	// concatenated members as one stream, so this inflates to 1 GB.
	var m bytes.Buffer
	w, _ := gzip.NewWriterLevel(&m, gzip.BestCompression)
	w.Write(make([]byte, 1<<20))
	w.Close()
	z := bytes.Repeat(m.Bytes(), 1024)
	cfg := filepath.Join(home, ".config", "gosetup")
	os.MkdirAll(cfg, 0o755)
	rec := `{"version":1,"files":[{"path":"` + filepath.Join(home, ".profile") + `","prior":"` + base64.StdEncoding.EncodeToString(z) + `","written":"x","mode":420}]}`
	if err := os.WriteFile(filepath.Join(cfg, "state.json"), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	// Bounded by what it allocates, not by the clock (a loaded CI
	// machine under -race took 5 s): uncapped, reading the record
	// allocated over 2 GB; capped, about the 64 MB cap and its buffers.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := PlanUninstall(context.Background(), UninstallOptions{Env: testEnv(home, []string{"bash"}, nil)})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("PlanUninstall = %v, want a damaged record", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<20 {
		t.Errorf("allocated %d MB to say the record is damaged", alloc>>20)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("took %s to say the record is damaged", d)
	}
	t.Logf("%d-byte record: %v (%s, %d MB allocated)", len(rec), err, time.Since(start), (after.TotalAlloc-before.TotalAlloc)>>20)
}

// --scope goenv with no PATH writes the Go env file only: no startup file
// is edited to source an empty script.
func TestGoEnvScopeWithoutPathLeavesShellsAlone(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "export EDITOR=vi\n", ".bashrc": "alias ll='ls -l'\n"})
	env := testEnv(home, []string{"bash", "zsh", "fish"}, map[string]string{"GOENV": filepath.Join(home, "goenv")})
	before := snapshot(t, home)
	p := mustApply(t, Options{Env: env, Scope: ScopeGoEnv, Settings: Settings{GOPROXY: "https://goproxy.cn,direct"}})
	for _, c := range p.Changed() {
		if c.Kind != KindGoEnv {
			t.Errorf("%s %s (%s), want only the Go env file written", c.Action(), c.Path, c.Kind)
		}
	}
	b, _ := os.ReadFile(filepath.Join(home, "goenv"))
	if string(b) != "GOPROXY=https://goproxy.cn,direct\n" {
		t.Errorf("Go env file = %q", b)
	}
	mustUninstall(t, UninstallOptions{Env: env})
	diffSnapshots(t, "uninstall", before, snapshot(t, home))
}
