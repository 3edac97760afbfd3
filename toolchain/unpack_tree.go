package toolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// tree is the destination of one unpack: a directory that starts empty and
// receives an archive's entries after the safety checks. Entries are
// registered by one goroutine (the archive reader); file contents are
// written by a pool of workers, because writing ~10,000 files is mostly
// kernel time that a second core can overlap with decompression.
type tree struct {
	root   string // OS path of the (staging) directory
	prefix string // the archive's root directory, such as "go/"
	lim    Limits
	rep    *reporter
	// workers is the number of file-writing goroutines (0: default).
	workers int
	// arriving, for a zip read while it downloads, reports whether bytes
	// are still coming: meanwhile its entries are unpacked in the zip's
	// order (see streamingPicker).
	arriving func() bool

	entries int
	bytes   int64
	kinds   map[string]byte   // rel path -> 'd', 'f', 'l' (symlink), 'h' (hard link)
	folded  map[string]string // lower-cased rel path -> rel path
	made    map[string]bool   // directories created on disk
	links   []pendingLink     // created last, after every file is written
}

type pendingLink struct {
	name, rel, target string // target: symlink text, or hard link rel path
	hard              bool
}

func newTree(root, prefix string, lim Limits, rep *reporter) *tree {
	return &tree{
		root: root, prefix: prefix, lim: lim.withDefaults(), rep: rep,
		kinds: map[string]byte{}, folded: map[string]string{}, made: map[string]bool{"": true},
	}
}

// register records an entry and enforces the per-archive rules: entry and
// size caps, no duplicates, no names that differ only in case (they collide
// on macOS and Windows), and no entry beneath a file or link.
func (t *tree) register(name, rel string, kind byte, size int64) error {
	t.entries++
	if t.entries > t.lim.MaxEntries {
		return entryErr(name, "the archive has more than %d entries, more than any Go toolchain", t.lim.MaxEntries)
	}
	if size < 0 {
		return entryErr(name, "negative size")
	}
	if kind == 'f' {
		if size > t.lim.MaxBytes-t.bytes {
			return entryErr(name, "unpacked size would exceed %d bytes, more than any Go toolchain", t.lim.MaxBytes)
		}
		t.bytes += size
	}
	if old, ok := t.kinds[rel]; ok {
		if old == 'd' && kind == 'd' {
			return nil
		}
		return entryErr(name, "appears twice in the archive")
	}
	low := strings.ToLower(rel)
	if other, ok := t.folded[low]; ok {
		return entryErr(name, "differs only in letter case from %q, which collides on case-insensitive file systems", other)
	}
	for i := strings.LastIndexByte(rel, '/'); i > 0; i = strings.LastIndexByte(rel[:i], '/') {
		// rel is clean: its parents are its prefixes (no path.Dir, which
		// allocates, for each of 10,000 entries and each of their parents).
		d := rel[:i]
		if k, ok := t.kinds[d]; ok && k != 'd' {
			return entryErr(name, "lies beneath %q, which is not a directory", d)
		}
	}
	t.kinds[rel] = kind
	t.folded[low] = rel
	return nil
}

// mkdirAll creates rel and its parents inside root, remembering what exists
// so that 10,000 files cost about 1,000 mkdir calls rather than 10,000 stats.
func (t *tree) mkdirAll(rel string) error {
	if t.made[rel] {
		return nil
	}
	if parent := path.Dir(rel); parent != "." {
		if err := t.mkdirAll(parent); err != nil {
			return err
		}
	}
	p := filepath.Join(t.root, filepath.FromSlash(rel))
	if err := os.Mkdir(p, 0o755); err != nil {
		fi, serr := os.Lstat(p)
		if serr != nil || !fi.IsDir() {
			return fmt.Errorf("creating directory %s: %w", rel, err)
		}
	}
	t.made[rel] = true
	return nil
}

func (t *tree) path(rel string) string { return filepath.Join(t.root, filepath.FromSlash(rel)) }

// filePerm is the permission of a regular file: the archive's bits when it
// has them, owner-writable so the tree can be replaced later, and executable
// where the go command makes the files of a module zip (which carries no
// modes at all) executable: everything under bin/ and pkg/tool/, and the
// exec wrappers lib/**/go_GOOS_GOARCH_exec.
func filePerm(rel string, archiveMode os.FileMode) os.FileMode {
	perm := archiveMode.Perm()&0o755 | 0o644
	if strings.HasPrefix(rel, "bin/") || strings.HasPrefix(rel, "pkg/tool/") || isExecWrapper(rel) {
		perm |= 0o111
	}
	return perm
}

