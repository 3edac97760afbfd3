package toolchain

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// compressibleToolchain is a fake toolchain with 16 MB of text-like
// files: about 4 MB of tar.gz, which the parallel inflater cuts in pieces.
func compressibleToolchain(e *env) ([]tEntry, map[string]string) {
	r := rand.New(rand.NewPCG(3, 4))
	words := make([]string, 500)
	for i := range words {
		words[i] = fmt.Sprintf("%x", r.Uint64()>>(r.IntN(40)+8))
	}
	es := fakeToolchain(instVersion, e.p)
	want := map[string]string{}
	for i := range 16 {
		var b strings.Builder
		for b.Len() < 1<<20 {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(" \n"[r.IntN(2)])
		}
		name := fmt.Sprintf("src/pkg%d/data.txt", i)
		es = append(es, tEntry{Name: name, Body: b.String(), Mode: 0o644})
		want[name] = b.String()
	}
	return es, want
}

func checkFiles(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	for name, body := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Fatalf("%s differs from the archive's", name)
		}
	}
}

func TestRangedArchiveInflatesInParallel(t *testing.T) {
	e := newEnv(t)
	es, want := compressibleToolchain(e)
	archive := mirrortest.TarGz("go/", es)
	if len(archive) < 3<<20 {
		t.Fatalf("the archive is %d bytes: too small to be cut", len(archive))
	}
	var c counter
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		c.wrap(w, r, func(w http.ResponseWriter) { serveData(w, r, archive) })
	})
	in := rangedInstaller(e, 4)
	in.inflate = 3
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
	if c.ranged.Load() == 0 {
		t.Error("no range requests: the test did not take the ranged path")
	}
	for _, ev := range e.events {
		if strings.Contains(ev.Message, "unpacking again") {
			t.Errorf("unpacked again: %s", ev.Message)
		}
	}
}

// multiMember is the archive as two gzip members, one after the other:
// valid (gzip and tar -xz read on), but the parallel inflater reads one
// member and fails on the second.
func multiMember(t *testing.T, archive []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tarBytes, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	half := len(tarBytes) / 2
	for _, part := range [][]byte{tarBytes[:half], tarBytes[half:]} {
		zw := gzip.NewWriter(&out)
		zw.Write(part)
		zw.Close()
	}
	return out.Bytes()
}

// When the parallel inflate fails on an archive whose SHA-256 is right,
// the fault is the inflater's: the complete download is unpacked again,
// serially, and the install succeeds, saying so.
func TestRangedArchiveUnpacksAgainSerially(t *testing.T) {
	e := newEnv(t)
	es, want := compressibleToolchain(e)
	archive := multiMember(t, mirrortest.TarGz("go/", es))
	_, rel := archiveSetup(t, e, archive, func(w http.ResponseWriter, r *http.Request, _ func()) {
		serveData(w, r, archive)
	})
	in := rangedInstaller(e, 4)
	in.inflate = 2
	dir := filepath.Join(t.TempDir(), "go")
	res, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
	if res.Bytes != int64(len(archive)) {
		t.Errorf("Bytes %d, want %d: downloaded twice?", res.Bytes, len(archive))
	}
	again := false
	for _, ev := range e.events {
		again = again || ev.Phase == PhaseUnpack && strings.Contains(ev.Message, "unpacking again on one core")
	}
	if !again {
		t.Error("no event says the archive was unpacked again")
	}
	// Nothing of the first attempt is left: the tree is what a serial
	// install makes.
	serial := filepath.Join(t.TempDir(), "go")
	in.inflate = 1
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: serial, Source: SourceArchive}); err != nil {
		t.Fatal(err)
	}
	if got, want := treeList(t, dir), treeList(t, serial); got != want {
		t.Errorf("the install holds\n%s\nwant\n%s", got, want)
	}
}

func treeList(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %v\n", rel, d.Type())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A corrupt archive that the parallel inflater rejects is not unpacked
// again: its SHA-256 is wrong, and the install fails as before.
func TestRangedArchiveCorruptNotRetried(t *testing.T) {
	e := newEnv(t)
	es, _ := compressibleToolchain(e)
	archive := mirrortest.TarGz("go/", es)
	bad := bytes.Clone(archive)
	for i := len(bad) / 3; i < len(bad)/3+64; i++ {
		bad[i] ^= 0x55
	}
	rel := testRelease(instVersion, e.p, archive)
	s := newFileServer(t, map[string][]byte{"/" + rel.Files[0].Filename: bad}, nil)
	e.addArchive("ma", s.URL)
	in := rangedInstaller(e, 4)
	in.inflate = 2
	dir := filepath.Join(t.TempDir(), "go")
	if _, err := in.Install(context.Background(), Request{Release: rel, Dir: dir, Source: SourceArchive}); err == nil {
		t.Fatal("a corrupt archive installed")
	}
	for _, ev := range e.events {
		if strings.Contains(ev.Message, "unpacking again") {
			t.Errorf("a corrupt archive was unpacked again: %s", ev.Message)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the failed install left %s: %v", dir, err)
	}
}
