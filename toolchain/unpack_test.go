package toolchain

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// Every hostile archive is rejected by a full install, with an error naming
// the entry, an untouched target and nothing left behind.
func TestHostileArchives(t *testing.T) {
	base := func(e *env) []tEntry { return withRoot("go/", fakeToolchain(instVersion, e.p))[:4] }
	cases := []struct {
		name  string
		extra []tEntry
		entry string // the entry the error must name
		lim   Limits
	}{
		{name: "absolute path", extra: []tEntry{{Name: "/etc/evil", Body: "x"}}, entry: "/etc/evil"},
		{name: "dotdot", extra: []tEntry{{Name: "go/../../evil", Body: "x"}}, entry: "go/../../evil"},
		{name: "dotdot inside", extra: []tEntry{{Name: "go/src/../../evil", Body: "x"}}, entry: "go/src/../../evil"},
		{name: "outside root", extra: []tEntry{{Name: "other/evil", Body: "x"}}, entry: "other/evil"},
		{name: "backslash", extra: []tEntry{{Name: `go/..\..\evil`, Body: "x"}}, entry: `go/..\..\evil`},
		{name: "drive letter", extra: []tEntry{{Name: `C:/evil`, Body: "x"}}, entry: `C:/evil`},
		{name: "symlink absolute", extra: []tEntry{{Name: "go/lib/l", Type: tar.TypeSymlink, Linkname: "/etc"}}, entry: "go/lib/l"},
		{name: "symlink escapes", extra: []tEntry{{Name: "go/lib/l", Type: tar.TypeSymlink, Linkname: "../../x"}}, entry: "go/lib/l"},
		{name: "symlink climbs after descending", extra: []tEntry{
			{Name: "go/a", Type: tar.TypeSymlink, Linkname: "src"},
			{Name: "go/b", Type: tar.TypeSymlink, Linkname: "a/../.."}}, entry: "go/b"},
		{name: "file beneath symlink", extra: []tEntry{
			{Name: "go/lnk", Type: tar.TypeSymlink, Linkname: "src"},
			{Name: "go/lnk/x", Body: "x"}}, entry: "go/lnk/x"},
		{name: "hard link outside", extra: []tEntry{{Name: "go/h", Type: tar.TypeLink, Linkname: "/etc/passwd"}}, entry: "go/h"},
		{name: "hard link escapes", extra: []tEntry{{Name: "go/h", Type: tar.TypeLink, Linkname: "go/../../x"}}, entry: "go/h"},
		{name: "hard link to missing", extra: []tEntry{{Name: "go/h", Type: tar.TypeLink, Linkname: "go/nothing"}}, entry: "go/h"},
		{name: "char device", extra: []tEntry{{Name: "go/dev", Type: tar.TypeChar}}, entry: "go/dev"},
		{name: "block device", extra: []tEntry{{Name: "go/blk", Type: tar.TypeBlock}}, entry: "go/blk"},
		{name: "fifo", extra: []tEntry{{Name: "go/fifo", Type: tar.TypeFifo}}, entry: "go/fifo"},
		{name: "duplicate", extra: []tEntry{{Name: "go/VERSION", Body: "go9.9"}}, entry: "go/VERSION"},
		{name: "case collision", extra: []tEntry{{Name: "go/version", Body: "x"}}, entry: "go/version"},
		{name: "file under file", extra: []tEntry{{Name: "go/VERSION/x", Body: "x"}}, entry: "go/VERSION/x"},
		{name: "total size cap", extra: []tEntry{{Name: "go/huge", Body: strings.Repeat("z", 64<<10)}}, entry: "go/huge", lim: Limits{MaxBytes: 32 << 10}},
		{name: "entry count cap", extra: []tEntry{{Name: "go/a1", Body: "1"}, {Name: "go/a2", Body: "2"}}, entry: "go/a2", lim: Limits{MaxEntries: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			es := append(base(e), c.extra...)
			_, rel := archiveSetup(t, e, mirrortest.TarGz("", es), nil)
			parent := t.TempDir()
			dir := filepath.Join(parent, "go")
			installExisting(t, dir, "go1.21.0", e.p)
			before := snapshot(t, dir)
			in := e.installer()
			in.Limits = c.lim
			_, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
			var ee *EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v, want an EntryError", err)
			}
			if ee.Entry != c.entry || !strings.Contains(err.Error(), fmt.Sprintf("%q", c.entry)) {
				t.Errorf("error names %q (%v), want %q", ee.Entry, err, c.entry)
			}
			assertSame(t, before, snapshot(t, dir))
			assertClean(t, parent, "go")
			if _, err := os.Lstat(filepath.Join(parent, "evil")); err == nil {
				t.Error("a file escaped the target")
			}
		})
	}
}

// Links that stay inside the tree are fine.
func TestArchiveWithSafeLinks(t *testing.T) {
	e := newEnv(t)
	es := withRoot("go/", fakeToolchain(instVersion, e.p))
	es = append(es,
		tEntry{Name: "go/misc/link", Type: tar.TypeSymlink, Linkname: "../src/medium.txt"},
		tEntry{Name: "go/misc/hard", Type: tar.TypeLink, Linkname: "go/VERSION"},
	)
	_, rel := archiveSetup(t, e, mirrortest.TarGz("", es), nil)
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(filepath.Join(dir, "misc", "link")); err != nil || got != filepath.FromSlash("../src/medium.txt") {
		t.Errorf("symlink: %q %v", got, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "misc", "hard")); err != nil || !strings.HasPrefix(string(b), instVersion) {
		t.Errorf("hard link: %q %v", b, err)
	}
}

