package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/toolchain"
)

// runInstall implements `gosetup install [VERSION]`: choose the release,
// report what is already there, confirm a replacement, install it
// atomically, and print a one-line summary.
func runInstall(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("install", "[VERSION] [--dir DIR] [--source auto|archive|module] [--mirror NAME|URL] [--mirrors FILE] [--yes] [--no-modify-path] [--proxy LIST] [--sumdb VALUE] [--private PATTERNS]")
	dirFlag := fs.String("dir", "", "install into `DIR` (default: /usr/local/go for root on Linux and macOS, else a per-user directory; see the README)")
	sourceFlag := fs.String("source", "auto", "download channel: auto, archive (official archives, SHA-256 from the release index) or module (golang.org/toolchain from a GOPROXY, checked against the checksum database)")
	mirrorFlag := fs.String("mirror", "", "download only from this archive mirror or module proxy (catalogue `NAME` or URL)")
	mirrors := mirrorsFlag(fs)
	yes := fs.Bool("yes", false, "replace an existing installation without asking (required without a terminal)")
	fs.BoolVar(yes, "y", false, "shorthand for --yes")
	noModifyPath := fs.Bool("no-modify-path", false, "do not change PATH, shell startup files or the registry; print the PATH line to add instead")
	settingsFlags := addSettingFlags(fs, false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *noModifyPath && settingsFlags.any() {
		return usagef("--no-modify-path cannot be combined with --proxy, --sumdb, --private, --noproxy or --nosumdb: they are written where PATH is; drop one or the other")
	}
	// Settings are resolved and validated before anything is downloaded, so
	// that a bad --proxy is a usage error and not a failure after the install.
	var settings envwriter.Settings
	scope := envwriter.ScopeShell
	if !*noModifyPath {
		if settings, scope, err = settingsFlags.resolve(ctx, a, *mirrors, runtime.GOOS); err != nil {
			return err
		}
	}
	if len(rest) > 1 {
		return usagef("install takes one VERSION, got %d arguments (%s); quote a constraint: gosetup install '>=1.21, <1.23'", len(rest), strings.Join(rest, " "))
	}
	spec := "latest"
	if len(rest) == 1 {
		spec = rest[0]
	}
	source, ok := toolchain.ParseSource(*sourceFlag)
	if !ok {
		return usagef("--source %q: use auto, archive or module", *sourceFlag)
	}
	dir := *dirFlag
	if dir == "" {
		dir = toolchain.DefaultDir(runtime.GOOS, toolchain.IsRoot(), a.getenv)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return usagef("--dir %q: %v", *dirFlag, err)
	}

	// Look at the target before the network: a directory that is not a Go
	// installation is refused at once.
	existing, err := toolchain.Inspect(dir)
	if err != nil {
		return fmt.Errorf("install: looking at %s: %w", dir, err)
	}
	if existing.Exists && !existing.Empty && !existing.IsGo {
		return fmt.Errorf("install: %w", &toolchain.NotGoDirError{Dir: dir})
	}

	cat, client, err := a.network(*mirrors)
	if err != nil {
		return err
	}
	host := dist.Host()
	finder := &toolchain.Finder{Client: client, Catalog: cat, Platform: host}
	if *mirrorFlag != "" && source != toolchain.SourceArchive {
		if e, err := cat.Lookup(catalog.KindProxy, *mirrorFlag); err == nil {
			finder.Proxy = e.URL
		}
	}
	fmt.Fprintf(a.stderr, "gosetup: looking up Go releases for %s\n", host)
	set, err := finder.Releases(ctx)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	for _, w := range set.Warnings {
		fmt.Fprintf(a.stderr, "gosetup: warning: %s\n", w)
	}
	rel, err := set.Select(spec, host, false)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}

	if existing.IsGo && existing.Version == rel.Version && goRuns(ctx, dir, rel.Version) {
		fmt.Fprintf(a.stdout, "%s is already installed in %s; nothing to do\n", rel.Version, dir)
		return nil
	}
	if err := a.confirmReplace(dir, existing, rel.Version, *yes); err != nil {
		return err
	}
	if other := toolchain.FindGoOnPath(a.getenv); other != "" && !sameFile(other, filepath.Join(dir, "bin", filepath.Base(other))) {
		fmt.Fprintf(a.stderr, "gosetup: note: the go first on your PATH is %s, not the one being installed in %s\n", other, dir)
	}

	cacheDir := toolchain.DefaultCacheDir(runtime.GOOS, a.getenv)
	in := &toolchain.Installer{
		Client: client, Catalog: cat, Platform: host, CacheDir: cacheDir,
		SumDB: sumDBFor(a.getenv, client, cat, cacheDir),
	}
	pr := newInstallProgress(a.stderr, a.isTerminal(a.stderr), rel.Version)
	in.Progress = pr.handle
	res, err := in.Install(ctx, toolchain.Request{Release: rel, Dir: dir, Source: source, Mirror: *mirrorFlag})
	pr.close()
	if err != nil {
		untouched := "nothing was installed in " + dir
		if existing.IsGo {
			untouched = fmt.Sprintf("the existing installation in %s (%s) was left untouched", dir, orUnknown(existing.Version))
		}
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return fmt.Errorf("install of %s stopped: %w\n%s", rel.Version, context.Canceled, untouched)
		}
		return fmt.Errorf("install of %s failed: %w\n%s", rel.Version, err, untouched)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(a.stderr, "gosetup: warning: %s\n", w)
	}
	fmt.Fprintln(a.stdout, summary(res))
	if *noModifyPath {
		printPathHint(a, res)
		return nil
	}
	return writeInstallSettings(ctx, a, res.Dir, settings, scope)
}

