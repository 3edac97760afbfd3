package toolchain

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// endlessZip streams a "zip" that never ends (up to 64 MB here) from a
// proxy, with or without announcing its length. The download must stop at
// the module zip cap instead of filling the disk, and fail over.
func TestModuleDownloadIsCapped(t *testing.T) {
	for _, announce := range []bool{false, true} {
		t.Run(fmt.Sprintf("content-length=%v", announce), func(t *testing.T) {
			e := newEnv(t)
			good := goodModuleZip(t, e.p)
			const total = 64 << 20
			var written atomic.Int64
			_, rel := moduleSetup(t, e, good,
				func(w http.ResponseWriter, r *http.Request, serve func()) {
					if r.Header.Get("Range") == "bytes=0-0" {
						serve() // the ranking probe
						return
					}
					w.Header().Set("Content-Type", "application/zip")
					if announce {
						w.Header().Set("Content-Length", fmt.Sprint(total))
					}
					chunk := make([]byte, 64<<10)
					copy(chunk, "PK\x03\x04")
					for n := 0; n < total; n += len(chunk) {
						if _, err := w.Write(chunk); err != nil {
							return
						}
						written.Add(int64(len(chunk)))
						chunk[0] = 0
					}
				}, nil)
			in := e.installer()
			in.RankTimeout = -1
			in.maxModuleZip = 1 << 20
			cache := t.TempDir()
			in.CacheDir = cache
			parent := t.TempDir()
			res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go"), Source: SourceModule})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mirror != "pb" {
				t.Errorf("served by %s", res.Mirror)
			}
			var why error
			e.mu.Lock()
			for _, ev := range e.events {
				if ev.Phase == PhaseFailover && ev.Mirror == "pa" && why == nil {
					why = ev.Err
				}
			}
			e.mu.Unlock()
			if why == nil || !strings.Contains(why.Error(), fmt.Sprint(1<<20)) {
				t.Errorf("pa abandoned because of %v, want the size cap", why)
			}
			if n := written.Load(); n > total/2 {
				t.Errorf("the endless proxy got to send %d bytes", n)
			}
			assertClean(t, parent, "go")
		})
	}
}

// With only an endless proxy, the install fails and the download cache
// holds no more than the cap.
func TestModuleDownloadCapOnlyProxy(t *testing.T) {
	e := newEnv(t)
	good := goodModuleZip(t, e.p)
	_, rel := moduleSetup(t, e, good, func(w http.ResponseWriter, r *http.Request, serve func()) {
		chunk := make([]byte, 64<<10)
		copy(chunk, "PK\x03\x04")
		for n := 0; n < 32<<20; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			chunk[0] = 0
		}
	})
	in := e.installer()
	in.RankTimeout = -1
	in.maxModuleZip = 1 << 20
	cache := t.TempDir()
	in.CacheDir = cache
	parent := t.TempDir()
	dir := filepath.Join(parent, "go")
	installExisting(t, dir, "go1.21.0", e.p)
	before := snapshot(t, dir)
	_, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule})
	var all *AllMirrorsFailedError
	if !errors.As(err, &all) {
		t.Fatalf("err = %v, want every mirror to fail", err)
	}
	assertSame(t, before, snapshot(t, dir))
	assertClean(t, parent, "go")
	ents, _ := os.ReadDir(filepath.Join(cache, "downloads"))
	for _, de := range ents {
		if fi, err := de.Info(); err == nil && fi.Size() > 1<<20 {
			t.Errorf("the download cache holds %s of %d bytes, over the cap", de.Name(), fi.Size())
		}
	}
}

// When the module download fails before the checksum database answers,
// Install must not return while the lookup still runs: it would keep using
// the network and writing the database cache behind the caller's back.
func TestModuleLookupDoesNotOutliveInstall(t *testing.T) {
	e := newEnv(t)
	good := goodModuleZip(t, e.p)
	srvs, rel := moduleSetup(t, e, good, func(w http.ResponseWriter, r *http.Request, serve func()) {
		http.NotFound(w, r)
	})
	// The checksum database answers only once the download has failed.
	failed := make(chan struct{})
	var once sync.Once
	inner := srvs[0].Config.Handler
	srvs[0].Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/sumdb/") && !strings.HasSuffix(r.URL.Path, "/supported") {
			select {
			case <-failed:
			case <-r.Context().Done():
				return
			}
		}
		inner.ServeHTTP(w, r)
	})
	in := e.installer()
	in.RankTimeout = -1
	progress := in.Progress
	in.Progress = func(ev Event) {
		if ev.Phase == PhaseFailover && ev.Mirror == "pa" {
			once.Do(func() { close(failed) })
		}
		progress(ev)
	}
	sumCache := in.SumDB.CacheDir
	_, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err == nil {
		t.Fatal("installed from a proxy that has no zip")
	}
	before := snapshot(t, sumCache)
	time.Sleep(300 * time.Millisecond) // time for a leaked lookup to write
	if after := snapshot(t, sumCache); len(after) != len(before) {
		t.Errorf("the checksum database cache changed after Install returned: %d entries, then %d", len(before), len(after))
	}
}

