package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/gosetup/gosetup/selfupdate"
)

// This file lays out release hosts for the install.sh and self update
// tests: a loopback HTTP server over a directory in the layout the README
// documents (download/vX.Y.Z/{checksums.txt,ARCHIVE}, latest/download ->
// the newest), holding either GoReleaser's snapshot (GOSETUP_TEST_DIST,
// which .ci/run sets after `goreleaser release --snapshot`) or archives the
// test builds itself, named and packed as .goreleaser.yaml does.

// fixtureNewVersion is the version of releases the tests build themselves;
// fixtureOldVersion is older than it and than any GoReleaser snapshot
// (0.0.1-next-COMMIT with no tags, later ones higher).
const (
	fixtureNewVersion = "0.0.1-next-fixture"
	fixtureOldVersion = "0.0.0"
)

// requireOrSkip skips a test that needs something this machine lacks, or
// fails it under GOSETUP_TEST_REQUIRE=all (CI), where everything is present.
func requireOrSkip(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
		t.Fatalf("%s (GOSETUP_TEST_REQUIRE=all: .ci/run provides it)", why)
	}
	t.Skip(why)
}

// stampedBinary builds gosetup for goos/goarch with version stamped in, as
// the release build does (CGO_ENABLED=0, -trimpath, -X buildinfo.version).
// Each is a full link, so a test builds what its subtests share once.
func stampedBinary(t *testing.T, goos, goarch, version string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds gosetup binaries; skipped with -short")
	}
	out := filepath.Join(t.TempDir(), selfupdate.BinaryName(goos))
	cmd := exec.Command("go", "build", "-trimpath", "-o", out,
		"-ldflags", "-X github.com/gosetup/gosetup/internal/buildinfo.version="+version+
			" -X github.com/gosetup/gosetup/internal/buildinfo.commit=fixture"+
			" -X github.com/gosetup/gosetup/internal/buildinfo.date=2026-01-01T00:00:00Z",
		".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building gosetup %s/%s %s: %v\n%s", goos, goarch, version, err, b)
	}
	return out
}

// packArchive packs a binary as GoReleaser does: the binary, LICENSE and
// README.md at the top level, tar.gz (zip for windows).
func packArchive(t *testing.T, goos, bin string) []byte {
	t.Helper()
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name string
		body []byte
		mode int64
	}{
		{"LICENSE", []byte("license\n"), 0o644},
		{"README.md", []byte("readme\n"), 0o644},
		{selfupdate.BinaryName(goos), exe, 0o755},
	}
	var buf bytes.Buffer
	if goos == "windows" {
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
			h.SetMode(os.FileMode(f.mode))
			w, err := zw.CreateHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f.body)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

// releaseSite is a release host on loopback.
type releaseSite struct {
	root string
	URL  string
	mu   sync.Mutex
	hits []string // request paths, in order
	// override, when set, answers instead of the file server.
	override http.HandlerFunc
}

func newReleaseSite(t *testing.T) *releaseSite {
	t.Helper()
	s := &releaseSite{root: t.TempDir()}
	files := http.FileServer(http.Dir(s.root))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.URL.Path)
		override := s.override
		s.mu.Unlock()
		if override != nil {
			override(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// answer makes h answer every request instead of the file server.
func (s *releaseSite) answer(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.override = h
}

// requests returns the paths requested so far.
func (s *releaseSite) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hits...)
}

// publish writes one release: the archives and a checksums.txt over them
// (sums may override or, with "", drop a line), and points latest at it
// when latest is true, with a symlink as a static mirror would.
func (s *releaseSite) publish(t *testing.T, version string, archives map[string][]byte, sums map[string]string, latest bool) {
	t.Helper()
	dir := filepath.Join(s.root, "download", "v"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, body := range archives {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		h := sha256.Sum256(archives[name])
		sum := hex.EncodeToString(h[:])
		if o, ok := sums[name]; ok {
			sum = o
		}
		if sum != "" {
			fmt.Fprintf(&b, "%s  %s\n", sum, name)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if latest {
		s.pointLatest(t, dir)
	}
}

func (s *releaseSite) pointLatest(t *testing.T, dir string) {
	t.Helper()
	l := filepath.Join(s.root, "latest")
	os.RemoveAll(l)
	if err := os.MkdirAll(l, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(l, "download")); err != nil {
		t.Fatal(err)
	}
}

// hostRelease returns a release for this machine's platform to serve:
// GoReleaser's snapshot from GOSETUP_TEST_DIST when set, else one the test
// builds. archives holds every archive of the release by name.
func hostRelease(t *testing.T) (version string, archives map[string][]byte) {
	t.Helper()
	if dist := os.Getenv("GOSETUP_TEST_DIST"); dist != "" {
		return distRelease(t, dist)
	}
	if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
		t.Fatal("GOSETUP_TEST_DIST is not set: with GOSETUP_TEST_REQUIRE=all the tests serve GoReleaser's snapshot (.ci/run builds it into dist/ and sets GOSETUP_TEST_DIST)")
	}
	name, err := selfupdate.ArchiveName(fixtureNewVersion, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Skip(err)
	}
	bin := stampedBinary(t, runtime.GOOS, runtime.GOARCH, fixtureNewVersion)
	return fixtureNewVersion, map[string][]byte{name: packArchive(t, runtime.GOOS, bin)}
}

// distRelease reads GoReleaser's dist/: the version from metadata.json and
// the archives checksums.txt lists (for this platform, and windows/amd64
// for the Wine test).
func distRelease(t *testing.T, dist string) (string, map[string][]byte) {
	t.Helper()
	meta, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		t.Fatalf("GOSETUP_TEST_DIST=%s is not GoReleaser output: %v", dist, err)
	}
	var m struct{ Version string }
	if err := json.Unmarshal(meta, &m); err != nil || m.Version == "" {
		t.Fatalf("%s/metadata.json has no version: %v", dist, err)
	}
	sumsData, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := selfupdate.ParseChecksums(sumsData)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := sums.Version(); err != nil || v != m.Version {
		t.Fatalf("dist/checksums.txt names version %q (%v), metadata.json %q", v, err, m.Version)
	}
	archives := map[string][]byte{}
	for _, p := range [][2]string{{runtime.GOOS, runtime.GOARCH}, {"windows", "amd64"}} {
		name, err := selfupdate.ArchiveName(m.Version, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sums[name]; !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatalf("dist/checksums.txt lists %s but: %v", name, err)
		}
		archives[name] = b
	}
	host, _ := selfupdate.ArchiveName(m.Version, runtime.GOOS, runtime.GOARCH)
	if archives[host] == nil {
		t.Fatalf("GoReleaser's snapshot in %s has no %s: the archive names in .goreleaser.yaml and selfupdate.ArchiveName disagree", dist, host)
	}
	return m.Version, archives
}
