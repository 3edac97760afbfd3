package toolchain

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
)

// zipHashes maps each zip entry name (as the zip spells it) to the SHA-256
// of its content, which is what golang.org/x/mod/sumdb/dirhash's Hash1
// summarises. Computing them while extracting means the checksum database
// check needs no second pass over 250 MB.
type zipHashes map[string][sha256.Size]byte

// unpackZip extracts a zip archive into t. Zip allows random access, so
// entries are inflated and written in parallel, largest first to keep both
// cores busy until the end (in the zip's order while t.arriving says the
// zip is still downloading). With hashFiles (a module zip) it returns each
// entry's SHA-256 and ignores the entries' mode bits, as the go command
// does: the checksum database does not cover them, so a proxy could
// otherwise make any file executable; bin/ and pkg/tool/ get theirs from
// filePerm.
func unpackZip(ctx context.Context, ra io.ReaderAt, size int64, t *tree, hashFiles bool) (zipHashes, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%w: the download is not a zip file (%v)", errNotArchive, err)
	}
	zr.RegisterDecompressor(zip.Deflate, newPooledInflater)
	var jobs []zipJob
	hashes := zipHashes{}
	var empty [sha256.Size]byte = sha256.Sum256(nil)
	for _, f := range zr.File {
		rel, err := entryPath(f.Name, t.prefix)
		if err != nil {
			return nil, err
		}
		mode := f.Mode()
		// A directory is what the go command and the h1 hash treat as one:
		// a name ending in "/". The mode bits are not covered by the
		// checksum database, so a "directory" by mode alone is refused
		// (it would replace a vouched-for empty file).
		isDir := strings.HasSuffix(f.Name, "/")
		if mode.IsDir() && !isDir {
			return nil, entryErr(f.Name, "marked as a directory, but its name does not end in a slash")
		}
		if rel == "" {
			if !isDir {
				return nil, entryErr(f.Name, "the archive's root is not a directory")
			}
			hashes[f.Name] = empty
			continue
		}
		switch {
		case isDir:
			if err := t.register(f.Name, rel, 'd', 0); err != nil {
				return nil, err
			}
			if err := t.mkdirAll(rel); err != nil {
				return nil, err
			}
			hashes[f.Name] = empty
		case mode&os.ModeSymlink != 0:
			return nil, entryErr(f.Name, "symbolic links are not allowed in a zip toolchain")
		case mode&(os.ModeDevice|os.ModeCharDevice|os.ModeNamedPipe|os.ModeSocket) != 0:
			return nil, entryErr(f.Name, "device files and FIFOs are not allowed in a Go toolchain")
		case !mode.IsRegular():
			return nil, entryErr(f.Name, "unsupported entry type %v", mode.Type())
		default:
			if f.UncompressedSize64 > 1<<62 {
				return nil, entryErr(f.Name, "impossible size")
			}
			if err := t.register(f.Name, rel, 'f', int64(f.UncompressedSize64)); err != nil {
				return nil, err
			}
			if err := t.mkdirAll(path.Dir(rel)); err != nil {
				return nil, err
			}
			jobs = append(jobs, zipJob{f, rel})
		}
	}
	t.rep.setFilesTotal(len(jobs))
	inZip := jobs
	jobs = slices.Clone(jobs)
	sort.SliceStable(jobs, func(i, j int) bool {
		return jobs[i].f.UncompressedSize64 > jobs[j].f.UncompressedSize64
	})
	var next atomic.Int64
	pick := func() (zipJob, bool) {
		i := int(next.Add(1) - 1)
		if i >= len(jobs) {
			return zipJob{}, false
		}
		return jobs[i], true
	}
	if t.arriving != nil {
		pick = streamingPicker(inZip, jobs, t.arriving)
	}

	// Workers take entries by index: no channel hand-off per file.
	var mu sync.Mutex
	pool := newWritePool(ctx, t.workers)
	for range pool.size {
		err := pool.submit(func() error {
			buf := make([]byte, zipBufSize)
			for {
				j, ok := pick()
				if !ok || pool.failed() != nil {
					return nil
				}
				mode := j.f.Mode()
				if hashFiles {
					mode = 0
				}
				sum, err := extractZipFile(j.f, t.path(j.rel), filePerm(j.rel, mode), hashFiles, buf)
				if err != nil {
					return readOrWriteErr(j.f.Name, err)
				}
				if hashFiles {
					mu.Lock()
					hashes[j.f.Name] = sum
					mu.Unlock()
				}
				t.rep.addFiles(1)
			}
		})
		if err != nil {
			break
		}
	}
	if err := pool.wait(); err != nil {
		return nil, err
	}
	return hashes, nil
}

