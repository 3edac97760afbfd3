package toolchain

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/httpx"
)

// Defaults for Finder's tuning fields.
const (
	// DefaultSourceTimeout bounds one source's whole answer. The full
	// release index is a few megabytes, so this is generous.
	DefaultSourceTimeout = 45 * time.Second
	// DefaultGrace is how long Releases keeps waiting for the slower of the
	// two channels once the other one has answered.
	DefaultGrace = 5 * time.Second
	// DefaultStagger is how long a source gets before the next one in the
	// catalogue is also asked (sooner if it fails). Asking one at a time in
	// catalogue order, but not waiting forever on a dead one, keeps traffic
	// low and still makes a hanging mirror harmless.
	DefaultStagger = 300 * time.Millisecond
)

// Finder discovers releases from the catalogue's release indexes and module
// proxies.
type Finder struct {
	Client  *http.Client // from internal/httpx
	Catalog *catalog.Catalog
	// Platform is the platform the caller will install for; Releases warns
	// when the sources that answered serve nothing for it.
	Platform dist.Platform
	// Proxy, when set, restricts the module-list query to this GOPROXY
	// base URL (a --mirror choice or the user's own GOPROXY).
	Proxy string

	// SourceTimeout bounds each source's request (0: DefaultSourceTimeout).
	SourceTimeout time.Duration
	// Grace is how long to keep waiting for the other channel once one has
	// answered (0: DefaultGrace; negative: wait for both to finish).
	Grace time.Duration
	// Stagger is the head start each source gets before the next is asked
	// too (0: DefaultStagger; negative: ask all at once).
	Stagger time.Duration

	// OnSource, if set, is told as each source finishes: err is nil for
	// the one that answered, else why it failed (context.Canceled for a
	// source dropped because another won). It lets a UI show sources live.
	// It is called from several goroutines at once.
	OnSource func(kind catalog.Kind, e catalog.Entry, err error)
}

// ReleaseSet is what the sources know, merged.
type ReleaseSet struct {
	// Releases is newest first.
	Releases []Release
	// IndexSource is the catalogue name of the index that answered ("" if none).
	IndexSource string
	// ModuleSource is the catalogue name (or URL) of the proxy whose module
	// list answered ("" if none).
	ModuleSource string
	// Warnings say what is missing, e.g. that no index answered and only the
	// module channel can be used.
	Warnings []string
}

