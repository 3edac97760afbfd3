package toolchain

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/httpx"
)

// Installer puts a verified toolchain on disk. The zero values of the
// tuning fields take sensible defaults; Client, Catalog and Platform are
// required, and SumDB is required for the module channel.
type Installer struct {
	Client   *http.Client
	Catalog  *catalog.Catalog
	Platform dist.Platform
	// CacheDir is gosetup's cache (DefaultCacheDir); currently used by the
	// checksum database client that SumDB carries.
	CacheDir string
	// SumDB verifies module zips; nil disables the module channel.
	SumDB *SumDB
	// Progress receives events, may be nil. It is called on a goroutine
	// of its own, one event at a time, never while gosetup holds a lock:
	// a slow callback (a terminal UI's queue) never slows the download,
	// it only makes counter events coalesce. Phase changes all arrive, in
	// order, and Install returns after the last one was delivered.
	Progress func(Event)

	// StallTimeout aborts a download that receives nothing for this long
	// (default 30s); the download then resumes or fails over.
	StallTimeout time.Duration
	// Attempts is how many transient failures a mirror may have (default 3).
	Attempts int
	// Backoff is the first retry delay, doubling (default 1s).
	Backoff time.Duration
	// LowSpeedLimit and LowSpeedTime are the low-speed limit (curl's
	// --speed-limit and --speed-time): a mirror that delivers less than
	// LowSpeedLimit bytes a second over LowSpeedTime of waiting on the
	// network is abandoned when another mirror or channel is left to try
	// (the next one resumes at the same byte); with nothing else left it is
	// kept, however slow. Defaults: DefaultLowSpeedLimit over
	// DefaultLowSpeedTime; a negative LowSpeedLimit disables the check.
	LowSpeedLimit int64
	LowSpeedTime  time.Duration
	// RankTimeout bounds the quick parallel probe that orders mirrors
	// (default 3s; negative: keep catalogue order).
	RankTimeout time.Duration
	// Connections is how many connections a download (either channel)
	// may use in total, spread over the three best mirrors that serve
	// byte ranges, at most four each; 0 or 1 downloads as one stream, the
	// behaviour before ranged downloads (DefaultConnections is what the
	// commands use). Servers that refuse ranges get one stream.
	Connections int
	// Limits caps what an archive may unpack to.
	Limits Limits
	// Environ is the environment bin/go version runs with (default
	// os.Environ()).
	Environ []string
	// LockWait is how long Install waits for another install into the
	// same directory when the Request carries no lock (default
	// DefaultLockWait).
	LockWait time.Duration

	// maxModuleZip caps a module zip download (default modzip.MaxZipFile,
	// the go command's own limit); tests lower it.
	maxModuleZip int64
	// rangedChunk is the ranged download's chunk size (default
	// rangedChunk); tests lower it to split small archives.
	rangedChunk int64
	// rangedEager starts every ranged connection at once instead of
	// growing from one while that pays; tests of sharing between fast
	// loopback mirrors set it.
	rangedEager bool
	// inflate is how many goroutines inflate a ranged tar.gz download
	// (default inflateWorkers); tests set it.
	inflate int
	// cores and inflateRate replace this machine's core count and one
	// core's inflate speed (compressed bytes/s) in the auto choice
	// (default: GOMAXPROCS, and timing the sampled bytes); tests set them.
	cores       int
	inflateRate float64
}

// Defaults for the low-speed limit. 32 kB/s is two hours for a 70 MB
// toolchain, far below any mirror worth waiting for, yet well above a
// server trickling a byte every few seconds to dodge the stall timer; 20 s
// of measurement rides out a brief congestion, and fails a trickling
// mirror over within half a minute.
const (
	DefaultLowSpeedLimit = 32 << 10
	DefaultLowSpeedTime  = 20 * time.Second
)

// Request says what to install where.
type Request struct {
	Release Release
	// Dir is the install directory (the GOROOT); it is replaced atomically.
	Dir string
	// Source is the channel: auto (default), archive or module.
	Source Source
	// Mirror restricts the download to one archive mirror or proxy, by
	// catalogue name or URL.
	Mirror string
	// Lock is the caller's lock on Dir (LockTarget), when it holds one
	// across its own checks; nil makes Install take it, waiting up to
	// Installer.LockWait.
	Lock *TargetLock
}