// isExecWrapper matches what the go command's allowExec(GOROOT/lib,
// "go_?*_?*_exec") makes executable.
func isExecWrapper(rel string) bool {
	if !strings.HasPrefix(rel, "lib/") {
		return false
	}
	ok, _ := path.Match("go_?*_?*_exec", path.Base(rel))
	return ok
}

// addLink queues a link. Links are created after every file is written, so
// no file write can ever go through a link.
func (t *tree) addLink(name, rel, target string, hard bool) error {
	if hard {
		trel, err := entryPath(target, t.prefix)
		if err != nil {
			return entryErr(name, "hard link target %q: %v", target, err.(*EntryError).Reason)
		}
		if t.kinds[trel] != 'f' {
			return entryErr(name, "hard link to %q, which is not a regular file earlier in the archive", target)
		}
		if err := t.register(name, rel, 'h', 0); err != nil {
			return err
		}
		t.links = append(t.links, pendingLink{name: name, rel: rel, target: trel, hard: true})
		return nil
	}
	if err := symlinkTarget(name, rel, target); err != nil {
		return err
	}
	if err := t.register(name, rel, 'l', 0); err != nil {
		return err
	}
	t.links = append(t.links, pendingLink{name: name, rel: rel, target: target})
	return nil
}

// finishLinks creates the queued links, refusing any link that would sit
// beneath another symbolic link (the lexical target check assumes real
// directories above each link).
func (t *tree) finishLinks() error {
	symlinks := map[string]bool{}
	for _, l := range t.links {
		if !l.hard {
			symlinks[l.rel] = true
		}
	}
	for rel := range t.kinds {
		if d, ok := underAny(rel, symlinks); ok {
			return entryErr(t.prefix+rel, "lies beneath the symbolic link %q", d)
		}
	}
	for _, l := range t.links {
		if err := t.mkdirAll(path.Dir(l.rel)); err != nil {
			return err
		}
		var err error
		if l.hard {
			err = os.Link(t.path(l.target), t.path(l.rel))
		} else {
			err = os.Symlink(filepath.FromSlash(l.target), t.path(l.rel))
		}
		if err != nil {
			return entryErr(l.name, "creating link: %v", err)
		}
	}
	return nil
}

// writePool runs file writes on a few goroutines and keeps the first error.
type writePool struct {
	ctx  context.Context
	jobs chan func() error
	wg   sync.WaitGroup
	size int // number of workers

	mu  sync.Mutex
	err error
}

func newWritePool(ctx context.Context, workers int) *writePool {
	if workers <= 0 {
		workers = max(2, runtime.GOMAXPROCS(0))
	}
	p := &writePool{ctx: ctx, jobs: make(chan func() error, 64), size: workers}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for job := range p.jobs {
				// Jobs run even after a failure: each one checks
				// p.failed() itself and must still release what it holds.
				if err := job(); err != nil {
					p.fail(err)
				}
			}
		}()
	}
	return p
}

func (p *writePool) fail(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

func (p *writePool) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	return p.ctx.Err()
}

// submit queues a job; it returns the pool's error if it already failed.
func (p *writePool) submit(job func() error) error {
	if err := p.failed(); err != nil {
		return err
	}
	select {
	case p.jobs <- job:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

// wait finishes the queued jobs and returns the first error.
func (p *writePool) wait() error {
	close(p.jobs)
	p.wg.Wait()
	return p.failed()
}

// createFile makes a new file (never following or replacing an existing
// one) and fills it from data or, when data is nil, from r.
func createFile(p string, perm os.FileMode, data []byte, r io.Reader, buf []byte) (err error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if data != nil {
		_, err = f.Write(data)
		return err
	}
	_, err = io.CopyBuffer(onlyWriter{f}, r, buf)
	return err
}

// onlyWriter hides ReadFrom so io.CopyBuffer uses our buffer instead of
// os.File's ReadFrom, which would allocate or probe for splice.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

var errNotArchive = errors.New("not an archive")