// SourceError is one source's failure.
type SourceError struct {
	Kind catalog.Kind // index or proxy
	Name string
	URL  string
	Err  error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("%s %s (%s): %v", e.Kind, e.Name, e.URL, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// NoSourceError is returned by Releases when neither a release index nor a
// module proxy answered. Its message is one line; a face that lays the
// failures out one per line, with its own advice, uses Reasons.
type NoSourceError struct{ Failures []*SourceError }

func (e *NoSourceError) Error() string {
	if len(e.Failures) == 0 {
		return "no release source answered: the mirror catalogue lists no release index and no module proxy"
	}
	return "no release source answered: " + strings.Join(e.Reasons(), "; ")
}

// Reasons is one line per source tried, in the order of Failures, saying
// which source it was and why it failed. It is empty when the catalogue
// listed no source at all.
func (e *NoSourceError) Reasons() []string {
	out := make([]string, 0, len(e.Failures))
	for _, f := range e.Failures {
		// A source's error text can come from a server; keep it on one line.
		out = append(out, strings.Join(strings.Fields(f.Error()), " "))
	}
	return out
}

// Releases races the catalogue's index entries (the official index and its
// China twin: whichever answers first with a valid JSON index wins, the rest
// are cancelled) and, in parallel, the module proxies' golang.org/toolchain
// version lists (first good answer wins), then merges them: Release.Files
// from the index, Release.Modules from the module list. It fails only if no
// source answered; a missing channel becomes a warning.
func (f *Finder) Releases(ctx context.Context) (*ReleaseSet, error) {
	if f.Catalog == nil {
		return nil, errors.New("toolchain: Finder has no catalogue")
	}
	client, err := httpx.OrDefault(f.Client)
	if err != nil {
		return nil, err
	}
	timeout := orDefault(f.SourceTimeout, DefaultSourceTimeout)
	stagger := orDefault(f.Stagger, DefaultStagger)
	grace := orDefault(f.Grace, DefaultGrace)

	indexes := f.Catalog.List(catalog.KindIndex)
	proxies := f.proxies()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Each channel gets its own context so that the grace period can end
	// the slower one without touching the other's result.
	idxCtx, idxCancel := context.WithCancel(ctx)
	defer idxCancel()
	modCtx, modCancel := context.WithCancel(ctx)
	defer modCancel()

	type indexResult struct {
		rels  []Release
		src   catalog.Entry
		fails []*SourceError
	}
	type modResult struct {
		mods  map[string][]string
		src   catalog.Entry
		fails []*SourceError
	}
	idxCh := make(chan indexResult, 1)
	modCh := make(chan modResult, 1)
	go func() {
		rels, src, fails := race(idxCtx, catalog.KindIndex, indexes, stagger, timeout, f.OnSource, func(ctx context.Context, e catalog.Entry) ([]Release, error) {
			return fetchIndex(ctx, client, e)
		})
		idxCh <- indexResult{rels, src, fails}
	}()
	go func() {
		mods, src, fails := race(modCtx, catalog.KindProxy, proxies, stagger, timeout, f.OnSource, func(ctx context.Context, e catalog.Entry) (map[string][]string, error) {
			return fetchModuleList(ctx, client, e.URL)
		})
		modCh <- modResult{mods, src, fails}
	}()

	var idx indexResult
	var mod modResult
	var graceTimer *time.Timer
	var graceC <-chan time.Time
	graceFired := false
	gotIdx, gotMod := false, false
	for !gotIdx || !gotMod {
		select {
		case idx = <-idxCh:
			gotIdx = true
			idxCh = nil
		case mod = <-modCh:
			gotMod = true
			modCh = nil
		case <-graceC:
			// The slower channel had its chance; stop it and take what
			// the race reports (its cancelled sources become failures).
			idxCancel()
			modCancel()
			graceC = nil
			graceFired = true
			continue
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// The first channel to answer successfully starts the grace
		// period for the other (once).
		if graceTimer == nil && grace >= 0 && gotIdx != gotMod &&
			((gotIdx && idx.rels != nil) || (gotMod && mod.mods != nil)) {
			graceTimer = time.NewTimer(grace)
			defer graceTimer.Stop()
			graceC = graceTimer.C
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if graceFired {
		for _, f := range append(idx.fails, mod.fails...) {
			if errors.Is(f.Err, context.Canceled) {
				f.Err = fmt.Errorf("gave up waiting %s after the other channel answered", grace)
			}
		}
	}
	set := &ReleaseSet{}
	if idx.rels != nil {
		set.IndexSource = idx.src.Name
	}
	if mod.mods != nil {
		set.ModuleSource = mod.src.Name
	}
	switch {
	case idx.rels == nil && mod.mods == nil:
		return nil, &NoSourceError{Failures: append(idx.fails, mod.fails...)}
	case idx.rels == nil:
		set.Warnings = append(set.Warnings, "release index unreachable"+describe(idx.fails, "the catalogue lists no release index")+
			"; using the module channel only (archive downloads need the index's SHA-256)")
	case mod.mods == nil:
		set.Warnings = append(set.Warnings, "module proxies unreachable"+describe(mod.fails, "the catalogue lists no module proxy")+
			"; using the release index only (no module channel)")
	}
	set.Releases = merge(idx.rels, mod.mods)
	if f.Platform.OS != "" && len(set.Installable(f.Platform, true)) == 0 {
		set.Warnings = append(set.Warnings, fmt.Sprintf("the sources that answered offer no Go release for %s", f.Platform))
	}
	return set, nil
}

func (f *Finder) proxies() []catalog.Entry {
	if f.Proxy == "" {
		return f.Catalog.List(catalog.KindProxy)
	}
	want := strings.TrimRight(f.Proxy, "/")
	for _, e := range f.Catalog.List(catalog.KindProxy) {
		if e.URL == want || e.Name == f.Proxy {
			return []catalog.Entry{e}
		}
	}
	return []catalog.Entry{{Name: want, URL: want}}
}

func describe(fails []*SourceError, none string) string {
	if len(fails) == 0 {
		return " (" + none + ")"
	}
	var parts []string
	for _, f := range fails {
		parts = append(parts, fmt.Sprintf("%s: %v", f.Name, f.Err))
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return -1
	}
	return d
}

// race asks entries in order, each getting a head start of stagger before
// the next is asked too (the next starts at once when one fails), and
// returns the first success, cancelling the others. With no success it
// returns the zero T and every source's failure.
func race[T any](ctx context.Context, kind catalog.Kind, entries []catalog.Entry, stagger, timeout time.Duration,
	report func(catalog.Kind, catalog.Entry, error), fetch func(context.Context, catalog.Entry) (T, error)) (T, catalog.Entry, []*SourceError) {
	var zero T
	if len(entries) == 0 {
		return zero, catalog.Entry{}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i   int
		v   T
		err error
	}
	results := make(chan result, len(entries))
	var wg sync.WaitGroup
	defer wg.Wait() // no fetch outlives race
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx := ctx
			if timeout > 0 {
				var c context.CancelFunc
				rctx, c = context.WithTimeout(ctx, timeout)
				defer c()
			}
			v, err := fetch(rctx, entries[i])
			if err != nil && rctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
				err = fmt.Errorf("no answer within %s: %w", timeout, err)
			}
			if report != nil {
				report(kind, entries[i], err)
			}
			results <- result{i, v, err}
		}()
	}
	next := 0
	start(next)
	next++
	errs := make([]*SourceError, len(entries))
	pending := 1
	var tick *time.Timer
	var tickC <-chan time.Time
	arm := func() {
		// A timer armed for an earlier source must not fire once every
		// source has started.
		tickC = nil
		if next < len(entries) && stagger >= 0 {
			if tick == nil {
				tick = time.NewTimer(stagger)
			} else {
				tick.Reset(stagger)
			}
			tickC = tick.C
		}
	}
	if stagger < 0 {
		for ; next < len(entries); next++ {
			start(next)
			pending++
		}
	}
	arm()
	defer func() {
		if tick != nil {
			tick.Stop()
		}
	}()
	for pending > 0 {
		select {
		case r := <-results:
			pending--
			if r.err == nil {
				cancel()
				return r.v, entries[r.i], nil
			}
			errs[r.i] = &SourceError{Kind: kind, Name: entries[r.i].Name, URL: entries[r.i].URL, Err: r.err}
			if next < len(entries) {
				start(next)
				next++
				pending++
				arm()
			}
		case <-tickC:
			tickC = nil
			start(next)
			next++
			pending++
			arm()
		}
	}
	var out []*SourceError
	for i, e := range errs {
		if e == nil && i < next {
			e = &SourceError{Kind: kind, Name: entries[i].Name, URL: entries[i].URL, Err: context.Canceled}
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return zero, catalog.Entry{}, out
}

// merge joins the index's releases with the module list's platforms by
// version, newest first.
func merge(index []Release, modules map[string][]string) []Release {
	byVersion := map[string]*Release{}
	var out []*Release
	for _, r := range index {
		r := r
		if prev, ok := byVersion[r.Version]; ok {
			prev.Files = append(prev.Files, r.Files...)
			continue
		}
		byVersion[r.Version] = &r
		out = append(out, &r)
	}
	for v, plats := range modules {
		r, ok := byVersion[v]
		if !ok {
			r = &Release{Version: v, Stable: dist.IsStable(v)}
			byVersion[v] = r
			out = append(out, r)
		}
		r.Modules = append([]string(nil), plats...)
		sort.Strings(r.Modules)
	}
	sort.SliceStable(out, func(i, j int) bool { return dist.Compare(out[i].Version, out[j].Version) > 0 })
	rels := make([]Release, len(out))
	for i, r := range out {
		rels[i] = *r
	}
	return rels
}