// Result describes a finished install.
type Result struct {
	Version   string
	Dir       string
	Source    Source
	Mirror    string // the mirror that served the last byte
	URL       string
	Bytes     int64 // downloaded in this run
	Resumed   int64 // kept from an earlier, interrupted run (not in Bytes)
	Files     int   // unpacked
	Duration  time.Duration
	GoVersion string // what bin/go version printed
	Replaced  string // the version that was at Dir before ("" if none)
	Warnings  []string
}

// channel is one way to get the release: a source and its mirrors.
type channel struct {
	source  Source
	mirrors []mirror
	file    File // archive channel: the index entry
	proxies []string
	best    time.Duration   // ranking: fastest answer, or -1
	lat     []time.Duration // ranking: each mirror's answer, or -1
}

// NotGoDirError is returned when the target holds something that is not a
// Go installation, which gosetup refuses to replace.
type NotGoDirError struct{ Dir string }

func (e *NotGoDirError) Error() string {
	return fmt.Sprintf("%s exists and is not a Go installation (a VERSION file naming a Go release, src/runtime and pkg/tool, or gosetup's own mark); refusing to replace it: choose another directory, or empty or remove it first", e.Dir)
}

// Install downloads, verifies, unpacks, checks and swaps in req.Release.
// On any error or cancellation the target is left exactly as it was and
// every temporary file is removed.
func (in *Installer) Install(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	if in.Client == nil {
		// A nil client means httpx's default, as in every package.
		c, err := httpx.OrDefault(nil)
		if err != nil {
			return nil, err
		}
		cp := *in
		cp.Client = c
		in = &cp
	}
	rep := newReporter(in.Progress)
	defer rep.close()
	if !dist.IsValid(req.Release.Version) {
		return nil, fmt.Errorf("release %q is not a Go version", req.Release.Version)
	}
	if req.Dir == "" {
		return nil, errors.New("no install directory given")
	}
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return nil, err
	}
	lock := req.Lock
	if lock == nil {
		if lock, err = LockTarget(ctx, dir, orDefault(in.LockWait, DefaultLockWait), nil); err != nil {
			return nil, err
		}
		defer lock.Release()
	} else if !samePath(lock.Dir, dir) {
		return nil, fmt.Errorf("toolchain: the request's lock is for %s, not %s", lock.Dir, dir)
	}
	// What killed installs left goes first; a surviving previous
	// installation stops the install, since it is the user's only copy.
	var warnings []string
	if _, err := lock.CleanLeftovers(); err != nil {
		var ce *CleanupError
		if !errors.As(err, &ce) {
			return nil, err
		}
		warnings = append(warnings, err.Error())
	}
	ex, err := Inspect(dir)
	if err != nil {
		return nil, fmt.Errorf("looking at %s: %w", dir, err)
	}
	if ex.Exists && !ex.Empty && !ex.IsGo {
		return nil, &NotGoDirError{Dir: dir}
	}
	// Downloads abandoned long ago go before this one adds to the cache.
	in.pruneSpills(ctx, time.Now())
	rep.emit(Event{Phase: PhaseResolve, Message: "choosing a download source", Version: req.Release.Version})
	chans, err := in.plan(ctx, req, rep)
	if err != nil {
		return nil, err
	}
	st, err := newStage(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Version: req.Release.Version, Dir: dir, Replaced: ex.Version, Warnings: warnings}
	ok := false
	defer func() {
		if cerr := st.cleanup(); cerr != nil && ok {
			res.Warnings = append(res.Warnings, "leftover temporary files: "+cerr.Error())
		}
	}()

	var failures []error
	for i, ch := range chans {
		if i > 0 {
			if err := st.reset(); err != nil {
				return nil, err
			}
			rep.resetFiles()
		}
		rep.setChannel(ch.source, "")
		m, err := in.fetchChannel(ctx, ch, req.Release, st, rep, i+1 < len(chans))
		if err == nil {
			res.Source, res.Mirror, res.URL = ch.source, m.Name, m.URL
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("install of %s cancelled: %w", req.Release.Version, ctx.Err())
		}
		failures = append(failures, fmt.Errorf("%s channel: %w", ch.source, err))
		if i+1 < len(chans) {
			rep.emit(Event{Phase: PhaseFailover, Source: ch.source, Err: err, Message: "trying the " + string(chans[i+1].source) + " channel"})
		}
	}
	if res.Source == "" {
		return nil, errors.Join(failures...)
	}
	res.Bytes, res.Resumed = rep.fetched()
	rep.mu.Lock()
	res.Files = rep.files
	rep.mu.Unlock()

	rep.emit(Event{Phase: PhaseCheck, Message: "running bin/go version"})
	if in.Platform == dist.Host() {
		env := in.Environ
		if env == nil {
			env = os.Environ()
		}
		line, err := checkGoVersion(ctx, st.dir, req.Release.Version, in.Platform, env)
		if err != nil {
			return nil, err
		}
		res.GoVersion = line
	} else {
		res.Warnings = append(res.Warnings, fmt.Sprintf("bin/go was not run: it is built for %s, not this machine", in.Platform))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("install of %s cancelled: %w", req.Release.Version, err)
	}
	if err := writeMark(st.dir, Mark{Dir: dir, Version: req.Release.Version, Source: res.Source, Mirror: res.Mirror, Installed: time.Now().UTC().Truncate(time.Second)}); err != nil {
		return nil, fmt.Errorf("writing gosetup's mark into the new toolchain: %w", err)
	}
	rep.emit(Event{Phase: PhaseSwap, Message: "moving into " + dir})
	warn, err := st.swap()
	if err != nil {
		return nil, err
	}
	ok = true
	if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}
	// A download of this version that failed, or was interrupted in an
	// earlier run, on either channel will never be resumed now.
	in.dropVersionSpills(ctx, req.Release)
	res.Duration = time.Since(start)
	rep.emit(Event{Phase: PhaseDone, Source: res.Source, Mirror: res.Mirror, Done: res.Bytes + res.Resumed, Total: res.Bytes + res.Resumed, Files: res.Files, Message: res.GoVersion})
	return res, nil
}