// The checksum database vouches for names and contents, not for the modes
// a zip carries. A proxy that marks an empty file as a directory (mode bits
// only, no trailing slash) passes both the module zip rules and the h1
// check, so the unpacker itself must refuse it rather than create a
// directory where the vouched-for tree has a file.
func TestModuleZipDirectoryModeWithoutSlash(t *testing.T) {
	e := newEnv(t)
	prefix := dist.ModuleZipPrefix(instVersion, e.p)
	good := goodModuleZip(t, e.p)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, te := range withRoot(prefix, fakeToolchain(instVersion, e.p)) {
		if te.Type == tar.TypeDir {
			continue
		}
		fh := &zip.FileHeader{Name: te.Name, Method: zip.Deflate}
		if te.Name == prefix+"src/empty.txt" {
			fh.SetMode(fs.ModeDir | 0o755)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(te.Body))
	}
	zw.Close()
	forged := buf.Bytes()
	if zipH1(t, forged) != zipH1(t, good) {
		t.Fatal("the forged zip should have the good zip's h1")
	}
	_, rel := moduleSetup(t, e, good, func(w http.ResponseWriter, r *http.Request, serve func()) {
		w.Header().Set("Content-Type", "application/zip")
		w.Write(forged)
	}, nil)
	in := e.installer()
	in.RankTimeout = -1
	dir := filepath.Join(t.TempDir(), "go")
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mirror != "pb" {
		t.Errorf("served by %s, want the proxy with the genuine zip", res.Mirror)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "src", "empty.txt")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("src/empty.txt: %v, %v; want the regular file the checksum database vouches for", fi.Mode(), err)
	}
}

// Mode bits in a module zip are not covered by the checksum database: a
// proxy that marks source files executable must not get them installed
// executable (the go command ignores zip modes too).
func TestModuleZipModesIgnored(t *testing.T) {
	e := newEnv(t)
	prefix := dist.ModuleZipPrefix(instVersion, e.p)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, te := range withRoot(prefix, fakeToolchain(instVersion, e.p)) {
		if te.Type == tar.TypeDir {
			continue
		}
		fh := &zip.FileHeader{Name: te.Name, Method: zip.Deflate}
		fh.SetMode(0o755)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(te.Body))
	}
	zw.Close()
	_, rel := moduleSetup(t, e, buf.Bytes(), nil)
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceModule}); err != nil {
		t.Fatal(err)
	}
	for rel, exec := range map[string]bool{"src/medium.txt": false, "VERSION": false, "bin/go": true} {
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode()&0o111 != 0; got != exec {
			t.Errorf("%s mode %v, executable=%v want %v", rel, fi.Mode(), got, exec)
		}
	}
}

// Bytes kept in the download cache by an earlier run (from a hostile or
// broken mirror, or a damaged disk) spoil the resumed copy. The mirror
// that served the rest is not to blame: the install starts over from
// scratch once instead of failing with a good, sole proxy.
func TestModuleBadCachedPrefixStartsOver(t *testing.T) {
	e := newEnv(t)
	zipData := goodModuleZip(t, e.p)
	_, rel := moduleSetup(t, e, zipData, nil)
	cache := t.TempDir()
	partial := filepath.Join(cache, "downloads", dist.ModuleVersion(instVersion, e.p)+".zip.partial")
	os.MkdirAll(filepath.Dir(partial), 0o755)
	junk := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xAA}, len(zipData)/2)...)
	if err := os.WriteFile(partial, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	in := e.installer()
	in.CacheDir = cache
	in.RankTimeout = -1
	parent := t.TempDir()
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(parent, "go"), Source: SourceModule})
	if err != nil {
		t.Fatalf("install with a spoiled cached prefix: %v", err)
	}
	if res.Mirror != "pa" {
		t.Errorf("served by %q", res.Mirror)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("the spoiled cached download survived: %v", err)
	}
	assertClean(t, parent, "go")
}

