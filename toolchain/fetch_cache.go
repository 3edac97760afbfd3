package toolchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gosetup/gosetup/internal/filelock"
)

// downloadCache is a module zip being downloaded into gosetup's cache
// directory (<cache>/downloads/<version>.zip.partial), kept when a run is
// interrupted or the network gives out so that the next run resumes it with
// a Range request. The zip is only ever unpacked after its h1 hash has been
// checked, so a stale or foreign partial file can cost a retry, never
// correctness.
//
// Only the run holding <version>.zip.lock (an OS lock, dropped when the
// process dies however it dies) reads, writes or deletes the partial file:
// a second gosetup downloading the same version at the same time (CI jobs
// sharing a runner's cache) downloads its own private copy instead, so
// neither can append to, truncate or delete the bytes the other is
// verifying. On Unix, letting go of the lock removes its file (see filelock).
//
// A partial is kept only when it can usefully be resumed: it is deleted
// once the download completes (whether or not it verifies: a bad copy must
// not be resumed onto), after a write error (a full disk: keeping it would
// keep the disk full), when a mirror served bytes that cannot be the file
// (more than the size cap, the wrong leading bytes), when the checksum
// database says it cannot vouch for the version, and when the release was
// installed (dropVersionSpills) or left untouched for a month (pruneSpills).
type downloadCache struct {
	path string
	f    *os.File
	lock *filelock.Lock
}

// partialMeta records where the partial bytes came from.
type partialMeta struct {
	URL       string `json:"url"`
	Validator string `json:"validator"`
}

func (in *Installer) partialPath(modVersion string) string {
	return filepath.Join(in.CacheDir, "downloads", modVersion+".zip.partial")
}

// openModuleDownload opens the file the module zip is downloaded into: the
// resumable cache entry when the Installer has a CacheDir and no other
// process is downloading the same version into it, else a temporary file
// beside the target. It positions the stream after any cached bytes.
func (in *Installer) openModuleDownload(ctx context.Context, st *stage, modVersion string, max int64, s *stream, rep *reporter) (*os.File, *downloadCache, error) {
	if in.CacheDir == "" {
		f, err := st.tempFile(".zip")
		return f, nil, err
	}
	c := &downloadCache{path: in.partialPath(modVersion)}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	lock, err := filelock.Acquire(ctx, c.path+".lock", filelock.Options{})
	if errors.Is(err, filelock.ErrBusy) {
		rep.emit(Event{Phase: PhaseConnect, Message: "another gosetup process is downloading this toolchain into the cache; downloading a separate copy"})
		f, err := st.tempFile(".zip")
		return f, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("locking the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	c.lock = lock
	// Whatever sits at the path that is not a regular file is not ours.
	if fi, err := os.Lstat(c.path); err == nil && !fi.Mode().IsRegular() {
		if err := os.Remove(c.path); err != nil {
			lock.Release()
			return nil, nil, fmt.Errorf("the download cache holds %s, which is not a regular file, and it cannot be removed: %w", c.path, err)
		}
	}
	f, err := os.OpenFile(c.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		lock.Release()
		return nil, nil, fmt.Errorf("opening the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	c.f = f
	off, err := f.Seek(0, io.SeekEnd)
	if err == nil && max > 0 && off > max {
		// Longer than any module zip may be: useless.
		off, err = 0, f.Truncate(0)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
	}
	if err != nil {
		c.finish(false, nil)
		return nil, nil, err
	}
	if off > 0 {
		var meta partialMeta
		if data, err := os.ReadFile(c.path + ".json"); err == nil {
			json.Unmarshal(data, &meta)
		}
		s.resumeFrom(off, meta.URL, meta.Validator)
		rep.emit(Event{Phase: PhaseConnect, Message: fmt.Sprintf("resuming an earlier download at %.1f MB", float64(off)/1e6)})
	}
	return f, c, nil
}

// finish closes the partial file, then keeps it (recording the source of
// its bytes for the next run) or deletes it, and lets go of the lock.
func (c *downloadCache) finish(keep bool, s *stream) {
	c.f.Close()
	if keep && s != nil {
		url, v := s.Validator()
		data, _ := json.Marshal(partialMeta{URL: url, Validator: v})
		os.WriteFile(c.path+".json", data, 0o644)
	} else {
		os.Remove(c.path)
		os.Remove(c.path + ".json")
	}
	c.lock.Release()
}

// resumable reports whether the bytes a failed module download left in
// the cache are worth resuming from: only when the download was cut short
// (Ctrl-C, the network, a server error), not when what was written or
// served is the problem.
func resumable(err error, s *stream) bool {
	var we *writeError
	var se *SumDBError
	switch {
	case err == nil:
		return false
	case s.badBytes:
		return false
	case errors.As(err, &we):
		return false
	case errors.Is(err, ErrNotInSumDB), errors.As(err, &se) && se.Security:
		return false
	}
	return true
}

// writeError is a failure to write the download to disk (a full disk, a
// quota), as opposed to a failure to receive it.
type writeError struct {
	path string
	err  error
}

func (e *writeError) Error() string {
	return fmt.Sprintf("writing the download to %s: %v (free some space on that disk; %s moves the download cache elsewhere)", e.path, e.err, CacheEnvVar)
}
func (e *writeError) Unwrap() error { return e.err }

// fileWriter tags write errors as writeErrors. Like onlyWriter it hides
// ReadFrom, so io.CopyBuffer uses the caller's buffer.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = &writeError{path: w.f.Name(), err: err}
	}
	return n, err
}