// plan lists the channels to try, in order, each with its mirrors ranked.
func (in *Installer) plan(ctx context.Context, req Request, rep *reporter) ([]channel, error) {
	if in.Catalog == nil {
		return nil, errors.New("toolchain: Installer has no catalogue")
	}
	src := req.Source
	if src == "" {
		src = SourceAuto
	}
	rel, p := req.Release, in.Platform
	var chans []channel
	var why []string
	addArchive := func(entries []catalog.Entry) {
		f, ok := rel.Archive(p)
		if !ok {
			why = append(why, fmt.Sprintf("the official index lists no %s archive for %s (or did not answer), so there is no SHA-256 to check an archive against", p, rel.Version))
			return
		}
		ch := channel{source: SourceArchive, file: f}
		for _, e := range entries {
			ch.mirrors = append(ch.mirrors, mirror{Name: e.Name, URL: e.URL + f.Filename})
		}
		if len(ch.mirrors) == 0 {
			why = append(why, "the catalogue lists no archive mirror")
			return
		}
		chans = append(chans, ch)
	}
	addModule := func(entries []catalog.Entry) {
		if in.SumDB == nil {
			why = append(why, "the module channel needs a checksum database and none is configured")
			return
		}
		if len(rel.Modules) > 0 && !rel.HasModule(p) {
			why = append(why, fmt.Sprintf("the module proxy does not list %s for %s", rel.Version, p))
			return
		}
		if dist.Compare(rel.Version, "go1.21rc1") < 0 {
			why = append(why, fmt.Sprintf("%s predates the golang.org/toolchain module (Go 1.21)", rel.Version))
			return
		}
		v := dist.ModuleVersion(rel.Version, p)
		ch := channel{source: SourceModule}
		for _, e := range entries {
			ch.mirrors = append(ch.mirrors, mirror{Name: e.Name, URL: e.URL + "/" + dist.ToolchainModule + "/@v/" + v + ".zip"})
			ch.proxies = append(ch.proxies, e.URL)
		}
		if len(ch.mirrors) == 0 {
			why = append(why, "the catalogue lists no module proxy")
			return
		}
		chans = append(chans, ch)
	}
	archives, proxies := in.Catalog.List(catalog.KindArchive), in.Catalog.List(catalog.KindProxy)
	if req.Mirror != "" {
		var errA, errP error
		var a, pr catalog.Entry
		if src != SourceModule {
			a, errA = in.Catalog.Lookup(catalog.KindArchive, req.Mirror)
		}
		if src != SourceArchive {
			pr, errP = in.Catalog.Lookup(catalog.KindProxy, req.Mirror)
		}
		archives, proxies = nil, nil
		if src != SourceModule && errA == nil {
			archives = []catalog.Entry{a}
		}
		if src != SourceArchive && errP == nil {
			proxies = []catalog.Entry{pr}
		}
		if archives == nil && proxies == nil {
			return nil, errors.Join(errA, errP)
		}
	}
	switch src {
	case SourceArchive:
		addArchive(archives)
	case SourceModule:
		addModule(proxies)
	default:
		if archives != nil {
			addArchive(archives)
		}
		if proxies != nil {
			addModule(proxies)
		}
	}
	if len(chans) == 0 {
		return nil, fmt.Errorf("cannot install %s from the %s channel: %s", rel.Version, src, strings.Join(why, "; "))
	}
	if in.RankTimeout >= 0 {
		in.rank(ctx, chans)
		if src == SourceAuto && len(chans) == 2 {
			// What each channel costs end to end decides; when it cannot
			// be measured, the channel that answered first goes first.
			if first, why, ok := in.chooseAuto(ctx, chans, rel); ok {
				if first == 1 {
					chans[0], chans[1] = chans[1], chans[0]
				}
				rep.emit(Event{Phase: PhaseResolve, Source: chans[0].source, Message: why})
			} else if better(chans[1].best, chans[0].best) {
				chans[0], chans[1] = chans[1], chans[0]
			}
		}
	}
	return chans, nil
}

