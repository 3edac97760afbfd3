package toolchain

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// trickle serves data a few bytes at a time, never silent long enough for
// the stall timer: the mirror that holds an install at 0.0 MB/s.
func trickle(data []byte, chunk int, every time.Duration) func(w http.ResponseWriter, r *http.Request, serve func()) {
	return func(w http.ResponseWriter, r *http.Request, serve func()) {
		if r.Header.Get("Range") == "bytes=0-0" || strings.Contains(r.URL.Path, "/sumdb/") {
			serve()
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Header().Set("Content-Type", "application/octet-stream")
		for off := 0; off < len(data); off += chunk {
			if _, err := w.Write(data[off:min(off+chunk, len(data))]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(every):
			case <-r.Context().Done():
				return
			}
		}
	}
}

func lowSpeedInstaller(e *env) *Installer {
	in := e.installer()
	in.RankTimeout = -1 // keep the trickling mirror first
	in.LowSpeedLimit = 20 << 10
	in.LowSpeedTime = 500 * time.Millisecond
	return in
}

// A mirror sending a byte every 50 ms is abandoned for the next one, which
// resumes at the same byte, within about LowSpeedTime.
func TestLowSpeedFailsOverToNextMirror(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	srvs, rel := archiveSetup(t, e, archive, trickle(archive, 1, 50*time.Millisecond), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, err := lowSpeedInstaller(e).Install(ctx, Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %s to leave a trickling mirror", el)
	}
	if res.Mirror != "mb" {
		t.Errorf("served by %s", res.Mirror)
	}
	var why string
	for _, ev := range e.events {
		if ev.Phase == PhaseFailover && ev.Mirror == "ma" {
			why = fmt.Sprint(ev.Err)
		}
	}
	if !strings.Contains(why, "too slow") || !strings.Contains(why, "low-speed limit") {
		t.Errorf("failover reason %q", why)
	}
	// The next mirror resumed after the bytes the slow one delivered.
	resumed := false
	for _, r := range srvs[1].requests() {
		resumed = resumed || strings.HasPrefix(r.Header.Get("Range"), "bytes=") && r.Header.Get("Range") != "bytes=0-0" && r.Header.Get("Range") != "bytes=0-"
	}
	if !resumed {
		t.Error("the next mirror started from scratch instead of resuming")
	}
}

// With one trickling archive mirror and a module proxy, auto leaves the
// archive channel for the module channel.
func TestLowSpeedFailsOverToOtherChannel(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	_, arel := archiveSetup(t, e, archive, trickle(archive, 1, 50*time.Millisecond))
	_, mrel := moduleSetup(t, e, goodModuleZip(t, e.p), nil)
	rel := arel
	rel.Modules = mrel.Modules
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := lowSpeedInstaller(e).Install(ctx, Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceAuto})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != SourceModule {
		t.Errorf("installed through %s", res.Source)
	}
}

// A slow mirror that is the only source left is kept: slow beats nothing.
// It is said to be slow, once.
func TestLowSpeedKeepsOnlySource(t *testing.T) {
	e := newEnv(t)
	archive := goodArchive(t, e)
	_, rel := archiveSetup(t, e, archive, trickle(archive, 1<<10, 100*time.Millisecond))
	in := lowSpeedInstaller(e)
	in.LowSpeedLimit = 1 << 20
	in.LowSpeedTime = 200 * time.Millisecond
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "ma" {
		t.Errorf("served by %s", res.Mirror)
	}
	said := 0
	for _, ev := range e.events {
		if strings.Contains(ev.Message, "very slow") && strings.Contains(ev.Message, "no other source") {
			said++
		}
	}
	if said != 1 || len(e.failovers()) != 0 {
		t.Errorf("said slow %d times, failovers %v", said, e.failovers())
	}
}
