package toolchain

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/filelock"
)

// Pruning the download cache. Interrupted downloads stay in
// <cache>/downloads to be resumed, but only an install of the same
// version through the same channel resumes them: one the user then
// installs another way, or gives up on, would stay forever. So a
// successful install drops the spills of its version on both channels,
// and every install first removes spills nobody touched for spillMaxAge.

// spillMaxAge is how long an untouched spill is kept. A user who was
// interrupted retries within hours or days; a month of keeping a 70 MB
// spill costs little, and fetching it again over a slow link costs more
// than the go command's rebuilding of an entry it trims from its build
// cache after 5 days unused.
const spillMaxAge = 30 * 24 * time.Hour

// spillKinds are the suffixes of the files a download spills into; each
// may have a record (.json, and .json.tmp while it is rewritten) and a
// lock (.lock) beside it.
var spillKinds = []string{".zip.partial", ".part"}

// spillBase is the spill a file in downloads/ belongs to ("" if it is
// none of gosetup's): <file>.part or <module version>.zip.partial, or
// its record or lock, for a file named as gosetup names toolchain
// downloads (go<version>.<os>-<arch>.tar.gz or .zip, or
// v0.0.1-go<version>.<os>-<arch>.zip).
func spillBase(name string) string {
	for _, side := range []string{".json.tmp", ".json", ".lock", ""} {
		base, ok := strings.CutSuffix(name, side)
		if !ok {
			continue
		}
		for _, kind := range spillKinds {
			file, ok := strings.CutSuffix(base, kind)
			if !ok {
				continue
			}
			if kind == ".zip.partial" {
				file += ".zip"
			}
			if toolchainFileName(file) {
				return base
			}
		}
	}
	return ""
}

// toolchainFileName reports whether name is an official archive's or a
// golang.org/toolchain module zip's file name.
func toolchainFileName(name string) bool {
	stem, ok := strings.CutSuffix(name, ".tar.gz")
	if !ok {
		if stem, ok = strings.CutSuffix(name, ".zip"); !ok {
			return false
		}
	}
	stem = strings.TrimPrefix(stem, "v0.0.1-")
	dot := strings.LastIndex(stem, ".")
	if dot < 0 || !strings.Contains(stem[dot:], "-") {
		return false
	}
	return dist.IsValid(stem[:dot])
}

// pruneSpills removes the spills in the download cache whose files were
// all last written before now-spillMaxAge, leaving any whose lock another
// process holds (it is downloading into it right now).
func (in *Installer) pruneSpills(ctx context.Context, now time.Time) {
	if in.CacheDir == "" {
		return
	}
	dir := filepath.Join(in.CacheDir, "downloads")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	// A spill's age is its files' and record's newest write; a lock file
	// alone (its holder was killed before letting go) has its own.
	newest := map[string]time.Time{}
	lockOnly := map[string]time.Time{}
	for _, e := range ents {
		base := spillBase(e.Name())
		if base == "" || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		m := newest
		if strings.HasSuffix(e.Name(), ".lock") {
			m = lockOnly
		}
		if t, ok := m[base]; !ok || fi.ModTime().After(t) {
			m[base] = fi.ModTime()
		}
	}
	for base, t := range lockOnly {
		if _, ok := newest[base]; !ok {
			newest[base] = t
		}
	}
	for base, t := range newest {
		if now.Sub(t) < spillMaxAge || ctx.Err() != nil {
			continue
		}
		in.removeSpill(ctx, filepath.Join(dir, base))
	}
}

// removeSpill deletes the spill at p with its record, under its lock; one
// another process holds is left alone.
func (in *Installer) removeSpill(ctx context.Context, p string) {
	lock, err := filelock.Acquire(ctx, p+".lock", filelock.Options{})
	if err != nil {
		return
	}
	for _, side := range []string{"", ".json", ".json.tmp"} {
		if fi, err := os.Lstat(p + side); err == nil && fi.Mode().IsRegular() {
			os.Remove(p + side)
		}
	}
	lock.Release()
	if runtime.GOOS == "windows" {
		// Release removes the lock file elsewhere; an open file cannot
		// be removed on Windows, so it is removed once closed.
		os.Remove(p + ".lock")
	}
}

// dropVersionSpills deletes the spills of the release's downloads on both
// channels (the module zip's single stream and ranged spills, the archive's
// ranged spill) once the release is installed: nothing will resume them.
// A spill another process is downloading into is left.
func (in *Installer) dropVersionSpills(ctx context.Context, rel Release) {
	if in.CacheDir == "" {
		return
	}
	mv := dist.ModuleVersion(rel.Version, in.Platform)
	archive := dist.ArchiveName(rel.Version, in.Platform)
	if f, ok := rel.Archive(in.Platform); ok && f.Filename != "" {
		archive = f.Filename
	}
	for _, p := range []string{in.partialPath(mv), in.spillPath(mv + ".zip"), in.spillPath(archive)} {
		if _, err := os.Lstat(p); err != nil {
			if _, err := os.Lstat(p + ".json"); err != nil {
				continue
			}
		}
		in.removeSpill(ctx, p)
	}
}
