package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/setup"
	"github.com/gosetup/gosetup/toolchain"
)

// runInstall implements `gosetup install [VERSION]`: it parses the flags,
// runs setup's install sequence, and prints what happened.
func runInstall(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("install", "[VERSION] [--dir DIR] [--source auto|archive|module] [--mirror NAME|URL] [--connections N] [--mirrors FILE] [--yes] [--no-modify-path] [--proxy LIST] [--sumdb VALUE] [--private PATTERNS]")
	dirFlag := fs.String("dir", "", "install into `DIR` (default: /usr/local/go for root on Linux and macOS, else a per-user directory; see the README)")
	sourceFlag := fs.String("source", "auto", "download channel: auto, archive (official archives, SHA-256 from the release index) or module (golang.org/toolchain from a GOPROXY, checked against the checksum database)")
	mirrorFlag := fs.String("mirror", "", "download only from this archive mirror or module proxy (catalogue `NAME` or URL)")
	conns := fs.Int("connections", toolchain.DefaultConnections, "download over up to `N` connections in total, at most four per mirror, where mirrors serve byte ranges (1: a single stream)")
	mirrors := mirrorsFlag(fs)
	yes := fs.Bool("yes", false, "replace an existing installation (or put back one an interrupted install left aside) without asking; required without a terminal")
	fs.BoolVar(yes, "y", false, "shorthand for --yes")
	noModifyPath := fs.Bool("no-modify-path", false, "do not change PATH, shell startup files or the registry; print the PATH line to add instead")
	settingsFlags := addSettingFlags(fs, false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	// Every usage error comes before any disk or network work.
	if err := noEmptyFlags(fs, "dir", "mirrors", "mirror"); err != nil {
		return err
	}
	if *noModifyPath && settingsFlags.any() {
		return usagef("--no-modify-path cannot be combined with --proxy, --sumdb, --private, --noproxy or --nosumdb: they are written where PATH is; drop one or the other")
	}
	if len(rest) > 1 {
		return usagef("install takes one VERSION, got %d arguments (%s); quote a constraint: gosetup install '>=1.21, <1.23'", len(rest), strings.Join(rest, " "))
	}
	req := setup.InstallRequest{Spec: "latest", Dir: *dirFlag, Source: toolchain.Source(*sourceFlag), Mirror: *mirrorFlag, Yes: *yes, Connections: *conns}
	if len(rest) == 1 {
		if strings.TrimSpace(rest[0]) == "" {
			return usagef("VERSION is empty; give a version such as 1.22 or latest, or leave it out for the latest")
		}
		req.Spec = rest[0]
	}
	if err := req.Check(); err != nil {
		return usageFor(err)
	}
	var sreq setup.SettingsRequest
	if !*noModifyPath {
		sreq = settingsFlags.request()
		if err := (&setup.Flow{Env: a.envwriterEnv()}).CheckSettings(sreq); err != nil {
			return usageFor(err)
		}
	}

	flow, err := a.flow(*mirrors)
	if err != nil {
		return err
	}
	pr := newInstallProgress(a.stderr, a.isTerminal(a.stderr))
	flow.Progress = pr.handle
	flow.Notify = pr.notice
	flow.Confirm = a.confirm
	if !*noModifyPath {
		// Settings are resolved (--proxy auto probes) before anything is
		// downloaded, so that no probe failure comes after an install.
		if sreq, err = flow.ResolveSettings(ctx, sreq); err != nil {
			return settingsError(err)
		}
		req.Settings = &sreq
	}
	out, err := flow.Install(ctx, req)
	pr.close()
	if out != nil && out.AlreadyInstalled {
		fmt.Fprintf(a.stdout, "%s is already installed in %s; nothing to do\n", out.Release.Version, out.Dir)
		return nil
	}
	if err != nil {
		if out != nil && out.Result != nil {
			// Installed, but the settings failed: say both.
			fmt.Fprintln(a.stdout, summary(out.Result))
		}
		return installAdvice(err)
	}
	fmt.Fprintln(a.stdout, summary(out.Result))
	if *noModifyPath {
		printPathHint(a, out.Result)
		return nil
	}
	if out.Settings != nil {
		describePlan(a.stderr, out.Settings, a.getenv("HOME"))
		fmt.Fprintln(a.stderr, shellHint(out.Settings))
	}
	return nil
}

// printPathHint says what to add to PATH when gosetup was told not to.
func printPathHint(a *app, res *toolchain.Result) {
	bin := filepath.Join(res.Dir, "bin")
	if other := toolchain.FindGoOnPath(a.getenv); other != "" && sameFile(filepath.Dir(other), bin) {
		return
	}
	fmt.Fprintf(a.stderr, "gosetup: %s is not first on your PATH; add it, e.g. in your shell's startup file:\n  export PATH=%s:$PATH\n", bin, bin)
}

// confirm answers setup's questions. Like rustup, without a terminal it
// never asks: the answer is no, and the face's advice says --yes.
func (a *app) confirm(q setup.Question) bool {
	if !a.isTerminal(a.stdin) || !a.isTerminal(a.stderr) {
		return false
	}
	switch q.Kind {
	case setup.AskRestore:
		fmt.Fprintf(a.stderr, "Put the previous installation back in %s and go on? [y/N] ", q.Dir)
	default:
		fmt.Fprintf(a.stderr, "Replace it? [y/N] ")
	}
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// installAdvice adds the command line's advice to setup's errors.
func installAdvice(err error) error {
	var nc *setup.NotConfirmedError
	var ng *toolchain.NotGoDirError
	var busy *toolchain.BusyError
	var surv *toolchain.SurvivorError
	switch {
	case errors.As(err, &nc) && nc.Question.Kind == setup.AskRestore:
		return fmt.Errorf("install: %w; or rerun with --yes to put it back and go on", err)
	case errors.As(err, &nc):
		q := nc.Question
		return fmt.Errorf("install: not replacing %s (Go %s): answer y on a terminal, or rerun with --yes to replace it, or choose another --dir", q.Dir, orUnknown(q.Existing.Version))
	case errors.As(err, &surv):
		return fmt.Errorf("install: %w; or rerun with --yes to put it back and go on", err)
	case errors.As(err, &ng):
		return fmt.Errorf("install: %w (use --dir for another directory)", err)
	case errors.As(err, &busy):
		return fmt.Errorf("install: %w", err)
	}
	return withCatalogAdvice("install", err)
}

// withCatalogAdvice prefixes err with the command's name and adds the
// command line's advice for an error that a mirror catalogue given with
// --mirrors would fix. A NoSourceError is laid out one source a line.
func withCatalogAdvice(cmd string, err error) error {
	var ms *toolchain.MissingSumDBError
	var ns *toolchain.NoSourceError
	switch {
	case errors.As(err, &ms):
		return fmt.Errorf("%s: %w (give it with --mirrors FILE, or set GOSUMDB=name+key)", cmd, err)
	case errors.As(err, &ns):
		reasons := ns.Reasons()
		if len(reasons) == 0 {
			return fmt.Errorf("%s: %w (give a catalogue that lists one with --mirrors FILE)", cmd, err)
		}
		var b strings.Builder
		// The wrapping context stays; only the one-line list of reasons is
		// replaced by the layout below.
		b.WriteString(cmd + ": " + strings.Replace(err.Error(), ns.Error(), "no release source answered", 1))
		for _, r := range reasons {
			b.WriteString("\n  " + r)
		}
		b.WriteString("\ncheck the network connection and HTTPS_PROXY/NO_PROXY, or give a mirror catalogue that names a reachable release index or module proxy with --mirrors FILE")
		return &laidOutError{err: err, text: b.String()}
	}
	return fmt.Errorf("%s: %w", cmd, envAdvice(err))
}

// laidOutError is an error the command line has laid out over several lines;
// it unwraps to the domain error so exit statuses and errors.As still see it.
type laidOutError struct {
	err  error
	text string
}

func (e *laidOutError) Error() string { return e.text }
func (e *laidOutError) Unwrap() error { return e.err }

func orUnknown(v string) string {
	if v == "" {
		return "(unknown version)"
	}
	return v
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
	resumed := ""
	if r.Resumed > 0 {
		resumed = fmt.Sprintf(", %s resumed from an earlier run", mb(r.Resumed))
	}
	return fmt.Sprintf("installed %s in %s from %s %s (%s in %.1fs%s%s)",
		r.Version, r.Dir, r.Source, r.Mirror, mb(r.Bytes), r.Duration.Seconds(), rate, resumed)
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
	lastLine  string // the last progress line printed (plain output)
	barShown  bool
	files     int
}

func newInstallProgress(w io.Writer, live bool) *installProgress {
	return &installProgress{w: w, live: live, version: "Go", lastPct: -1}
}

// notice prints one of setup's notices as a line of its own.
func (p *installProgress) notice(n setup.Notice) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearBar()
	if n.Kind == setup.Warning {
		fmt.Fprintf(p.w, "gosetup: warning: %s\n", n.Text)
		return
	}
	fmt.Fprintf(p.w, "gosetup: %s\n", n.Text)
}

func (p *installProgress) handle(e toolchain.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := e.Phase != p.phase
	switch e.Phase {
	case toolchain.PhaseDownload, toolchain.PhaseUnpack:
		if e.Message != "" {
			// Unpacking again serially says why.
			p.clearBar()
			fmt.Fprintf(p.w, "gosetup: %s\n", e.Message)
			return
		}
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
		if e.Version != "" {
			p.version = e.Version
		}
		line = "choosing the fastest source for " + p.version
		if e.Version == "" && e.Message != "" {
			// --source auto says which channel it chose and why.
			line = e.Message
		}
	case toolchain.PhaseConnect:
		line = fmt.Sprintf("downloading %s via %s from %s", p.version, e.Source, e.Mirror)
		if e.Message != "" {
			line = fmt.Sprintf("%s: %s", e.Mirror, e.Message)
		}
	case toolchain.PhaseFailover:
		if e.Dropped != nil {
			line = fmt.Sprintf("%s dropped from the download: %v; the other connections carry on", e.Mirror, e.Dropped)
		} else if e.Mirror != "" && e.Message != "" {
			line = fmt.Sprintf("%s %s: %v", e.Mirror, e.Message, e.Err)
		} else if e.Mirror != "" {
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
	line := p.counts(e)
	if pct >= 0 {
		line = fmt.Sprintf("%3d%% %s", pct, line)
	}
	switch {
	case e.Final:
		// The last counters of the download or the unpack: shown
		// unless the line says nothing new, so the log ends on the
		// real totals (files go on unpacking after the last byte).
		if line == p.lastLine {
			return
		}
	case !changed && now.Sub(p.lastPlain) < 3*time.Second && (pct < 0 || step == p.lastPct):
		return
	}
	p.lastPlain, p.lastPct, p.lastLine = now, step, line
	fmt.Fprintf(p.w, "gosetup: %s\n", line)
}

func (p *installProgress) counts(e toolchain.Event) string {
	s := mb(e.Done)
	if e.Total > 0 {
		s += " of " + mb(e.Total)
	}
	if e.Rate > 0 {
		s += fmt.Sprintf(" at %s/s", mb(int64(e.Rate)))
	}
	if e.Conns > 1 {
		s += fmt.Sprintf(" over %d connections", e.Conns)
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