type zipJob struct {
	f   *zip.File
	rel string
}

// streamingPicker hands out the entries of a zip still downloading: in
// the zip's order while arriving says bytes are still coming, so that the
// workers follow the download instead of waiting for entries far ahead;
// then, for what is left, largest first (bySize), which keeps every core
// busy to the end: an entry order that left a big file last took 20%
// longer to unpack a toolchain on disk.
func streamingPicker(inZip, bySize []zipJob, arriving func() bool) func() (zipJob, bool) {
	var mu sync.Mutex
	taken := make(map[*zip.File]bool, len(inZip))
	var a, b int
	return func() (zipJob, bool) {
		mu.Lock()
		defer mu.Unlock()
		list, at := bySize, &b
		if arriving() {
			list, at = inZip, &a
		}
		for *at < len(list) && taken[list[*at].f] {
			*at++
		}
		if *at == len(list) {
			// This order is done; the other may still hold entries
			// only if this one was in-zip and the download ended since.
			list, at = bySize, &b
			for *at < len(list) && taken[list[*at].f] {
				*at++
			}
			if *at == len(list) {
				return zipJob{}, false
			}
		}
		j := list[*at]
		taken[j.f] = true
		*at++
		return j, true
	}
}

// zipBufSize is each worker's buffer; entries up to this size are read
// whole and written with one write call.
const zipBufSize = 1 << 20

// extractZipFile inflates one entry; archive/zip checks its size and CRC-32.
func extractZipFile(f *zip.File, dst string, perm os.FileMode, hashIt bool, buf []byte) (sum [sha256.Size]byte, err error) {
	rc, err := f.Open()
	if err != nil {
		return sum, err
	}
	defer rc.Close()
	if size := f.UncompressedSize64; size < uint64(len(buf)) {
		// Read one byte more than declared: archive/zip checks the CRC-32
		// and the size only when a read reaches the end.
		n, err := io.ReadFull(rc, buf[:size+1])
		if (err != io.ErrUnexpectedEOF && err != io.EOF) || uint64(n) != size {
			if err == nil {
				err = zip.ErrFormat
			}
			return sum, err
		}
		data := buf[:n]
		if err := writeNewFile(dst, perm, data); err != nil {
			return sum, err
		}
		if hashIt {
			sum = sha256.Sum256(data)
		}
		return sum, nil
	}
	var r io.Reader = rc
	var h hash.Hash
	if hashIt {
		h = sha256.New()
		r = io.TeeReader(rc, h)
	}
	if err := createFile(dst, perm, nil, r, buf); err != nil {
		return sum, err
	}
	if h != nil {
		copy(sum[:], h.Sum(nil))
	}
	return sum, nil
}

// pooledInflater is a deflate decompressor for archive/zip that reads its
// input through a 64 KB buffer. archive/zip's own wraps the file section in
// a 4 KB bufio.Reader, which costs a pread system call per 4 KB: 18,000 of
// them for a toolchain. Both the buffer and the inflater are reused.
type pooledInflater struct {
	br *bufio.Reader
	fr io.ReadCloser
}

var inflaters sync.Pool

func newPooledInflater(r io.Reader) io.ReadCloser {
	if p, ok := inflaters.Get().(*pooledInflater); ok {
		p.br.Reset(r)
		p.fr.(flate.Resetter).Reset(p.br, nil)
		return p
	}
	br := bufio.NewReaderSize(r, 64<<10)
	return &pooledInflater{br: br, fr: flate.NewReader(br)}
}

func (p *pooledInflater) Read(b []byte) (int, error) { return p.fr.Read(b) }

func (p *pooledInflater) Close() error {
	err := p.fr.Close()
	p.br.Reset(nil)
	inflaters.Put(p)
	return err
}
