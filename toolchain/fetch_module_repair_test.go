package toolchain

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/gosetup/gosetup/internal/dist"
)

// realShapedZip is a module zip shaped like a toolchain's: a few hundred
// small sources and a row of 1 MB binaries that do not compress, about
// 20 MB in all, so a 4 MB range meets a handful of entries. Deflated by
// klauspost's fast level: the standard library's takes seconds under -race.
func realShapedZip(t *testing.T, p dist.Platform) []byte {
	t.Helper()
	r := rand.NewChaCha8([32]byte{5, 6})
	es := fakeToolchain(instVersion, p)
	for i := range 18 {
		noise := make([]byte, 1<<20)
		r.Read(noise)
		es = append(es, tEntry{Name: fmt.Sprintf("pkg/tool/%s_%s/tool%02d", p.OS, p.Arch, i), Body: string(noise), Mode: 0o755})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	prefix := dist.ModuleZipPrefix(instVersion, p)
	for _, e := range es {
		if strings.HasSuffix(e.Name, "/") {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + e.Name, Method: zip.Deflate, Modified: time.Unix(1e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// corrupted is data with one byte in every 64 KiB of [lo, hi) flipped: a
// corrupt range.
func corrupted(data []byte, lo, hi int) []byte {
	out := bytes.Clone(data)
	for i := lo + 1000; i < hi; i += 64 << 10 {
		out[i] ^= 0x55
	}
	return out
}

// entriesSpan is how many bytes the entries of zipData that meet [lo, hi)
// take, local header to the next entry: what a repair fetches again.
func entriesSpan(t *testing.T, zipData []byte, lo, hi int64) int64 {
	t.Helper()
	z, whole, err := readZipSpans(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil || !whole {
		t.Fatalf("reading the zip's layout: %v (whole %v)", err, whole)
	}
	var n int64
	for _, e := range z.entries {
		if e.local.start < hi && lo < e.local.end {
			n += e.local.end - e.local.start
		}
	}
	return n
}

// TestRangedModuleRefetchesOnlyBadEntries: one proxy of two serves a
// corrupt 4 MB range. The entries there fail their CRC-32; only their
// bytes are fetched again, the proxy that served them wrong is dropped and
// named, and the install succeeds.
func TestRangedModuleRefetchesOnlyBadEntries(t *testing.T) {
	e := newEnv(t)
	zipData := realShapedZip(t, e.p)
	lo, hi := 6<<20, 10<<20
	bad := corrupted(zipData, lo, hi)
	var ca, cb counter
	_, rel := moduleSetup(t, e, zipData,
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			ca.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, zipData) })
		},
		func(w http.ResponseWriter, r *http.Request, _ func()) {
			cb.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, bad) })
		})
	res, err := rangedInstaller(e, 4).Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if cb.ranged.Load() == 0 {
		t.Fatal("pb served no range: nothing was corrupt")
	}
	var dropped []string
	e.mu.Lock()
	for _, ev := range e.events {
		if ev.Phase == PhaseFailover && ev.Mirror != "" {
			dropped = append(dropped, ev.Mirror)
			if ev.Mirror == "pb" && (ev.Err == nil || ev.Dropped == nil || !strings.Contains(ev.Err.Error(), "CRC-32")) {
				t.Errorf("pb dropped for %v, want the CRC-32 check named", ev.Err)
			}
		}
	}
	e.mu.Unlock()
	if len(dropped) != 1 || dropped[0] != "pb" {
		t.Errorf("dropped %v, want [pb]", dropped)
	}
	if res.Mirror != "pa" && res.Mirror != "pb" {
		t.Errorf("installed from %q", res.Mirror)
	}
	size := int64(len(zipData))
	span := entriesSpan(t, zipData, int64(lo), int64(hi))
	extra := ca.bytes.Load() + cb.bytes.Load() - size
	t.Logf("zip %d bytes, entries meeting the corrupt range %d bytes, fetched again %d bytes", size, span, extra)
	// Each of the two mirrors may be tried for the bad entries once (the
	// corrupt one first, by bad luck: then about 2*span); a split or raced
	// span costs what was in flight, up to a few chunks a round. The whole
	// file again would be size more.
	if extra > 2*(span+2<<20) || extra >= size {
		t.Errorf("fetched %d bytes beyond the file's %d; the bad entries take %d", extra, size, span)
	}
}

