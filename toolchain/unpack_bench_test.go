package toolchain

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Benchmarks over a real toolchain: set GOSETUP_BENCH_TGZ to a
// go1.X.linux-amd64.tar.gz and GOSETUP_BENCH_ZIP to a golang.org/toolchain
// module zip (.ci/bench/install.sh caches both).

func BenchmarkUnpackTarGz(b *testing.B) {
	src := os.Getenv("GOSETUP_BENCH_TGZ")
	if src == "" {
		b.Skip("set GOSETUP_BENCH_TGZ to a Go release tar.gz")
	}
	for i := 0; i < b.N; i++ {
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		dir := filepath.Join(b.TempDir(), "go")
		os.Mkdir(dir, 0o755)
		if err := unpackTarGz(context.Background(), f, newTree(dir, "go/", Limits{}, nil)); err != nil {
			b.Fatal(err)
		}
		f.Close()
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
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
		dir := filepath.Join(b.TempDir(), "go")
		os.Mkdir(dir, 0o755)
		prefix := "golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/"
		if _, err := unpackZip(context.Background(), f, fi.Size(), newTree(dir, prefix, Limits{}, nil), true); err != nil {
			b.Fatal(err)
		}
		f.Close()
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}
