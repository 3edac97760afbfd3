package mirrortest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gosetup/gosetup/internal/dist"
)

// Entry is one file, directory or link of a generated toolchain.
type Entry struct {
	Name     string // slash-separated, relative to the toolchain root
	Body     string
	Mode     int64 // 0 means 0644 (0755 for directories)
	Type     byte  // a tar type flag; 0 means a regular file
	Linkname string
}

// GoScript is a bin/go that answers "go version" as the real one does.
func GoScript(version string, p dist.Platform) string {
	return fmt.Sprintf("#!/bin/sh\necho \"go version %s %s\"\n", version, p)
}

// Toolchain is a small toolchain with a real one's shape: a bin/go (a
// shell script answering "version"), VERSION naming the release,
// src/runtime and pkg/tool, so that gosetup's "is this a Go installation?"
// test holds, and enough source files to exercise the parallel unpacker.
func Toolchain(version string, p dist.Platform) []Entry {
	es := []Entry{
		{Name: "bin/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "bin/go", Body: GoScript(version, p), Mode: 0o755},
		{Name: "VERSION", Body: version + "\ntime 2024-01-01T00:00:00Z\n"},
		{Name: "pkg/tool/" + p.OS + "_" + p.Arch + "/compile", Body: "#!/bin/sh\necho compile\n", Mode: 0o755},
		{Name: "src/runtime/runtime.go", Body: "package runtime\n"},
		{Name: "go.env", Body: "GOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\nGOTOOLCHAIN=auto\n"},
	}
	for i := range 40 {
		es = append(es, Entry{Name: fmt.Sprintf("src/p%d/f%d.go", i%5, i), Body: fmt.Sprintf("package p%d // %d\n", i%5, i)})
	}
	return es
}

// WriteTree writes es under dir, as an unpacked installation.
func WriteTree(dir string, es []Entry) error {
	for _, e := range es {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		switch e.Type {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(e.Linkname, p); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(e.Mode)
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, []byte(e.Body), mode); err != nil {
			return err
		}
	}
	return nil
}

// TarGz packs es under root ("go/", as official archives do).
func TarGz(root string, es []Entry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range es {
		typ := e.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.Mode
		if mode == 0 {
			mode = 0o644
			if typ == tar.TypeDir {
				mode = 0o755
			}
		}
		h := &tar.Header{Name: root + e.Name, Typeflag: typ, Mode: mode, Linkname: e.Linkname, ModTime: time.Unix(1e9, 0)}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		must(tw.WriteHeader(h))
		if typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.Body))
			must(err)
		}
	}
	must(tw.Close())
	must(zw.Close())
	return buf.Bytes()
}

// Zip packs es under root, files only and without modes, as the module
// proxy serves golang.org/toolchain (and as Windows archives are).
func Zip(root string, es []Entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		if e.Type == tar.TypeDir || e.Type == tar.TypeSymlink {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: root + e.Name, Method: zip.Deflate, Modified: time.Unix(1e9, 0)})
		must(err)
		_, err = w.Write([]byte(e.Body))
		must(err)
	}
	must(zw.Close())
	return buf.Bytes()
}

// Archive is the official archive of es for p: a .tar.gz, or a .zip for
// Windows, rooted at go/.
func Archive(p dist.Platform, es []Entry) []byte {
	if p.OS == "windows" {
		return Zip("go/", es)
	}
	return TarGz("go/", es)
}

// ModuleZip is the golang.org/toolchain module zip of es for version and
// p, as a GOPROXY serves it.
func ModuleZip(version string, p dist.Platform, es []Entry) []byte {
	return Zip(dist.ModuleZipPrefix(version, p), es)
}

// ModFile is golang.org/toolchain's go.mod as proxies serve it.
const ModFile = "module golang.org/toolchain\n"

// HelloModule and HelloVersion name the world's one ordinary module: a
// small public-looking module (not golang.org/toolchain, which the go
// command treats specially) that a fresh shell can download through the
// world's proxy and verify against its checksum database, as it would
// rsc.io/quote on the internet.
const (
	HelloModule  = "example.com/hello"
	HelloVersion = "v1.0.0"
	// HelloModFile is its go.mod.
	HelloModFile = "module example.com/hello\n\ngo 1.21\n"
)

// HelloZip is HelloModule's zip as a proxy serves it.
func HelloZip() []byte {
	return Zip(HelloModule+"@"+HelloVersion+"/", []Entry{
		{Name: "go.mod", Body: HelloModFile},
		{Name: "hello.go", Body: "// Package hello says hello.\npackage hello\n\n// Hello says hello.\nfunc Hello() string { return \"Hello, world.\" }\n"},
	})
}

// H1 is the checksum database's hash of a module zip, computed by
// golang.org/x/mod's own code.
func H1(zipData []byte) (string, error) {
	f, err := os.CreateTemp("", "mirrortest-*.zip")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(zipData); err != nil {
		f.Close()
		return "", err
	}
	f.Close()
	return dirhash.HashZip(f.Name(), dirhash.Hash1)
}

// ModH1 is the checksum database's hash of a go.mod file.
func ModH1(mod string) string {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(mod)), nil
	})
	must(err)
	return h
}

// SHA256 is the hex SHA-256 of b, as the release index lists it.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func must(err error) {
	if err != nil {
		panic("mirrortest: " + err.Error())
	}
}