// A tiny archive can name a file tens of thousands of directories deep;
// checking such a name must not take seconds (it took minutes for a
// megabyte-long PAX name), and the error must stay readable.
func TestHostileLongNames(t *testing.T) {
	deep := "go/" + strings.Repeat("a/", 40000) + "f"
	// Thousands of entries, each 300 directories deep but under 1 KB.
	var many []tEntry
	for i := range 3000 {
		many = append(many, tEntry{Name: fmt.Sprintf("go/%sl%d", strings.Repeat("a/", 300), i), Type: tar.TypeSymlink, Linkname: "x"})
	}
	cases := []struct {
		name  string
		extra []tEntry
	}{
		{"deep file", []tEntry{{Name: deep, Body: "x"}}},
		{"long symlink target", []tEntry{{Name: "go/src/l", Type: tar.TypeSymlink, Linkname: strings.Repeat("a/", 40000) + "f"}}},
		{"many deep entries", many},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			es := append(withRoot("go/", fakeToolchain(instVersion, e.p))[:4], c.extra...)
			_, rel := archiveSetup(t, e, mirrortest.TarGz("", es), nil)
			parent := t.TempDir()
			dir := filepath.Join(parent, "go")
			installExisting(t, dir, "go1.21.0", e.p)
			before := snapshot(t, dir)
			start := time.Now()
			_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("rejecting the archive took %v", d)
			}
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Entry != c.extra[0].Name {
				t.Fatalf("err = %.300v, want an EntryError naming the entry", err)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
			assertSame(t, before, snapshot(t, dir))
			assertClean(t, parent, "go")
		})
	}
}

// When the staged tree cannot be moved in, swap puts the previous target
// back: a real directory or a symbolic link, exactly as it was.
func TestSwapRestoresTargetOnFailure(t *testing.T) {
	for _, link := range []bool{false, true} {
		t.Run(fmt.Sprintf("symlink=%v", link), func(t *testing.T) {
			e := newEnv(t)
			parent := t.TempDir()
			dir := filepath.Join(parent, "go")
			want := []string{"go"}
			if link {
				real := filepath.Join(parent, "go1.21.0")
				installExisting(t, real, "go1.21.0", e.p)
				if err := os.Symlink(real, dir); err != nil {
					t.Skip(err)
				}
				want = append(want, "go1.21.0")
			} else {
				installExisting(t, dir, "go1.21.0", e.p)
			}
			before := snapshot(t, dir)
			// A staging directory that vanished makes the second rename fail.
			s := &stage{target: dir, dir: filepath.Join(parent, ".go.gosetup-new-gone")}
			if _, err := s.swap(); err == nil {
				t.Fatal("swap succeeded without a staged tree")
			}
			fi, err := os.Lstat(dir)
			if err != nil || (fi.Mode()&os.ModeSymlink != 0) != link {
				t.Fatalf("target after a failed swap: %v, %v", fi, err)
			}
			assertSame(t, before, snapshot(t, dir))
			assertClean(t, parent, want...)
		})
	}
}

// A hostile mirror's status line or error body must not reach the user's
// terminal with its control characters (they can clear the screen, move
// the cursor or retitle the window).
func TestServerTextInErrorsIsSanitised(t *testing.T) {
	const esc = "\x1b]0;owned\x07\x1b[2J"
	t.Run("archive status line", func(t *testing.T) {
		e := newEnv(t)
		_, rel := archiveSetup(t, e, goodArchive(t, e), func(w http.ResponseWriter, r *http.Request, serve func()) {
			conn, bw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			bw.WriteString("HTTP/1.1 404 Not" + esc + "Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			bw.Flush()
		})
		_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
		if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), "404") {
			t.Fatalf("err = %q", err)
		}
	})
	t.Run("module zip file name", func(t *testing.T) {
		e := newEnv(t)
		es := withRoot(dist.ModuleZipPrefix(instVersion, e.p), fakeToolchain(instVersion, e.p))
		es = append(es, tEntry{Name: "x" + esc + "/evil", Body: "x"})
		_, rel := moduleSetup(t, e, mirrortest.Zip("", es), nil)
		_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
		if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), "module zip rules") {
			t.Fatalf("err = %q", err)
		}
	})
	t.Run("checksum database error body", func(t *testing.T) {
		e := newEnv(t)
		srvs, rel := moduleSetup(t, e, goodModuleZip(t, e.p), nil)
		inner := srvs[0].Config.Handler
		srvs[0].Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/sumdb/") && !strings.HasSuffix(r.URL.Path, "/supported") {
				http.Error(w, "upstream"+esc+"failed", http.StatusForbidden)
				return
			}
			inner.ServeHTTP(w, r)
		})
		_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
		if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), "upstream") {
			t.Fatalf("err = %q", err)
		}
	})
}

func TestUntrusted(t *testing.T) {
	for in, want := range map[string]string{
		"404 Not Found":          "404 Not Found",
		"a\x1b[2Jb\x07c":         "a?[2Jb?c",
		"line1\nline2\r\n":       "line1 line2  ",
		"镜像不可用":                  "镜像不可用",
		"\u202eevil":             "?evil", // a bidi override reorders the line
		strings.Repeat("x", 120): strings.Repeat("x", 100) + "...",
	} {
		if got := untrusted(in, 100); got != want {
			t.Errorf("untrusted(%q) = %q, want %q", in, got, want)
		}
	}
}