// A copy whose every entry matches its CRC-32 but not the checksum
// database (bytes changed so as to keep each CRC) has no identifiably bad
// bytes: the install falls back to one proxy at a time and succeeds.
func TestRangedModuleMatchingCRCsFallsBackToOneSource(t *testing.T) {
	e := newEnv(t)
	// Stored entries, so their bytes can be changed in place.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	prefix := dist.ModuleZipPrefix(instVersion, e.p)
	r := rand.New(rand.NewPCG(7, 8))
	for _, en := range fakeToolchain(instVersion, e.p) {
		if strings.HasSuffix(en.Name, "/") {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + en.Name, Method: zip.Store, Modified: time.Unix(1e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(en.Body))
	}
	for i := range 40 {
		noise := make([]byte, 64<<10)
		for j := range noise {
			noise[j] = byte(r.Uint32())
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%ssrc/noise/n%02d.bin", prefix, i), Method: zip.Store, Modified: time.Unix(1e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(noise)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zipData := buf.Bytes()
	// XOR with the CRC-32 polynomial (reflected, as IEEE's CRC reads bits)
	// leaves a message's CRC-32 unchanged.
	crafted := bytes.Clone(zipData)
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, f := range zr.File {
		if !strings.Contains(f.Name, "/noise/") {
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range []byte{0x41, 0x06, 0x71, 0xdb, 0x01} {
			crafted[off+100+int64(i)] ^= d
		}
		changed++
	}
	if cz, err := zip.NewReader(bytes.NewReader(crafted), int64(len(crafted))); err != nil {
		t.Fatal(err)
	} else if z, whole, err := readZipSpans(bytes.NewReader(crafted), int64(len(crafted))); err != nil || !whole {
		t.Fatal(err)
	} else if bad, _ := z.badSpans(bytes.NewReader(crafted), whole, nil); len(bad) > 0 || len(cz.File) != len(zr.File) {
		t.Fatalf("the crafted copy has bad entries %v", bad)
	}
	_, rel := moduleSetup(t, e, zipData, nil, func(w http.ResponseWriter, r *http.Request, _ func()) {
		serveData(w, r, crafted)
	})
	in := rangedInstaller(e, 4)
	in.rangedChunk = 64 << 10
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "pa" {
		t.Errorf("installed from %q", res.Mirror)
	}
	var said, fellBack bool
	e.mu.Lock()
	for _, ev := range e.events {
		said = said || strings.Contains(ev.Message, "matches its CRC-32")
		fellBack = fellBack || ev.Phase == PhaseFailover && strings.Contains(ev.Message, "one mirror at a time")
	}
	e.mu.Unlock()
	if !said || !fellBack {
		t.Errorf("said no entry is bad: %v; fell back to one mirror at a time: %v", said, fellBack)
	}
}

// A spill kept from an earlier run whose bytes are corrupt in one range:
// the next run fetches what is missing, finds the bad entries and fetches
// only them again, not the whole file.
func TestRangedModuleResumedCorruptRangeRefetched(t *testing.T) {
	e := newEnv(t)
	zipData := realShapedZip(t, e.p)
	size := int64(len(zipData))
	lo, hi := 2<<20, 6<<20
	var c counter
	_, rel := moduleSetup(t, e, zipData, func(w http.ResponseWriter, r *http.Request, _ func()) {
		c.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, zipData) })
	})
	cache := t.TempDir()
	v := dist.ModuleVersion(instVersion, e.p)
	part := filepath.Join(cache, "downloads", v+".zip.part")
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		t.Fatal(err)
	}
	kept := size * 3 / 4
	if err := os.WriteFile(part, corrupted(zipData, lo, hi)[:kept], 0o644); err != nil {
		t.Fatal(err)
	}
	rec, _ := json.Marshal(spillRecord{Key: fmt.Sprintf("module %s@%s size %d", dist.ToolchainModule, v, size), Size: size, Have: [][2]int64{{0, kept}}})
	if err := os.WriteFile(part+".json", rec, 0o644); err != nil {
		t.Fatal(err)
	}
	in := rangedInstaller(e, 4)
	in.CacheDir = cache
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	span := entriesSpan(t, zipData, int64(lo), int64(hi))
	got := c.bytes.Load()
	t.Logf("missing %d bytes, entries meeting the corrupt range %d bytes, fetched %d bytes", size-kept, span, got)
	// One round from the one proxy; in flight at splits, a few chunks.
	if got > size-kept+span+2<<20 || got >= size {
		t.Errorf("fetched %d bytes: want the %d missing and the %d of the bad entries, not the whole %d", got, size-kept, span, size)
	}
	if fs := e.failovers(); len(fs) != 0 {
		t.Errorf("mirrors blamed for bytes of an earlier run: %v", fs)
	}
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Errorf("the spill is still there after the install: %v", err)
	}
}
