package toolchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gosetup/gosetup/internal/filelock"
)

// spill is the file a ranged download writes its chunks into, at their
// own offsets. With a download cache it is <cache>/downloads/<name>.part,
// and <name>.part.json records which file it holds (a URL-independent key:
// channel, file name and expected hash or size) and which byte ranges are
// written, so the next run of the same install fetches only the rest. The
// kept bytes are never trusted: the whole file is hashed before use.
//
// As with module zips (downloadCache), only the process holding
// <name>.part.lock touches the spill and its record; a second gosetup
// downloading the same file meanwhile uses a private temporary file.
type spill struct {
	f     *os.File
	path  string // "" for a private temporary file
	key   string
	size  int64
	lock  *filelock.Lock
	saved time.Time
}

// spillRecord is the JSON beside a spill file.
type spillRecord struct {
	Key  string     `json:"key"`
	Size int64      `json:"size"`
	Have [][2]int64 `json:"have"`
}

// spillSaveEvery bounds how often the record is rewritten while chunks
// arrive: a process killed outright loses at most this much progress.
const spillSaveEvery = time.Second

// openSpill opens the spill for name (the key says what it must hold) and
// returns the ranges an earlier run completed; a record that does not
// match key and size is dropped with its bytes.
func (in *Installer) openSpill(ctx context.Context, st *stage, name, key string, size int64, rep *reporter) (*spill, rangeSet, error) {
	private := func() (*spill, rangeSet, error) {
		f, err := st.tempFile(".part")
		if err != nil {
			return nil, nil, err
		}
		return &spill{f: f, key: key, size: size}, nil, nil
	}
	if in.CacheDir == "" {
		return private()
	}
	p := in.spillPath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	lock, err := filelock.Acquire(ctx, p+".lock", filelock.Options{})
	if errors.Is(err, filelock.ErrBusy) {
		rep.emit(Event{Phase: PhaseConnect, Message: "another gosetup process is downloading this toolchain into the cache; downloading a separate copy"})
		return private()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("locking the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
		if err := os.Remove(p); err != nil {
			lock.Release()
			return nil, nil, fmt.Errorf("the download cache holds %s, which is not a regular file, and it cannot be removed: %w", p, err)
		}
	}
	have, ok := readSpillRecord(p, key, size)
	if !ok {
		// Not ours, or not what this install needs: start afresh.
		os.Remove(p + ".json")
		os.Remove(p)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		lock.Release()
		return nil, nil, fmt.Errorf("opening the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	return &spill{f: f, path: p, key: key, size: size, lock: lock}, have, nil
}

// save writes the record of have (atomically: a torn record must not
// claim bytes that were never written). Called under the fetch's lock, at
// most every spillSaveEvery unless force.
func (s *spill) save(have rangeSet, force bool) {
	if s.path == "" || !force && time.Since(s.saved) < spillSaveEvery {
		return
	}
	s.saved = time.Now()
	rec := spillRecord{Key: s.key, Size: s.size}
	for _, r := range have {
		rec.Have = append(rec.Have, [2]int64{r.start, r.end})
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return
	}
	tmp := s.path + ".json.tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		os.Rename(tmp, s.path+".json")
	}
}

// finish closes the spill and keeps it with its record (an interrupted
// download worth resuming) or deletes both, then lets go of the lock.
func (s *spill) finish(keep bool, have rangeSet) {
	if s.path != "" && keep && have.total() > 0 {
		s.save(have, true)
	}
	s.f.Close()
	if s.path == "" {
		return
	}
	if !keep || have.total() == 0 {
		os.Remove(s.path + ".json")
		os.Remove(s.path)
	}
	s.lock.Release()
}

// spillPath is where the spill of the download named name lives.
func (in *Installer) spillPath(name string) string {
	return filepath.Join(in.CacheDir, "downloads", name+".part")
}

// readSpillRecord returns the ranges the spill at p holds by its record, if
// the record is for key and size and the spill is a regular file no longer
// than size; ok is false when the spill is not what this download needs.
// Only reads: openSpill calls it under the spill's lock, the auto choice
// without (see cachedBytes).
func readSpillRecord(p, key string, size int64) (have rangeSet, ok bool) {
	data, err := os.ReadFile(p + ".json")
	if err != nil {
		return nil, false
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	var rec spillRecord
	if json.Unmarshal(data, &rec) != nil || rec.Key != key || rec.Size != size || fi.Size() > size {
		return nil, false
	}
	for _, r := range rec.Have {
		if r[0] < r[1] {
			have = have.add(r[0], min(r[1], fi.Size()))
		}
	}
	return have.clip(size), true
}