// better reports whether latency a beats b (-1 means no answer).
func better(a, b time.Duration) bool {
	if a < 0 {
		return false
	}
	return b < 0 || a < b
}

// rank probes every mirror of every channel at once with a one-byte range
// request and orders each channel's mirrors by how fast they answered.
// Mirrors that answered 404 or with HTML go last (they are kept: the probe
// may have been unlucky, and the download fails over quickly anyway).
func (in *Installer) rank(ctx context.Context, chans []channel) {
	timeout := in.RankTimeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		ch, m int
		lat   time.Duration // -1: failed
	}
	results := make(chan result)
	n := 0
	for ci := range chans {
		for mi := range chans[ci].mirrors {
			n++
			go func(ci, mi int) {
				results <- result{ci, mi, probeLatency(ctx, in.Client, chans[ci].mirrors[mi].URL)}
			}(ci, mi)
		}
	}
	lat := make([][]time.Duration, len(chans))
	for ci := range chans {
		lat[ci] = make([]time.Duration, len(chans[ci].mirrors))
	}
	for range n {
		r := <-results
		lat[r.ch][r.m] = r.lat
	}
	for ci := range chans {
		ch := &chans[ci]
		idx := make([]int, len(ch.mirrors))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return better(lat[ci][idx[a]], lat[ci][idx[b]]) })
		ms := make([]mirror, len(idx))
		var ps []string
		for i, j := range idx {
			ms[i] = ch.mirrors[j]
			if ch.proxies != nil {
				ps = append(ps, ch.proxies[j])
			}
		}
		ch.lat = make([]time.Duration, len(idx))
		for i, j := range idx {
			ch.lat[i] = lat[ci][j]
		}
		ch.mirrors, ch.best = ms, ch.lat[0]
		if ch.proxies != nil {
			ch.proxies = ps
		}
	}
}

// probeLatency is the time to the first response of a one-byte range
// request, or -1 if the answer shows the file is not there.
func probeLatency(ctx context.Context, client *http.Client, url string) time.Duration {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return -1
	}
	req.Header.Set("Range", "bytes=0-0")
	resp, err := client.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return -1
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return -1
	}
	return time.Since(t0)
}