func TestEntryPath(t *testing.T) {
	for _, c := range []struct{ name, want, err string }{
		{"go/bin/go", "bin/go", ""},
		{"./go/bin/go", "bin/go", ""},
		{"go//src/./x", "src/x", ""},
		{"go/", "", ""},
		{"go", "", ""},
		{"gopher/x", "", "outside"},
		{"go/../x", "", ".."},
		{"/go/x", "", "absolute"},
		{"c:/go/x", "", "absolute"},
		{"go/a\x00b", "", "NUL"},
		{"", "", "empty"},
	} {
		got, err := entryPath(c.name, "go/")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("entryPath(%q) = %q, %v; want error with %q", c.name, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("entryPath(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestSymlinkTarget(t *testing.T) {
	for _, c := range []struct {
		rel, target string
		ok          bool
	}{
		{"a/b/l", "../x", true},
		{"a/b/l", "../../x", true},
		{"a/b/l", "../../../x", false},
		{"l", "x/y", true},
		{"l", "../x", false},
		{"a/l", "x/../../y", false},
		{"a/l", "./x", false},
		{"a/l", "/etc", false},
		{"a/l", "", false},
	} {
		err := symlinkTarget("n", c.rel, c.target)
		if (err == nil) != c.ok {
			t.Errorf("symlinkTarget(%q -> %q) = %v, want ok=%v", c.rel, c.target, err, c.ok)
		}
	}
}

// Zip archives get the same checks: zip-slip, symlinks, sizes.
func TestHostileZip(t *testing.T) {
	mk := func(names ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			w, _ := zw.Create(n)
			w.Write([]byte("x"))
		}
		zw.Close()
		return buf.Bytes()
	}
	withSymlink := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		h := &zip.FileHeader{Name: "go/l"}
		h.SetMode(os.ModeSymlink | 0o777)
		w, _ := zw.CreateHeader(h)
		w.Write([]byte("/etc"))
		zw.Close()
		return buf.Bytes()
	}
	for name, c := range map[string]struct {
		data  []byte
		entry string
	}{
		"zip-slip":  {mk("go/ok", "go/../../evil"), "go/../../evil"},
		"absolute":  {mk("/evil"), "/evil"},
		"outside":   {mk("go/ok", "evil"), "evil"},
		"duplicate": {mk("go/a", "go/a"), "go/a"},
		"case":      {mk("go/A", "go/a"), "go/a"},
		"symlink":   {withSymlink(), "go/l"},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			_, err := unpackZip(context.Background(), bytes.NewReader(c.data), int64(len(c.data)), newTree(root, "go/", Limits{}, nil), false)
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Entry != c.entry {
				t.Fatalf("err = %v, want an EntryError for %q", err, c.entry)
			}
		})
	}
	// A zip whose entry inflates beyond its declared size is caught by the
	// size check in archive/zip; one declaring a huge size hits the cap.
	t.Run("size cap", func(t *testing.T) {
		data := mk("go/a", "go/b", "go/c")
		_, err := unpackZip(context.Background(), bytes.NewReader(data), int64(len(data)), newTree(t.TempDir(), "go/", Limits{MaxBytes: 2}, nil), false)
		var ee *EntryError
		if !errors.As(err, &ee) || ee.Entry != "go/c" {
			t.Fatalf("err = %v", err)
		}
	})
}

// The h1 computed while unpacking equals golang.org/x/mod's dirhash.HashZip.
func TestZipH1MatchesDirhash(t *testing.T) {
	p := dist_host()
	prefix := "golang.org/toolchain@v0.0.1-" + instVersion + "." + p.OS + "-" + p.Arch + "/"
	data := mirrortest.Zip(prefix, fakeToolchain(instVersion, p))
	hashes, err := unpackZip(context.Background(), bytes.NewReader(data), int64(len(data)), newTree(t.TempDir(), prefix, Limits{}, nil), true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hashes.h1(), zipH1(t, data); got != want {
		t.Fatalf("h1 = %s, dirhash says %s", got, want)
	}
}

// A hostile entry early in the stream stops the install at once: the
// download of the rest is abandoned rather than waited for.
func TestHostileEntryAbortsDownload(t *testing.T) {
	e := newEnv(t)
	// Incompressible filler, so that half the archive is more than the
	// 32 KB gzip reads before it starts writing.
	noise := make([]byte, 256<<10)
	rand.New(rand.NewSource(1)).Read(noise)
	es := append([]tEntry{{Name: "go/../evil", Body: "x"}}, withRoot("go/", fakeToolchain(instVersion, e.p))...)
	es = append(es, tEntry{Name: "go/noise", Body: string(noise)})
	archive := mirrortest.TarGz("", es)
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, serve func()) {
		w.Header().Set("Content-Length", fmt.Sprint(len(archive)))
		w.Write(archive[:len(archive)/2])
		w.(http.Flusher).Flush()
		select { // a slow mirror
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	})
	in := e.installer()
	in.StallTimeout = 20 * time.Second
	start := time.Now()
	_, err := in.Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Entry != "go/../evil" {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s: the download was waited for after the archive was rejected", d)
	}
}
