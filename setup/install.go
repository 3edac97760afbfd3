package setup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/userenv"
	"github.com/gosetup/gosetup/toolchain"
)

// InstallRequest is what the user asked to install, and where.
type InstallRequest struct {
	// Spec chooses the release: "latest" (or ""), "1.22", "go1.22.5" or a
	// constraint such as ">=1.21, <1.23".
	Spec string
	// Dir is the install directory; "" means Flow.DefaultDir.
	Dir string
	// Source is the download channel (auto when empty).
	Source toolchain.Source
	// Mirror restricts the download to one archive mirror or module proxy
	// (catalogue name or URL).
	Mirror string
	// Yes answers yes to every question (replace, restore) without
	// asking Confirm.
	Yes bool
	// Connections is how many connections the download may use in total
	// (spread over a few mirrors serving byte ranges); 0 means
	// toolchain.DefaultConnections, 1 a single stream.
	Connections int
	// Settings, when set, are written with the toolchain's PATH entry
	// once it is in place; nil writes nothing (the face prints the PATH
	// line instead). They must already be resolved (ResolveSettings).
	Settings *SettingsRequest
}

// MaxConnections bounds InstallRequest.Connections: more connections than
// this only get a client banned by mirrors.
const MaxConnections = 16

// InvalidConnectionsError is a connection count out of range.
type InvalidConnectionsError struct{ N int }

func (e *InvalidConnectionsError) Error() string {
	return fmt.Sprintf("%d connections: use 1 (one stream) to %d", e.N, MaxConnections)
}

// InvalidSourceError is a download channel that does not exist.
type InvalidSourceError struct{ Source string }

func (e *InvalidSourceError) Error() string {
	return fmt.Sprintf("source %q: use auto, archive or module", e.Source)
}

// Check validates r without touching the disk or the network.
func (r InstallRequest) Check() error {
	if r.Connections < 0 || r.Connections > MaxConnections {
		return &InvalidConnectionsError{N: r.Connections}
	}
	if r.Source != "" {
		if _, ok := toolchain.ParseSource(string(r.Source)); !ok {
			return &InvalidSourceError{Source: string(r.Source)}
		}
	}
	return nil
}

// InstallOutcome is what Install did.
type InstallOutcome struct {
	Release toolchain.Release
	Dir     string
	// Existing is what was at Dir before.
	Existing toolchain.Existing
	// AlreadyInstalled: Dir already held this release, and it runs;
	// nothing was downloaded and no settings were written.
	AlreadyInstalled bool
	// Restored is the previous installation an interrupted install left
	// aside, put back before installing.
	Restored *toolchain.Leftover
	// Result is the toolchain install (nil when AlreadyInstalled).
	Result *toolchain.Result
	// Settings is the settings plan applied (nil when none was asked).
	Settings *envwriter.Plan
	// OtherGo is the go first on PATH when it is not Dir's.
	OtherGo string
}

// NotConfirmedError: replacing (or restoring) needed a yes it did not get.
type NotConfirmedError struct {
	Question Question
}

func (e *NotConfirmedError) Error() string {
	q := e.Question
	if q.Kind == AskRestore {
		return (&toolchain.SurvivorError{Dir: q.Dir, Old: q.Old}).Error()
	}
	return fmt.Sprintf("%s already holds Go %s; not replacing it with %s without a yes", q.Dir, orUnknown(q.Existing.Version), q.Version)
}

// InstallError is a failed toolchain install; the target is as it was.
type InstallError struct {
	Version  string
	Dir      string
	Existing toolchain.Existing
	Err      error
}

func (e *InstallError) Error() string {
	what := "failed"
	if errors.Is(e.Err, context.Canceled) {
		what = "stopped"
	}
	untouched := "nothing was installed in " + e.Dir
	if e.Existing.IsGo {
		untouched = fmt.Sprintf("the existing installation in %s (%s) was left untouched", e.Dir, orUnknown(e.Existing.Version))
	}
	return fmt.Sprintf("install of %s %s: %v; %s", e.Version, what, e.Err, untouched)
}

func (e *InstallError) Unwrap() error { return e.Err }

// SettingsError: the toolchain is installed, but writing PATH and the
// settings failed.
type SettingsError struct {
	Dir string
	Err error
}

func (e *SettingsError) Error() string {
	return fmt.Sprintf("the toolchain is installed in %s, but writing PATH failed: %v; add %s to PATH yourself", e.Dir, e.Err, filepath.Join(e.Dir, "bin"))
}