// contentError marks a download whose bytes were wrong (bad checksum,
// hostile or corrupt archive): the mirrors that served it are skipped on
// the next attempt.
type contentError struct{ err error }

func (e contentError) Error() string { return e.err.Error() }
func (e contentError) Unwrap() error { return e.err }

// fetchChannel downloads and unpacks through one channel, failing over
// between its mirrors, and returns the mirror that served the good copy.
//
// otherChannel says another channel is left to try if this one fails,
// so a far too slow last mirror may be abandoned.
func (in *Installer) fetchChannel(ctx context.Context, ch channel, rel Release, st *stage, rep *reporter, otherChannel bool) (mirror, error) {
	bad := make([]bool, len(ch.mirrors))
	var failures []MirrorError
	startedOver := false
	// single is set once ranges are refused everywhere, or a copy put
	// together from several mirrors failed its check: the next attempt is
	// one stream from one mirror at a time, so the blame is clear.
	single := in.Connections <= 1
	var want *hashFuture
	if ch.source == SourceModule {
		// The checksum database lookup runs while the zip downloads.
		want = &hashFuture{done: make(chan struct{})}
		lookupCtx, cancelLookup := context.WithCancel(ctx)
		go func() {
			want.res = in.zipHash(lookupCtx, ch.proxies, dist.ModuleVersion(rel.Version, in.Platform))
			close(want.done)
		}()
		// When the download fails first, the lookup must not outlive the
		// install: it would still be writing the checksum database cache
		// (and using the network) after Install returned.
		defer func() {
			cancelLookup()
			<-want.done
		}()
	}
	for attempt := 0; ; attempt++ {
		var ms []mirror
		var idx []int
		for i, m := range ch.mirrors {
			if !bad[i] {
				ms = append(ms, m)
				idx = append(idx, i)
			}
		}
		if len(ms) == 0 {
			return mirror{}, &AllMirrorsFailedError{Failures: failures}
		}
		if attempt > 0 {
			if err := st.reset(); err != nil {
				return mirror{}, err
			}
			rep.resetFiles()
		}
		cfg := fetchConfig{client: in.Client, stall: in.StallTimeout, attempts: in.Attempts, backoff: in.Backoff, size: -1, rep: rep,
			lowSpeed: in.LowSpeedLimit, lowSpeedTime: in.LowSpeedTime, otherSource: otherChannel}
		if cfg.lowSpeed == 0 {
			cfg.lowSpeed = DefaultLowSpeedLimit
		}
		if cfg.lowSpeedTime <= 0 {
			cfg.lowSpeedTime = DefaultLowSpeedTime
		}
		if !single && (ch.source == SourceArchive && ch.file.Size > 0 || ch.source == SourceModule) {
			var rf *rangedFetch
			var fromCache bool
			var err error
			if ch.source == SourceArchive {
				rep.startDownload(ch.file.Size)
				rf, fromCache, err = in.fetchArchiveRanged(ctx, cfg, ms, ch.file, rel, st, rep)
			} else {
				cfg.max = in.maxModuleZip
				if cfg.max <= 0 {
					cfg.max = modzip.MaxZipFile
				}
				rf, fromCache, err = in.fetchModuleRanged(ctx, cfg, ms, rel, st, rep, want)
			}
			if err == nil {
				if i := rf.Main(); i >= 0 {
					return ms[i], nil
				}
				return ms[0], nil // every byte came from the cache
			}
			if ctx.Err() != nil {
				return mirror{}, ctx.Err()
			}
			if errors.Is(err, errRangesRefused) {
				single = true
				rep.emit(Event{Phase: PhaseConnect, Message: "no mirror serves byte ranges; downloading as one stream"})
				continue
			}
			if rf == nil {
				return mirror{}, err
			}
			failures = append(failures, rf.Failures()...)
			for i, d := range rf.Dead() {
				if d {
					bad[idx[i]] = true
				}
			}
			var ce contentError
			if !errors.As(err, &ce) {
				var all *AllMirrorsFailedError
				if errors.As(err, &all) {
					return mirror{}, &AllMirrorsFailedError{Failures: failures}
				}
				return mirror{}, err
			}
			if fromCache && !startedOver {
				startedOver = true
				rep.emit(Event{Phase: PhaseFailover, Source: ch.source, Err: ce.err, Message: "the copy resumed from an earlier run was bad; downloading it again from the start"})
				continue
			}
			served := rf.Served()
			if len(served) == 1 {
				i := served[0]
				bad[idx[i]] = true
				failures = append(failures, MirrorError{Mirror: ms[i].Name, Err: ce.err})
				rep.emit(Event{Phase: PhaseFailover, Mirror: ms[i].Name, URL: ms[i].URL, Err: ce.err})
				continue
			}
			// Several mirrors contributed and the bytes cannot tell which
			// one lied: fetch from one trusted source at a time. (A module
			// zip has had its bad entries fetched again already, when
			// they could be found: see repairModuleZip. A tar.gz cannot:
			// its SHA-256 and gzip's CRC-32 cover only the whole file.)
			single = true
			rep.emit(Event{Phase: PhaseFailover, Source: ch.source, Err: ce.err, Message: "the copy put together from several mirrors was bad; downloading it again from one mirror at a time"})
			continue
		}
		var s *stream
		var err error
		switch ch.source {
		case SourceArchive:
			cfg.size = ch.file.Size
			if cfg.size <= 0 {
				cfg.size = -1
			}
			rep.startDownload(cfg.size)
			s = newStream(ctx, cfg, ms)
			rep.connDelta(1)
			err = in.fetchArchive(ctx, s, ch.file, rel, st, rep)
			rep.connDelta(-1)
		case SourceModule:
			rep.startDownload(-1)
			cfg.magic = []byte("PK\x03\x04")
			// No trusted size is known before the download: cap it as the
			// go command does, so a hostile proxy cannot fill the disk.
			cfg.max = in.maxModuleZip
			if cfg.max <= 0 {
				cfg.max = modzip.MaxZipFile
			}
			s = newStream(ctx, cfg, ms)
			rep.connDelta(1)
			err = in.fetchModule(ctx, s, rel, st, rep, want)
			rep.connDelta(-1)
		}
		s.Close()
		if err == nil {
			return s.Mirror(), nil
		}
		if ctx.Err() != nil {
			return mirror{}, ctx.Err()
		}
		// Mirrors the stream gave up on stay abandoned.
		failures = append(failures, s.failures...)
		for i, d := range s.dead {
			if d {
				bad[idx[i]] = true
			}
		}
		var ce contentError
		if !errors.As(err, &ce) {
			var all *AllMirrorsFailedError
			if errors.As(err, &all) {
				return mirror{}, &AllMirrorsFailedError{Failures: failures}
			}
			return mirror{}, err
		}
		if s.fromCache && !startedOver {
			// The copy began with bytes an earlier run kept (and the cache
			// has now dropped them): they may be what was wrong, so try
			// once more from scratch before blaming any mirror.
			startedOver = true
			rep.emit(Event{Phase: PhaseFailover, Source: ch.source, Err: ce.err, Message: "the copy resumed from an earlier run was bad; downloading it again from the start"})
			continue
		}
		// Blame every mirror that contributed bytes to the bad copy.
		served := s.Served()
		for _, i := range served {
			bad[idx[i]] = true
			failures = append(failures, MirrorError{Mirror: ms[i].Name, Err: ce.err})
			rep.emit(Event{Phase: PhaseFailover, Mirror: ms[i].Name, URL: ms[i].URL, Err: ce.err})
		}
		if len(served) == 0 {
			return mirror{}, err
		}
	}
}