// printPathHint says what to add to PATH when gosetup was told not to.
func printPathHint(a *app, res *toolchain.Result) {
	bin := filepath.Join(res.Dir, "bin")
	if other := toolchain.FindGoOnPath(a.getenv); other != "" && sameFile(filepath.Dir(other), bin) {
		return
	}
	fmt.Fprintf(a.stderr, "gosetup: %s is not first on your PATH; add it, e.g. in your shell's startup file:\n  export PATH=%s:$PATH\n", bin, bin)
}

// confirmReplace asks before replacing an existing installation. Like
// rustup, without a terminal it never asks: replacing then needs --yes, so
// a script never silently swaps a toolchain it did not expect.
func (a *app) confirmReplace(dir string, ex toolchain.Existing, version string, yes bool) error {
	if !ex.IsGo {
		return nil
	}
	fmt.Fprintf(a.stderr, "gosetup: %s already holds Go %s; it will be replaced by %s\n", dir, orUnknown(ex.Version), version)
	if yes {
		return nil
	}
	if !a.isTerminal(a.stdin) || !a.isTerminal(a.stderr) {
		return fmt.Errorf("install: %s already holds Go %s and there is no terminal to confirm on; rerun with --yes to replace it, or choose another --dir", dir, orUnknown(ex.Version))
	}
	fmt.Fprintf(a.stderr, "Replace it? [y/N] ")
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("install: not replacing %s (answer y to replace, or pass --yes)", dir)
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown version)"
	}
	return v
}

// sumDBFor picks the checksum database as the go command would: $GOSUMDB
// (a shorthand such as sum.golang.google.cn resolved; with a key, and
// optionally a URL, it is added to the catalogue), else the catalogue's
// first database, else sum.golang.org. GOSUMDB=off disables
// the module channel: gosetup never installs an unverified toolchain.
func sumDBFor(getenv func(string) string, client *http.Client, cat *catalog.Catalog, cacheDir string) *toolchain.SumDB {
	name := toolchain.DefaultSumDB
	if len(cat.SumDB) > 0 {
		name = cat.SumDB[0].Name
	}
	if v := strings.TrimSpace(getenv("GOSUMDB")); v != "" {
		if v == "off" {
			return nil
		}
		// name[+key] [url], as the go command reads it.
		f := strings.Fields(v)
		n, _, hasKey := strings.Cut(f[0], "+")
		if db, _, ok := catalog.SumDBAlias(n); ok {
			n = db
		}
		name = n
		if hasKey {
			u := "https://" + n
			if len(f) > 1 {
				u = f[1]
			}
			cat.SumDB = append([]catalog.Entry{{Name: n, URL: strings.TrimRight(u, "/"), Key: f[0]}}, cat.SumDB...)
		}
	}
	return &toolchain.SumDB{Client: client, Catalog: cat, Name: name, CacheDir: filepath.Join(cacheDir, "sumdb")}
}

