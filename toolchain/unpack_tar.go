package toolchain

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sync"
)

// Tuning for unpackTarGz. File contents are read into memory and handed
// to the write pool, so that decompression (this goroutine, the slowest
// step) and the kernel's file creation and copying (the workers) run on
// different cores: small files in batches, larger ones an arena at a time
// (writeBigFile). inFlightMax bounds the memory held by queued writes,
// keeping peak RSS well under 64 MB.
const (
	inFlightMax = 8 << 20
)

// byteBudget is a counting semaphore over bytes held by queued writes.
type byteBudget struct {
	mu   sync.Mutex
	cond *sync.Cond
	used int64
	max  int64
}

func newByteBudget(max int64) *byteBudget {
	b := &byteBudget{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes fit, or until stop returns true.
func (b *byteBudget) acquire(n int64, stop func() bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.max {
		if stop() {
			return false
		}
		b.cond.Wait()
	}
	b.used += n
	return true
}

func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// unpackTarGz reads a gzip-compressed tar stream into t, reading r to its
// end so that a hash computed over r covers every byte; workers > 1
// inflates in parallel (gunzip).
func unpackTarGz(ctx context.Context, r io.Reader, t *tree, workers int) error {
	zr, finish, err := gunzip(ctx, r, workers)
	if err != nil {
		return err
	}
	return finish(unpackTar(ctx, zr, t))
}

// unpackTar reads a tar stream into t, and on success reads zr to its end.
func unpackTar(ctx context.Context, zr io.Reader, t *tree) error {
	var err error
	tr := tar.NewReader(zr)
	pool := newWritePool(ctx, t.workers)
	budget := newByteBudget(inFlightMax)
	// A failed worker must not leave acquire waiting forever.
	stopWait := context.AfterFunc(ctx, func() { budget.cond.Broadcast() })
	defer stopWait()
	stop := func() bool { return pool.failed() != nil }

	streamBuf := make([]byte, 256<<10)
	batch := &fileBatch{}
	err = func() (err error) {
		defer func() {
			if err != nil {
				batch.discard(budget)
			} else if ferr := flushBatch(t, pool, budget, batch); ferr != nil {
				err = ferr
			}
		}()
		for {
			if err := pool.failed(); err != nil {
				return err
			}
			hdr, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading the archive: %w", err)
			}
			rel, err := entryPath(hdr.Name, t.prefix)
			if err != nil {
				return err
			}
			if rel == "" {
				if hdr.Typeflag == tar.TypeDir {
					continue
				}
				return entryErr(hdr.Name, "the archive's root is not a directory")
			}
			switch hdr.Typeflag {
			case tar.TypeDir:
				if err := t.register(hdr.Name, rel, 'd', 0); err != nil {
					return err
				}
				if err := t.mkdirAll(rel); err != nil {
					return err
				}
			case tar.TypeReg, tar.TypeRegA:
				if err := t.register(hdr.Name, rel, 'f', hdr.Size); err != nil {
					return err
				}
				if err := t.mkdirAll(path.Dir(rel)); err != nil {
					return err
				}
				if err := writeTarFile(t, pool, budget, stop, batch, tr, hdr, rel); err != nil {
					return err
				}
			case tar.TypeSymlink:
				if err := t.addLink(hdr.Name, rel, hdr.Linkname, false); err != nil {
					return err
				}
			case tar.TypeLink:
				if err := t.addLink(hdr.Name, rel, hdr.Linkname, true); err != nil {
					return err
				}
			case tar.TypeXGlobalHeader:
				// Metadata for the whole archive (git's commit id); nothing to write.
			case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
				return entryErr(hdr.Name, "device files and FIFOs are not allowed in a Go toolchain")
			default:
				return entryErr(hdr.Name, "unsupported entry type %q", hdr.Typeflag)
			}
		}
	}()
	if werr := pool.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	if err := t.finishLinks(); err != nil {
		return err
	}
	// Consume the tar padding and the gzip trailer (whose CRC the reader
	// checks), so the caller's hash sees every byte.
	if _, err := io.CopyBuffer(io.Discard, zr, streamBuf); err != nil {
		return fmt.Errorf("reading the end of the archive: %w", err)
	}
	return nil
}

// fileBatch groups small files into one pool job: handing each of 10,000
// files to a worker separately costs more in goroutine wake-ups than the
// writes themselves. Their contents share one pooled arena, so the memory
// a batch holds is exactly what it is charged against the budget.
type fileBatch struct {
	files []batchFile
	arena *[]byte // pooled; file data point into it (nil for a big file)
	cost  int64   // bytes charged to the budget
}

type batchFile struct {
	name, dst string
	perm      os.FileMode
	data      []byte
}

const (
	arenaSize     = 1 << 20
	batchMaxFiles = 64
)

var arenas = sync.Pool{New: func() any { b := make([]byte, 0, arenaSize); return &b }}

func writeTarFile(t *tree, pool *writePool, budget *byteBudget, stop func() bool, batch *fileBatch, tr *tar.Reader, hdr *tar.Header, rel string) error {
	dst := t.path(rel)
	perm := filePerm(rel, hdr.FileInfo().Mode())
	size := hdr.Size
	if size > arenaSize {
		return writeBigFile(t, pool, budget, stop, tr, hdr.Name, dst, perm, size)
	}
	if batch.arena != nil && (int64(len(*batch.arena))+size > arenaSize || len(batch.files) >= batchMaxFiles) {
		if err := flushBatch(t, pool, budget, batch); err != nil {
			return err
		}
	}
	if batch.arena == nil {
		if !budget.acquire(arenaSize, stop) {
			return pool.failed()
		}
		batch.arena = arenas.Get().(*[]byte)
		*batch.arena = (*batch.arena)[:0]
		batch.cost = arenaSize
	}
	a := *batch.arena
	off := len(a)
	a = a[:off+int(size)]
	*batch.arena = a
	data := a[off : off+int(size) : off+int(size)]
	if _, err := io.ReadFull(tr, data); err != nil {
		return readOrWriteErr(hdr.Name, err)
	}
	batch.files = append(batch.files, batchFile{name: hdr.Name, dst: dst, perm: perm, data: data})
	return nil
}

// writeBigFile writes a file larger than an arena: few are (bin/go, the
// compiler, the linker), but they hold about a third of a toolchain's
// bytes. The file is created here and its contents handed to the pool an
// arena at a time, each written at its own offset, so that the kernel's
// copying runs beside the decompression instead of inside it; the budget
// bounds the memory as for small files. The last piece written, or this
// goroutine on a failure before that, closes the file.
func writeBigFile(t *tree, pool *writePool, budget *byteBudget, stop func() bool, tr io.Reader, name, dst string, perm os.FileMode, size int64) (err error) {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return readOrWriteErr(name, err)
	}
	bf := &bigFile{f: f, refs: 1, name: name}
	defer func() {
		// This goroutine's reference: if it is the last, the close's
		// error is the file's.
		if cerr := bf.done(t, nil); err == nil {
			err = cerr
		}
	}()
	for off := int64(0); off < size; off += arenaSize {
		n := min(size-off, arenaSize)
		if !budget.acquire(arenaSize, stop) {
			bf.fail(pool.failed())
			return pool.failed()
		}
		arena := arenas.Get().(*[]byte)
		data := (*arena)[:n]
		if _, err := io.ReadFull(tr, data); err != nil {
			arenas.Put(arena)
			budget.release(arenaSize)
			bf.fail(err)
			return readOrWriteErr(name, err)
		}
		bf.hold()
		err := pool.submit(func() error {
			defer func() { arenas.Put(arena); budget.release(arenaSize) }()
			if perr := pool.failed(); perr != nil {
				// Not written: the file must not count as unpacked.
				bf.fail(perr)
				return bf.done(t, nil)
			}
			var werr error
			if _, werr = f.WriteAt(data, off); werr != nil {
				werr = readOrWriteErr(name, werr)
			}
			return bf.done(t, werr)
		})
		if err != nil {
			arenas.Put(arena)
			budget.release(arenaSize)
			bf.fail(err)
			bf.done(t, nil)
			return err
		}
	}
	return nil
}