// zipHash asks the checksum database for the module's h1, through each
// proxy in turn (each one decides, as for the go command, whether to pass
// the database through or send gosetup to it directly). It moves on only
// after an unavailable database; a verification failure or a database that
// does not know the version is final.
func (in *Installer) zipHash(ctx context.Context, proxies []string, modVersion string) hashResult {
	var errs []error
	for _, p := range proxies {
		h, err := in.SumDB.ZipHash(ctx, p, dist.ToolchainModule, modVersion)
		if err == nil {
			return hashResult{h1: h}
		}
		var se *SumDBError
		if errors.As(err, &se) && se.Security || errors.Is(err, ErrNotInSumDB) || ctx.Err() != nil {
			return hashResult{err: err}
		}
		errs = append(errs, err)
	}
	if len(errs) == 1 {
		return hashResult{err: errs[0]}
	}
	return hashResult{err: errors.Join(errs...)}
}

// hashFuture is the checksum database's answer, once it arrives.
type hashFuture struct {
	done chan struct{}
	res  hashResult
}

// failed reports the lookup's error if it has already failed.
func (f *hashFuture) failed() error {
	select {
	case <-f.done:
		return f.res.err
	default:
		return nil
	}
}

type hashResult struct {
	h1  string
	err error
}

// fetchArchive streams an official archive through SHA-256 into the
// unpacker; the hash is compared once the last byte has gone through both.
func (in *Installer) fetchArchive(ctx context.Context, s *stream, f File, rel Release, st *stage, rep *reporter) error {
	want, err := hex.DecodeString(f.SHA256)
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("the release index gives no valid SHA-256 for %s; refusing to install an unverified archive", f.Filename)
	}
	h := sha256.New()
	src := io.TeeReader(s, h)
	t := newTree(st.dir, "go/", in.Limits, rep)
	if strings.HasSuffix(f.Filename, ".zip") {
		s.cfg.magic = []byte("PK\x03\x04")
		zf, err := st.tempFile(".zip")
		if err != nil {
			return err
		}
		defer zf.Close()
		n, err := io.Copy(zf, src)
		if err != nil {
			return err
		}
		rep.flush(PhaseDownload)
		if err := checkSum(h, want, f.Filename, rel.Index); err != nil {
			return err
		}
		rep.emit(Event{Phase: PhaseVerify, Message: "SHA-256 matches " + rel.Index.String()})
		if _, err := unpackZip(ctx, zf, n, t, false); err != nil {
			return unpackErr(err)
		}
		rep.flush(PhaseUnpack)
		return nil
	}
	s.cfg.magic = []byte{0x1f, 0x8b}
	ra := newReadAhead(src, s.Abort, 8, 256<<10)
	err = unpackTarGz(ctx, ra, t, 1)
	ra.Close()
	if err != nil {
		return unpackErr(err)
	}
	rep.flush(PhaseDownload)
	rep.flush(PhaseUnpack)
	if err := checkSum(h, want, f.Filename, rel.Index); err != nil {
		return err
	}
	rep.emit(Event{Phase: PhaseVerify, Message: "SHA-256 matches " + rel.Index.String()})
	return nil
}