// goRuns reports whether dir's go reports version (an intact install).
func goRuns(ctx context.Context, dir, version string) bool {
	exe := "go"
	if runtime.GOOS == "windows" {
		exe = "go.exe"
	}
	return goVersion(ctx, filepath.Join(dir, "bin", exe)) == version
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// summary is the final line: what, where, from where, how big, how fast.
func summary(r *toolchain.Result) string {
	rate := ""
	if s := r.Duration.Seconds(); s > 0 {
		rate = fmt.Sprintf(", %s/s", mb(int64(float64(r.Bytes)/s)))
	}
	return fmt.Sprintf("installed %s in %s from %s %s (%s in %.1fs%s)",
		r.Version, r.Dir, r.Source, r.Mirror, mb(r.Bytes), r.Duration.Seconds(), rate)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// installProgress renders toolchain events: a live one-line bar on a
// terminal, and otherwise plain lines at phase changes plus a download line
// at most every few seconds, so CI logs stay short.
type installProgress struct {
	w       io.Writer
	live    bool
	version string

	mu        sync.Mutex
	phase     toolchain.Phase
	lastPlain time.Time
	lastPct   int
	barShown  bool
	files     int
}

func newInstallProgress(w io.Writer, live bool, version string) *installProgress {
	return &installProgress{w: w, live: live, version: version, lastPct: -1}
}

func (p *installProgress) handle(e toolchain.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := e.Phase != p.phase
	switch e.Phase {
	case toolchain.PhaseDownload, toolchain.PhaseUnpack:
		if e.Files > p.files {
			p.files = e.Files
		}
		if e.Phase == toolchain.PhaseUnpack && p.phase == toolchain.PhaseDownload {
			// Download and unpack interleave: keep showing one bar.
			changed = false
		} else {
			p.phase = e.Phase
		}
		p.progress(e, changed)
		return
	}
	p.phase = e.Phase
	var line string
	switch e.Phase {
	case toolchain.PhaseResolve:
		line = "choosing the fastest source for " + p.version
	case toolchain.PhaseConnect:
		line = fmt.Sprintf("downloading %s via %s from %s", p.version, e.Source, e.Mirror)
		if e.Message != "" {
			line = fmt.Sprintf("%s: %s", e.Mirror, e.Message)
		}
	case toolchain.PhaseFailover:
		if e.Mirror != "" {
			line = fmt.Sprintf("%s failed: %v; trying the next", e.Mirror, e.Err)
		} else {
			line = fmt.Sprintf("the %s channel failed: %v; %s", e.Source, e.Err, e.Message)
		}
	case toolchain.PhaseVerify, toolchain.PhaseCheck, toolchain.PhaseSwap:
		line = e.Message
	case toolchain.PhaseDone:
		line = "done: " + e.Message
	}
	if line != "" {
		p.clearBar()
		fmt.Fprintf(p.w, "gosetup: %s\n", line)
	}
}

func (p *installProgress) progress(e toolchain.Event, changed bool) {
	pct := -1
	if e.Total > 0 {
		pct = int(e.Done * 100 / e.Total)
	}
	if p.live {
		bar := ""
		if pct >= 0 {
			const width = 24
			fill := pct * width / 100
			bar = "[" + strings.Repeat("=", fill) + strings.Repeat(" ", width-fill) + fmt.Sprintf("] %3d%% ", pct)
		}
		fmt.Fprintf(p.w, "\r\033[K%s%s", bar, p.counts(e))
		p.barShown = true
		return
	}
	now := time.Now()
	step := pct / 25
	if !changed && now.Sub(p.lastPlain) < 3*time.Second && (pct < 0 || step == p.lastPct) {
		return
	}
	p.lastPlain, p.lastPct = now, step
	if pct >= 0 {
		fmt.Fprintf(p.w, "gosetup: %3d%% %s\n", pct, p.counts(e))
	} else {
		fmt.Fprintf(p.w, "gosetup: %s\n", p.counts(e))
	}
}

func (p *installProgress) counts(e toolchain.Event) string {
	s := mb(e.Done)
	if e.Total > 0 {
		s += " of " + mb(e.Total)
	}
	if e.Rate > 0 {
		s += fmt.Sprintf(" at %s/s", mb(int64(e.Rate)))
	}
	switch {
	case p.files > 0 && e.FilesTotal > 0:
		s += fmt.Sprintf(", %d of %d files unpacked", p.files, e.FilesTotal)
	case p.files > 0:
		s += fmt.Sprintf(", %d files unpacked", p.files)
	}
	return s
}

func (p *installProgress) clearBar() {
	if p.barShown {
		fmt.Fprint(p.w, "\r\033[K")
		p.barShown = false
	}
}

func (p *installProgress) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearBar()
}
