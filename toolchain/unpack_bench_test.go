package toolchain

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// Benchmarks over a real toolchain: set GOSETUP_BENCH_TGZ to a
// go1.X.linux-amd64.tar.gz and GOSETUP_BENCH_ZIP to a golang.org/toolchain
// module zip (.ci/bench/install.sh caches both). GOSETUP_BENCH_INFLATE
// sets the tar.gz's inflate goroutines (default 1: serial).

func BenchmarkUnpackTarGz(b *testing.B) {
	src := os.Getenv("GOSETUP_BENCH_TGZ")
	if src == "" {
		b.Skip("set GOSETUP_BENCH_TGZ to a Go release tar.gz")
	}
	inflate, _ := strconv.Atoi(os.Getenv("GOSETUP_BENCH_INFLATE"))
	inflate = max(inflate, 1)
	for i := 0; i < b.N; i++ {
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		dir := benchDir(b)
		tr := newTree(dir, "go/", Limits{}, nil)
		tr.workers, _ = strconv.Atoi(os.Getenv("GOSETUP_BENCH_WORKERS"))
		if err := unpackTarGz(context.Background(), f, tr, inflate); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkUnpackZip(b *testing.B) {
	src := os.Getenv("GOSETUP_BENCH_ZIP")
	if src == "" {
		b.Skip("set GOSETUP_BENCH_ZIP to a golang.org/toolchain module zip")
	}
	for i := 0; i < b.N; i++ {
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := f.Stat()
		dir := benchDir(b)
		prefix := "golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/"
		tr := newTree(dir, prefix, Limits{}, nil)
		tr.workers, _ = strconv.Atoi(os.Getenv("GOSETUP_BENCH_WORKERS"))
		if _, err := unpackZip(context.Background(), f, fi.Size(), tr, true); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// benchDir is a fresh directory to unpack into. With GOSETUP_BENCH_OUT set
// it is created there and kept: deleting a toolchain's 10,000 files slows
// the next minute of file creation on ext4 (it skips recently deleted
// inodes), which would distort the next run.
func benchDir(b *testing.B) string {
	parent := os.Getenv("GOSETUP_BENCH_OUT")
	if parent == "" {
		parent = b.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "go")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}