func checkSum(h hash.Hash, want []byte, name string, idx IndexRef) error {
	if got := h.Sum(nil); string(got) != string(want) {
		return contentError{fmt.Errorf("checksum mismatch for %s: got SHA-256 %x, %s says %x", name, got, idx, want)}
	}
	return nil
}

// unpackErr turns what the unpacker found wrong with the bytes (hostile
// entries, corruption) into a content error so the next mirror is tried;
// network and disk errors pass through.
func unpackErr(err error) error {
	var all *AllMirrorsFailedError
	var ee *EntryError
	switch {
	case errors.As(err, &all), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &ee), errors.Is(err, errNotArchive):
		return contentError{err}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return err // the disk, not the download
	}
	// gzip/tar/zip format errors, CRC failures, truncation.
	return contentError{err}
}

// fetchModule downloads the toolchain module zip to a temporary file beside
// the target (a zip needs random access), checks it with the go command's
// module-zip rules, unpacks it in parallel while hashing every file, and
// compares the resulting h1 hash with the checksum database's.
func (in *Installer) fetchModule(ctx context.Context, s *stream, rel Release, st *stage, rep *reporter, want *hashFuture) (err error) {
	modVersion := dist.ModuleVersion(rel.Version, in.Platform)
	zf, cache, err := in.openModuleDownload(ctx, st, modVersion, s.cfg.max, s, rep)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if cache == nil {
			zf.Close()
			return
		}
		cache.finish(!done && resumable(err, s), s)
	}()
	s.cfg.restart = func() error {
		if _, err := zf.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return zf.Truncate(0)
	}
	// Without the database's answer the zip is useless: stop downloading
	// 70 MB as soon as the lookup fails, so auto can fall back at once.
	stopWatch := make(chan struct{})
	go func() {
		select {
		case <-want.done:
			if want.res.err != nil {
				s.Abort()
			}
		case <-stopWatch:
		}
	}()
	buf := make([]byte, 256<<10)
	_, err = io.CopyBuffer(fileWriter{zf}, s, buf)
	close(stopWatch)
	if err != nil {
		if herr := want.failed(); herr != nil {
			return fmt.Errorf("the checksum database cannot vouch for %s@%s: %w", dist.ToolchainModule, modVersion, herr)
		}
		return err
	}
	n, err := zf.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	rep.flush(PhaseDownload)
	// From here on the bytes are complete: whatever is wrong with them,
	// a later run must not resume onto them.
	done = true
	return in.checkModuleZip(ctx, zf, n, rel, st, rep, want)
}

