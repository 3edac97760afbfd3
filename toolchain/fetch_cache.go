package toolchain

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// downloadCache is a module zip being downloaded into gosetup's cache
// directory (<cache>/downloads/<version>.zip.partial), kept when a run is
// interrupted or the network gives out so that the next run resumes it with
// a Range request. It is deleted once the download completes (whether or
// not it verifies: the checksum database decides that, and a bad copy must
// not be resumed onto). The zip is only ever unpacked after its h1 hash has
// been checked, so a stale or foreign partial file can cost a retry, never
// correctness.
type downloadCache struct {
	path string
}

// partialMeta records where the partial bytes came from.
type partialMeta struct {
	URL       string `json:"url"`
	Validator string `json:"validator"`
}

// openModuleDownload opens the file the module zip is downloaded into: the
// resumable cache entry when the Installer has a CacheDir, else a temporary
// file beside the target. It positions the stream after any cached bytes.
func (in *Installer) openModuleDownload(st *stage, modVersion string, s *stream, rep *reporter) (*os.File, *downloadCache, error) {
	if in.CacheDir == "" {
		f, err := st.tempFile(".zip")
		return f, nil, err
	}
	dir := filepath.Join(in.CacheDir, "downloads")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	c := &downloadCache{path: filepath.Join(dir, modVersion+".zip.partial")}
	f, err := os.OpenFile(c.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the download cache: %w (set %s to a writable directory)", err, CacheEnvVar)
	}
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
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

// keep records the source of the partial bytes for the next run.
func (c *downloadCache) keep(s *stream) {
	url, v := s.Validator()
	data, _ := json.Marshal(partialMeta{URL: url, Validator: v})
	os.WriteFile(c.path+".json", data, 0o644)
}

func (c *downloadCache) remove() {
	os.Remove(c.path)
	os.Remove(c.path + ".json")
}