// bigFile is a file whose pieces are being written by the pool: refs
// counts the pieces in flight plus the goroutine handing them out.
type bigFile struct {
	f    *os.File
	name string
	mu   sync.Mutex
	refs int
	err  error
}

func (b *bigFile) hold() {
	b.mu.Lock()
	b.refs++
	b.mu.Unlock()
}

func (b *bigFile) fail(err error) {
	if err == nil {
		err = errors.New("not written")
	}
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
}

// done drops a reference with the error of what it did (nil: fine). The
// last one closes the file and, if every piece was written, counts it;
// only a close error is returned beyond err itself.
func (b *bigFile) done(t *tree, err error) error {
	b.mu.Lock()
	if err != nil && b.err == nil {
		b.err = err
	}
	b.refs--
	last, failed := b.refs == 0, b.err != nil
	b.mu.Unlock()
	if !last {
		return err
	}
	if cerr := b.f.Close(); cerr != nil && err == nil && !failed {
		return readOrWriteErr(b.name, cerr)
	}
	if !failed {
		t.rep.addFiles(1)
	}
	return err
}

// discard returns the batch's memory without writing it.
func (b *fileBatch) discard(budget *byteBudget) {
	if b.arena != nil {
		arenas.Put(b.arena)
	}
	if b.cost > 0 {
		budget.release(b.cost)
	}
	*b = fileBatch{}
}

// flushBatch hands the batched files to the pool and starts a new batch.
func flushBatch(t *tree, pool *writePool, budget *byteBudget, batch *fileBatch) error {
	if len(batch.files) == 0 {
		batch.discard(budget)
		return nil
	}
	b := *batch
	*batch = fileBatch{}
	err := pool.submit(func() error {
		defer b.discard(budget)
		for _, f := range b.files {
			if pool.failed() != nil {
				return nil
			}
			if err := writeNewFile(f.dst, f.perm, f.data); err != nil {
				return readOrWriteErr(f.name, err)
			}
		}
		t.rep.addFiles(len(b.files))
		return nil
	})
	if err != nil {
		b.discard(budget)
	}
	return err
}

// readOrWriteErr names the entry in an I/O error, keeping the cause
// (a network error, a cancelled context, a full disk) unwrappable.
func readOrWriteErr(name string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("archive entry %q is truncated: %w", name, err)
	}
	return fmt.Errorf("archive entry %q: %w", name, err)
}