// checkModuleZip waits for the checksum database's answer, checks the
// downloaded zip (n bytes) against the module zip rules, unpacks it while
// hashing every file and compares the h1 hash.
func (in *Installer) checkModuleZip(ctx context.Context, zf *os.File, n int64, rel Release, st *stage, rep *reporter, want *hashFuture) error {
	return in.checkModuleZipFrom(ctx, zf, zf, false, n, rel, st, rep, want)
}

// checkModuleZipFrom is checkModuleZip reading the zip's bytes from ra,
// which is zf itself, or (streaming) the ranged download into zf, whose
// reads wait for the bytes: then the directory is read through ra before
// the module zip rules read it from zf, and the entries are unpacked in
// the zip's order while the download runs (see streamingPicker).
func (in *Installer) checkModuleZipFrom(ctx context.Context, zf *os.File, ra io.ReaderAt, streaming bool, n int64, rel Release, st *stage, rep *reporter, want *hashFuture) error {
	modVersion := dist.ModuleVersion(rel.Version, in.Platform)
	select {
	case <-want.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if want.res.err != nil {
		return fmt.Errorf("the checksum database cannot vouch for %s@%s: %w", dist.ToolchainModule, modVersion, want.res.err)
	}
	if streaming {
		if _, err := zip.NewReader(ra, n); err != nil {
			return unpackErr(fmt.Errorf("%w: the download is not a zip file (%v)", errNotArchive, err))
		}
	}
	mv := module.Version{Path: dist.ToolchainModule, Version: modVersion}
	if _, err := modzip.CheckZip(mv, zf.Name()); err != nil {
		// The rules' errors quote the zip's file names as they are: a
		// proxy could put terminal escapes in them.
		return contentError{fmt.Errorf("the module zip breaks the module zip rules: %s", untrusted(err.Error(), 2000))}
	}
	prefix := dist.ModuleZipPrefix(rel.Version, in.Platform)
	t := newTree(st.dir, prefix, in.Limits, rep)
	if rf, ok := ra.(*rangedFetch); ok {
		t.arriving = rf.arriving
	}
	hashes, err := unpackZip(ctx, ra, n, t, true)
	if err != nil {
		return unpackErr(err)
	}
	if rf, ok := ra.(*rangedFetch); ok && rf.Wait() == nil {
		// Streaming: the download's final counters come before the
		// unpack's and the verdict, not after them.
		rep.flush(PhaseDownload)
	}
	rep.flush(PhaseUnpack)
	if got := hashes.h1(); got != want.res.h1 {
		return contentError{fmt.Errorf("module zip hash %s does not match the checksum database's %s: the proxy served a tampered or corrupt toolchain", got, want.res.h1)}
	}
	rep.emit(Event{Phase: PhaseVerify, Message: "h1 hash matches the checksum database"})
	if err := restoreGoMods(t); err != nil {
		return fmt.Errorf("finishing the module tree: %w", err)
	}
	return nil
}

// h1 is golang.org/x/mod/sumdb/dirhash.Hash1 over the zip's entries: the
// SHA-256 of the sorted lines "<hex sha256 of file>  <name>\n".
func (z zipHashes) h1() string {
	names := make([]string, 0, len(z))
	for n := range z {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		sum := z[n]
		fmt.Fprintf(h, "%x  %s\n", sum[:], n)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}
