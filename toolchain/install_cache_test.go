package toolchain

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// noisyModuleZip is a module zip with size MB of incompressible content,
// so that it downloads in many reads.
func noisyModuleZip(t *testing.T, p dist.Platform, size int) []byte {
	noise := make([]byte, size)
	rand.Read(noise)
	es := append(fakeToolchain(instVersion, p), tEntry{Name: "src/noise.bin", Body: string(noise)})
	return mirrortest.Zip(dist.ModuleZipPrefix(instVersion, p), es)
}

func partialsIn(t *testing.T, cache string) []string {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(cache, "downloads"))
	var out []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".lock") {
			out = append(out, e.Name())
		}
	}
	return out
}

// Two installs of one version sharing one download cache (CI jobs on one
// runner), downloading at the same time: both succeed, no mirror is
// blamed, and the cache is left clean. The proxy holds the first download
// until the second has started, and holds the second halfway until the
// first install has finished (and so deleted the shared partial), so the
// first finishes while the second is still writing: explicit signals, so
// the order holds however loaded the machine is.
func TestConcurrentInstallsShareCache(t *testing.T) {
	e := newEnv(t)
	zipData := noisyModuleZip(t, e.p, 1<<20)
	var mu sync.Mutex
	n := 0
	firstStarted, secondStarted, firstDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	// wait bounds a wait on a signal so that a broken install fails the
	// test instead of hanging it.
	wait := func(what string, ch <-chan struct{}) {
		select {
		case <-ch:
		case <-time.After(time.Minute):
			t.Errorf("timed out waiting for %s", what)
		}
	}
	_, rel := moduleSetup(t, e, zipData, func(w http.ResponseWriter, r *http.Request, serve func()) {
		if !strings.HasSuffix(r.URL.Path, ".zip") || r.Header.Get("Range") == "bytes=0-0" {
			serve()
			return
		}
		mu.Lock()
		n++
		me := n
		mu.Unlock()
		switch me {
		case 1:
			close(firstStarted)
			wait("the second download", secondStarted)
			serve()
			return
		case 2:
			close(secondStarted)
		}
		// Half now, the rest once the first install is done.
		half := len(zipData) / 2
		w.Header().Set("Content-Length", fmt.Sprint(len(zipData)))
		w.Write(zipData[:half])
		w.(http.Flusher).Flush()
		if me == 2 {
			wait("the first install", firstDone)
		}
		w.Write(zipData[half:])
	})
	cache := t.TempDir()
	parent := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	// Both installers are made before either runs: installer() writes the
	// shared catalogue's checksum database entry, which an install reads.
	ins := []*Installer{e.installer(), e.installer()}
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := ins[i]
			in.CacheDir = cache
			in.RankTimeout = -1
			_, errs[i] = in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, fmt.Sprint("go", i)), Source: SourceModule})
			if i == 0 {
				close(firstDone)
			}
		}()
		if i == 0 {
			// The first one takes the cache before the second starts.
			wait("the first download", firstStarted)
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("install %d: %v", i, err)
		}
	}
	if f := e.failovers(); len(f) != 0 {
		t.Errorf("a good proxy was blamed: %v", f)
	}
	if p := partialsIn(t, cache); len(p) != 0 {
		t.Errorf("cache left %v", p)
	}
	separate := false
	e.mu.Lock()
	for _, ev := range e.events {
		separate = separate || strings.Contains(ev.Message, "downloading a separate copy")
	}
	e.mu.Unlock()
	if !separate {
		t.Error("the second install did not say it downloads its own copy")
	}
}

// A download abandoned because the proxy streamed more than a module zip
// may have leaves nothing in the cache.
func TestEndlessModuleStreamLeavesNoPartial(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	_, arel := archiveSetup(t, e, archive, nil)
	_, mrel := moduleSetup(t, e, goodModuleZip(t, e.p), func(w http.ResponseWriter, r *http.Request, serve func()) {
		if !strings.HasSuffix(r.URL.Path, ".zip") {
			serve()
			return
		}
		w.Write([]byte("PK\x03\x04"))
		junk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(junk); err != nil {
				return
			}
		}
	})
	rel := arel
	rel.Modules = mrel.Modules
	cache := t.TempDir()
	in := e.installer()
	in.CacheDir = cache
	in.maxModuleZip = 1 << 20
	in.RankTimeout = -1
	_, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("err = %v", err)
	}
	if p := partialsIn(t, cache); len(p) != 0 {
		t.Fatalf("an endless stream left %v in the cache", p)
	}
}

// A partial download kept by an interrupted module install is deleted once
// the release is installed through the archive channel: nothing would
// ever resume it.
func TestPartialDroppedAfterOtherChannel(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	_, rel := archiveSetup(t, e, archive, nil)
	cache := t.TempDir()
	partial := filepath.Join(cache, "downloads", dist.ModuleVersion(instVersion, e.p)+".zip.partial")
	os.MkdirAll(filepath.Dir(partial), 0o755)
	os.WriteFile(partial, []byte("PK\x03\x04 an interrupted download"), 0o644)
	os.WriteFile(partial+".json", []byte(`{}`), 0o644)
	// And a ranged download's spill with its record.
	spillPath := strings.TrimSuffix(partial, "ial")
	os.WriteFile(spillPath, []byte("PK\x03\x04"), 0o644)
	os.WriteFile(spillPath+".json", []byte(`{}`), 0o644)
	in := e.installer()
	in.CacheDir = cache
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	if p := partialsIn(t, cache); len(p) != 0 {
		t.Fatalf("cache still holds %v after the archive install", p)
	}
	if _, err := os.Stat(spillPath); !os.IsNotExist(err) {
		t.Fatalf("the module spill survived the archive install: %v", err)
	}
}
