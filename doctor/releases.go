package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/toolchain"
)

// releaseInfo is the list of stable Go releases, newest first, and where
// it came from.
type releaseInfo struct {
	Stable []string
	Source string
	// Cached is true when the list is the one saved by an earlier run;
	// Fetched is when that run got it.
	Cached  bool
	Fetched time.Time
	// Err says why there is no list (nil when there is one).
	Err error
}

// releaseCache is the file the last list is kept in.
type releaseCache struct {
	Fetched time.Time `json:"fetched"`
	Source  string    `json:"source"`
	Stable  []string  `json:"stable"`
}

const releaseCacheName = "doctor-releases.json"

// loadReleases asks the release sources the toolchain package reads (the
// release index and the module proxies' golang.org/toolchain lists),
// within the network deadline, and keeps the answer in the cache; offline,
// or when no source answers, the cached list is used.
func (f *Facts) loadReleases(ctx context.Context) *releaseInfo {
	cached := f.readReleaseCache()
	if f.opts.Offline {
		if cached != nil {
			return cached
		}
		return &releaseInfo{Err: fmt.Errorf("offline, and no release list is cached yet (run gosetup doctor once online)")}
	}
	ctx, cancel := context.WithDeadline(ctx, f.deadline)
	defer cancel()
	cat := f.opts.Catalog
	if cat == nil {
		cat = catalog.Default()
	}
	finder := &toolchain.Finder{Client: f.opts.Client, Catalog: cat, Platform: dist.Host(), Grace: -1}
	set, err := finder.Releases(ctx)
	if err != nil {
		if cached != nil {
			return cached
		}
		var ns *toolchain.NoSourceError
		if !errors.As(err, &ns) {
			err = fmt.Errorf("no release source answered: %w", err)
		}
		return &releaseInfo{Err: err}
	}
	ri := &releaseInfo{Source: set.IndexSource, Fetched: time.Now()}
	if ri.Source == "" {
		ri.Source = set.ModuleSource
	}
	for _, r := range set.Releases {
		if r.Stable && version.IsValid(r.Version) {
			ri.Stable = append(ri.Stable, r.Version)
		}
	}
	if len(ri.Stable) == 0 {
		if cached != nil {
			return cached
		}
		return &releaseInfo{Err: fmt.Errorf("the release sources listed no stable release")}
	}
	f.writeReleaseCache(ri)
	return ri
}

func (f *Facts) readReleaseCache() *releaseInfo {
	if f.opts.CacheDir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(f.opts.CacheDir, releaseCacheName))
	if err != nil {
		return nil
	}
	var c releaseCache
	if json.Unmarshal(b, &c) != nil || len(c.Stable) == 0 {
		return nil
	}
	for _, v := range c.Stable {
		if !version.IsValid(v) {
			return nil
		}
	}
	return &releaseInfo{Stable: c.Stable, Source: c.Source, Cached: true, Fetched: c.Fetched}
}

func (f *Facts) writeReleaseCache(ri *releaseInfo) {
	if f.opts.CacheDir == "" {
		return
	}
	b, err := json.Marshal(releaseCache{Fetched: ri.Fetched, Source: ri.Source, Stable: ri.Stable})
	if err != nil {
		return
	}
	if os.MkdirAll(f.opts.CacheDir, 0o755) != nil {
		return
	}
	tmp := filepath.Join(f.opts.CacheDir, releaseCacheName+".tmp")
	if os.WriteFile(tmp, b, 0o644) == nil {
		if os.Rename(tmp, filepath.Join(f.opts.CacheDir, releaseCacheName)) != nil {
			os.Remove(tmp)
		}
	}
}

// source describes where the list came from, for a finding's source.
func (ri *releaseInfo) source() Source {
	key := ri.Source
	if ri.Cached {
		key += fmt.Sprintf(" (cached %s)", ri.Fetched.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return Source{Kind: SourceRelease, Key: key}
}

// newestPatch is the newest stable release of v's minor line ("" when the
// list has none).
func (ri *releaseInfo) newestPatch(v string) string {
	lang := version.Lang(v)
	best := ""
	for _, r := range ri.Stable {
		if version.Lang(r) == lang && (best == "" || version.Compare(r, best) > 0) {
			best = r
		}
	}
	return best
}

// supported are the minor lines the Go project supports: the two newest
// with a stable release.
func (ri *releaseInfo) supported() []string {
	var langs []string
	for _, r := range ri.Stable {
		l := version.Lang(r)
		if len(langs) > 0 && langs[len(langs)-1] == l {
			continue
		}
		dup := false
		for _, x := range langs {
			dup = dup || x == l
		}
		if !dup {
			langs = append(langs, l)
		}
	}
	// Newest first.
	for i := 1; i < len(langs); i++ {
		for j := i; j > 0 && version.Compare(langs[j], langs[j-1]) > 0; j-- {
			langs[j], langs[j-1] = langs[j-1], langs[j]
		}
	}
	if len(langs) > 2 {
		langs = langs[:2]
	}
	return langs
}