func (e *SettingsError) Unwrap() error { return e.Err }

func orUnknown(v string) string {
	if v == "" {
		return "(unknown version)"
	}
	return v
}

// Install runs the install sequence: look at the target (refusing
// anything that is not a Go installation, before any network work),
// offer to put back what an interrupted install left, choose the
// release, skip it when it is already there, ask before replacing, take
// the target's lock (waiting for another install), remove leftovers,
// install, and write the settings, recording the toolchain for uninstall.
func (f *Flow) Install(ctx context.Context, req InstallRequest) (*InstallOutcome, error) {
	if err := req.Check(); err != nil {
		return nil, err
	}
	if f.Catalog == nil {
		return nil, errors.New("setup: Flow has no catalogue")
	}
	dir := req.Dir
	if dir == "" {
		dir = f.DefaultDir()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	out := &InstallOutcome{Dir: dir}
	if out.Existing, err = inspect(dir); err != nil {
		return nil, err
	}

	// A previous installation that only survives aside: ask now, act
	// under the lock.
	restore, survivor := false, (*toolchain.Leftover)(nil)
	if !out.Existing.Exists {
		if los, err := toolchain.FindLeftovers(dir); err == nil {
			for i, lo := range los {
				if lo.Kind == toolchain.LeftoverOld {
					survivor = &los[i]
					break
				}
			}
		}
	}
	if survivor != nil {
		q := Question{Kind: AskRestore, Dir: dir, Old: *survivor}
		f.notify(Warning, (&toolchain.SurvivorError{Dir: dir, Old: *survivor}).Error())
		if restore = req.Yes || f.confirm(q); !restore {
			return nil, &NotConfirmedError{Question: q}
		}
	}

	rel, err := f.selectRelease(ctx, req)
	if err != nil {
		return nil, err
	}
	out.Release = rel
	// Already there: nothing to ask, but leftovers are still cleaned
	// under the lock below.
	done, err := f.alreadyInstalled(ctx, out.Existing, dir, rel.Version)
	if err != nil {
		return nil, err
	}
	replacing := out.Existing
	if survivor != nil {
		replacing = toolchain.Existing{Exists: true, IsGo: true, Version: survivor.Version}
	}
	if replacing.IsGo && !done {
		f.notify(Info, fmt.Sprintf("%s already holds Go %s; it will be replaced by %s", dir, orUnknown(replacing.Version), rel.Version))
		q := Question{Kind: AskReplace, Dir: dir, Version: rel.Version, Existing: replacing}
		if !req.Yes && !f.confirm(q) {
			return nil, &NotConfirmedError{Question: q}
		}
	}

	lock, err := toolchain.LockTarget(ctx, dir, orDefault(f.LockWait, toolchain.DefaultLockWait), func() {
		f.notify(Info, "another gosetup install into "+dir+" is running; waiting for it to finish")
	})
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	removed, err := lock.CleanLeftovers()
	for _, lo := range removed {
		f.notify(Info, fmt.Sprintf("removed what an interrupted install left: %s (%s)", lo.Path, lo.Kind))
	}
	var se *toolchain.SurvivorError
	var ce *toolchain.CleanupError
	switch {
	case errors.As(err, &se) && restore:
		if err := lock.Restore(se.Old); err != nil {
			return nil, err
		}
		f.notify(Info, fmt.Sprintf("put the previous installation (%s) back in %s", orUnknown(se.Old.Version), dir))
		out.Restored = &se.Old
	case errors.As(err, &se):
		// It appeared while we were not looking: ask again next time.
		return nil, se
	case errors.As(err, &ce):
		f.notify(Warning, ce.Error())
	case err != nil:
		return nil, err
	}
	// Another install may have finished while we waited for the lock.
	now, err := inspect(dir)
	if err != nil {
		return nil, err
	}
	if done, err := f.alreadyInstalled(ctx, now, dir, rel.Version); err != nil || done {
		out.AlreadyInstalled = done
		return out, err
	}
	out.Existing = now

	if other := toolchain.FindGoOnPath(f.getenv()); other != "" && !sameFile(other, filepath.Join(dir, "bin", filepath.Base(other))) {
		out.OtherGo = other
		f.notify(Warning, fmt.Sprintf("the go first on your PATH is %s, not the one being installed in %s", other, dir))
	}
	in := &toolchain.Installer{
		Client: f.Client, Catalog: f.Catalog, Platform: f.platform(), CacheDir: f.cacheDir(),
		SumDB:    ChecksumDB(f.effectiveGOSUMDB(), f.Client, f.Catalog, f.cacheDir()),
		Progress: f.Progress, Connections: req.Connections,
	}
	if in.Connections == 0 {
		in.Connections = toolchain.DefaultConnections
	}
	if f.installer != nil {
		f.installer(in)
	}
	res, err := in.Install(ctx, toolchain.Request{Release: rel, Dir: dir, Source: req.Source, Mirror: req.Mirror, Lock: lock})
	if err != nil {
		return nil, &InstallError{Version: rel.Version, Dir: dir, Existing: now, Err: err}
	}
	out.Result = res
	for _, w := range res.Warnings {
		f.notify(Warning, w)
	}
	lock.Release() // the settings have their own lock
	if req.Settings == nil {
		return out, nil
	}
	if out.Settings, err = f.WriteInstallSettings(ctx, *req.Settings, dir); err != nil {
		return out, err
	}
	return out, nil
}

// inspect refuses a target that is not a Go installation.
func inspect(dir string) (toolchain.Existing, error) {
	ex, err := toolchain.Inspect(dir)
	if err != nil {
		return ex, fmt.Errorf("looking at %s: %w", dir, err)
	}
	if ex.Exists && !ex.Empty && !ex.IsGo {
		return ex, &toolchain.NotGoDirError{Dir: dir}
	}
	return ex, nil
}

// selectRelease asks the sources which releases exist and picks req's.
func (f *Flow) selectRelease(ctx context.Context, req InstallRequest) (toolchain.Release, error) {
	host := f.platform()
	finder := &toolchain.Finder{Client: f.Client, Catalog: f.Catalog, Platform: host}
	if req.Mirror != "" && req.Source != toolchain.SourceArchive {
		if e, err := f.Catalog.Lookup(catalog.KindProxy, req.Mirror); err == nil {
			finder.Proxy = e.URL
		}
	}
	f.notify(Info, "looking up Go releases for "+host.String())
	set, err := finder.Releases(ctx)
	if err != nil {
		return toolchain.Release{}, err
	}
	for _, w := range set.Warnings {
		f.notify(Warning, w)
	}
	spec := req.Spec
	if spec == "" {
		spec = "latest"
	}
	return set.Select(spec, host, false)
}

// alreadyInstalled: ex is version and its go runs and says so.
func (f *Flow) alreadyInstalled(ctx context.Context, ex toolchain.Existing, dir, version string) (bool, error) {
	if !ex.IsGo || ex.Version != version || f.platform() != dist.Host() {
		return false, nil
	}
	return toolchain.GoVersion(ctx, filepath.Join(dir, "bin", toolchain.GoExe(runtime.GOOS))) == version, nil
}

// WriteInstallSettings puts the toolchain's bin and GOPATH's bin first on
// PATH, with r's settings, and records the toolchain for uninstall.
// Installing is the consent, as with rustup: the plan is applied without
// asking again (the face shows it).
func (f *Flow) WriteInstallSettings(ctx context.Context, r SettingsRequest, dir string) (*envwriter.Plan, error) {
	r.Settings.Path = []string{filepath.Join(dir, "bin"), filepath.Join(f.GOPATH(), "bin")}
	if err := r.Settings.Validate(f.goos()); err != nil {
		return nil, &SettingsError{Dir: dir, Err: err}
	}
	p, err := f.PlanSettings(ctx, r, dir)
	if err != nil {
		return nil, &SettingsError{Dir: dir, Err: err}
	}
	// Nobody approved this exact plan: if another gosetup changed the
	// record meanwhile, the plan made afresh is written.
	if err := p.ApplyFresh(ctx); err != nil {
		return p, &SettingsError{Dir: dir, Err: err}
	}
	return p, nil
}

// GOPATH is the first GOPATH entry, or the go command's default ~/go.
func (f *Flow) GOPATH() string {
	if g, err := envwriter.ResolveGoEnv(f.Env); err == nil {
		if list := filepath.SplitList(g.Get("GOPATH")); len(list) > 0 && filepath.IsAbs(list[0]) {
			return list[0]
		}
	}
	home, err := userenv.Home(f.goos(), f.getenv())
	if err != nil {
		home = "."
	}
	return filepath.Join(home, "go")
}
