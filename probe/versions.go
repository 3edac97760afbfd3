package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
)

// board gathers the newest stable release that the version sources (proxy
// toolchain lists and release indexes) report, for the archive probes (which
// need a filename) and the freshness verdicts.
//
// The newest release is the newest one that an official release index
// reports, or that at least two proxies list; a lone source is believed only
// when nothing else answered. One broken or hostile mirror listing
// "go1.99.0" must not send every archive probe after a file that does not
// exist, nor flag every honest proxy stale.
//
// Archive probes must not wait for the slowest source, which may hang until
// the deadline: the board is ready when every source has answered, or a
// grace period after the first one did. A mirror that lags behind by more
// than the grace period is what freshness flags anyway.
type board struct {
	mu       sync.Mutex
	official string           // the newest an index reported
	mirrors  []string         // each proxy's newest, newest first
	sizes    map[string]int64 // archive filename -> size, from release indexes
	pending  int
	grace    time.Duration
	timer    *time.Timer
	ready    chan struct{}
	once     sync.Once
}

func newBoard(sources int, grace time.Duration) *board {
	b := &board{pending: sources, grace: grace, sizes: map[string]int64{}, ready: make(chan struct{})}
	if sources == 0 {
		b.open()
	}
	return b
}

func (b *board) open() { b.once.Do(func() { close(b.ready) }) }

// report records one source's answer: its newest stable release ("" when it
// had none for the platform), whether it is an official release index, and
// any archive sizes it knows.
func (b *board) report(newest string, official bool, sizes map[string]int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case newest == "":
	case official:
		if b.official == "" || dist.Compare(newest, b.official) > 0 {
			b.official = newest
		}
	default:
		b.mirrors = append(b.mirrors, newest)
		sort.Slice(b.mirrors, func(i, j int) bool { return dist.Compare(b.mirrors[i], b.mirrors[j]) > 0 })
	}
	for f, n := range sizes {
		b.sizes[f] = n
	}
	b.pending--
	switch {
	case b.pending <= 0:
		b.open()
	case b.newestLocked() != "" && b.timer == nil:
		b.timer = time.AfterFunc(b.grace, b.open)
	}
}

// wait blocks until the board is ready and returns the newest release.
func (b *board) wait(ctx context.Context) (string, error) {
	select {
	case <-b.ready:
	case <-ctx.Done():
		return "", failf(FailTimeout, "no source named the newest Go release in time, so there was no archive to ask for")
	}
	if v := b.current(); v != "" {
		return v, nil
	}
	return "", failf(FailNoVersion, "no proxy or release index answered with a Go release, so there was no archive to ask for; probe the proxies to see why")
}

func (b *board) current() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.newestLocked()
}

func (b *board) newestLocked() string {
	best := b.official
	var confirmed string
	switch {
	case len(b.mirrors) >= 2:
		confirmed = b.mirrors[1] // listed by two proxies at least
	case len(b.mirrors) == 1 && b.official == "":
		confirmed = b.mirrors[0] // the only source there is
	}
	if confirmed != "" && (best == "" || dist.Compare(confirmed, best) > 0) {
		best = confirmed
	}
	return best
}

func (b *board) size(file string) (int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, ok := b.sizes[file]
	return n, ok
}

func (b *board) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
	}
}

// toolchainList is a parsed golang.org/toolchain/@v/list.
type toolchainList struct {
	newestStable string // for the platform
	newestModule string // the newest module version for the platform, stable or not
	anyModule    string // a listed module version, for .info samples when the platform has none
	count        int
}

// parseToolchainList checks that body is a GOPROXY version list (one version
// per line, first field, as the go command reads it) naming toolchain module
// versions, and finds the newest for p.
func parseToolchainList(body []byte, more bool, p dist.Platform) (toolchainList, error) {
	var l toolchainList
	if more {
		return l, failf(FailContent, "the toolchain version list is implausibly large; not a GOPROXY answer")
	}
	if looksHTML(nil, body) || bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		return l, failf(FailContent, "toolchain version list is an HTML page, not a GOPROXY answer (a login or error page?)")
	}
	var newestMod string
	for i, line := range strings.Split(string(body), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasPrefix(f[0], "v") {
			return l, failf(FailContent, "toolchain version list line %d is %q, not a module version; not a GOPROXY answer", i+1, truncate(line, 40))
		}
		goVer, plat, ok := dist.ParseModuleVersion(f[0])
		if !ok {
			continue // a version the go command would ignore too
		}
		l.count++
		l.anyModule = f[0]
		if plat != p {
			continue
		}
		if l.newestModule == "" || dist.Compare(goVer, newestMod) > 0 {
			newestMod, l.newestModule = goVer, f[0]
		}
		if dist.IsStable(goVer) && (l.newestStable == "" || dist.Compare(goVer, l.newestStable) > 0) {
			l.newestStable = goVer
		}
	}
	if l.count == 0 {
		return l, failf(FailContent, "toolchain version list names no golang.org/toolchain versions; this proxy does not serve Go toolchains")
	}
	return l, nil
}

// indexRelease is the part of the official release index the probe reads.
type indexRelease struct {
	Version string `json:"version"`
	Stable  bool   `json:"stable"`
	Files   []struct {
		Filename string `json:"filename"`
		OS       string `json:"os"`
		Arch     string `json:"arch"`
		Kind     string `json:"kind"`
		Size     int64  `json:"size"`
	} `json:"files"`
}

// parseIndex reads a release index (<index>?mode=json) and returns the newest
// stable release with an archive for p, and that archive's size.
func parseIndex(body []byte, p dist.Platform) (newest string, sizes map[string]int64, err error) {
	var rels []indexRelease
	if err := json.Unmarshal(body, &rels); err != nil {
		return "", nil, failf(FailContent, "release index is not JSON: %w", err)
	}
	want := dist.ArchiveName("", p) // ".linux-amd64.tar.gz" with an empty version
	sizes = map[string]int64{}
	for _, r := range rels {
		if !r.Stable || !dist.IsValid(r.Version) {
			continue
		}
		for _, f := range r.Files {
			if f.Kind == "archive" && f.Filename == r.Version+want {
				sizes[f.Filename] = f.Size
				if newest == "" || dist.Compare(r.Version, newest) > 0 {
					newest = r.Version
				}
			}
		}
	}
	if newest == "" {
		return "", nil, failf(FailContent, "release index lists no stable archive for %s", p)
	}
	return newest, sizes, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
