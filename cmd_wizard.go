package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/mod/module"

	"github.com/gosetup/gosetup/doctor"
	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/setup"
	"github.com/gosetup/gosetup/toolchain"
	"github.com/gosetup/gosetup/tui"
)

// runWizard implements plain `gosetup`: the interactive wizard on a
// terminal, line prompts with --accessible, and without a terminal the
// commands that do the same job (exit 2).
func runWizard(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("", "[--lang zh|en] [--accessible] [--dir DIR] [--mirrors FILE]")
	langFlag := fs.String("lang", "", "language of the wizard: zh or en (default: from LC_ALL, LC_MESSAGES or LANG)")
	accessible := fs.Bool("accessible", false, "plain line-by-line prompts for screen readers (also ACCESSIBLE=1 or TERM=dumb)")
	dirFlag := fs.String("dir", "", "install into `DIR` (default: see gosetup install)")
	mirrors := mirrorsFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unknown command %q; run 'gosetup help' for the list", rest[0])
	}
	lang := tui.DetectLang(a.getenv)
	if *langFlag != "" {
		l, ok := tui.ParseLang(*langFlag)
		if !ok {
			return usagef("--lang %q: use zh or en", *langFlag)
		}
		lang = l
	}
	// Decide before any program exists: Bubble Tea v2 opens /dev/tty
	// itself when stdin is not a terminal, which a script never wants.
	if !a.isTerminal(a.stdin) || !a.isTerminal(a.stdout) || !a.isTerminal(a.stderr) {
		t := tui.TextFor(lang)
		fmt.Fprintln(a.stderr, t.NoTTY)
		for _, l := range t.NoTTYLines {
			fmt.Fprintln(a.stderr, "  "+l)
		}
		return errNoTerminal
	}
	flow, err := a.flow(*mirrors)
	if err != nil {
		return err
	}
	cat, client := flow.Catalog, flow.Client
	dir := *dirFlag
	if dir == "" {
		dir = flow.DefaultDir()
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return usagef("--dir %q: %v", *dirFlag, err)
	}
	be := &wizardBackend{a: a, cat: cat, client: client, dir: dir, host: dist.Host(), mirrors: *mirrors, flow: flow}
	acc := *accessible || (a.getenv("ACCESSIBLE") != "" && a.getenv("ACCESSIBLE") != "0") || a.getenv("TERM") == "dumb"
	err = tui.Run(ctx, tui.RunOptions{
		Backend: be, Lang: lang, In: a.stdin, Out: a.stderr,
		Environ: a.environ(), Accessible: acc,
	})
	switch {
	case errors.Is(err, tui.ErrRepair):
		return runRepair(ctx, a, nil)
	case errors.Is(err, tui.ErrInterrupted):
		return errQuiet{exitInterrupted} // the wizard said what was left
	case errors.Is(err, tui.ErrNotFinished):
		return errQuiet{exitFailure}
	case err != nil:
		return errQuiet{exitFailure} // the wizard has shown the error
	}
	return nil
}

// errNoTerminal is a usage error whose advice is already printed.
var errNoTerminal = errQuiet{exitUsage}

// errQuiet ends the program with a status and no further message.
type errQuiet struct{ code int }

func (e errQuiet) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// environ is the app's environment as a list, for Bubble Tea's terminal
// detection (NO_COLOR, TERM, COLORTERM).
func (a *app) environ() []string {
	var out []string
	for _, k := range []string{"TERM", "COLORTERM", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM_PROGRAM", "TMUX", "LANG", "LC_ALL"} {
		if v := a.getenv(k); v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// wizardBackend is the wizard's view of the setup flow: each method calls
// the same domain code the commands call.
type wizardBackend struct {
	a      *app
	cat    *catalog.Catalog
	client *http.Client
	dir    string
	host   dist.Platform
	// mirrors is the --mirrors file, for doctor's own catalogue.
	mirrors string
	flow    *setup.Flow
}

func (b *wizardBackend) env() envwriter.Env { return envwriter.Env{Getenv: b.a.getenv} }

func (b *wizardBackend) Detect(ctx context.Context) (*tui.Detection, error) {
	env := b.env()
	d := &tui.Detection{
		Platform:   b.host.String(),
		Dir:        b.dir,
		Shells:     envwriter.DetectShells(env),
		LoginShell: envwriter.LoginShell(env),
		Undo:       "gosetup uninstall",
		Home:       b.a.getenv("HOME"),
		GOOS:       runtime.GOOS,
	}
	for _, g := range toolchain.FindInstalled(ctx, b.a.getenv) {
		if g.OnPath >= 0 {
			d.Gos = append(d.Gos, tui.InstalledGo{Path: g.Go, Version: g.Version})
		}
	}
	var err error
	if d.Existing, err = toolchain.Inspect(b.dir); err != nil {
		return nil, fmt.Errorf("looking at %s: %w", b.dir, err)
	}
	if d.Settings, err = envwriter.Explain(env); err != nil {
		return nil, err
	}
	// The startup files that exist are the ones a plan would edit.
	if p, err := b.Plan(ctx, tui.Choices{Dir: b.dir, Install: true}); err == nil {
		for _, c := range p.Changes {
			if c.Kind == envwriter.KindStartup && c.Exists {
				d.StartupFiles = append(d.StartupFiles, c.Display())
			}
		}
	}
	return d, nil
}

// Doctor runs every check, as gosetup doctor does, and sums it up.
func (b *wizardBackend) Doctor(ctx context.Context) (*tui.DoctorSummary, error) {
	rep, err := b.a.doctorReport(ctx, nil, false, b.mirrors)
	if err != nil {
		return nil, err
	}
	s := &tui.DoctorSummary{}
	var fails, warns []tui.DoctorFinding
	for _, f := range rep.Findings {
		switch f.Severity {
		case doctor.Fail:
			s.Fail++
			fails = append(fails, tui.DoctorFinding{Check: f.Check, Fail: true, Detail: f.Message})
		case doctor.Warn:
			s.Warn++
			warns = append(warns, tui.DoctorFinding{Check: f.Check, Detail: f.Message})
		default:
			s.OK++
		}
		s.CanRepair = s.CanRepair || (f.Repairable && f.Severity != doctor.OK)
	}
	s.Findings = append(fails, warns...)
	return s, nil
}

func (b *wizardBackend) Releases(ctx context.Context) (*tui.Releases, error) {
	f := &toolchain.Finder{Client: b.client, Catalog: b.cat, Platform: b.host}
	set, err := f.Releases(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := set.Select("latest", b.host, false)
	if err != nil {
		return nil, err
	}
	return &tui.Releases{List: set.Installable(b.host, true), Latest: latest.Version, Warnings: set.Warnings}, nil
}

func (b *wizardBackend) probeOptions() probe.Options {
	return probe.Options{Client: b.client, Catalog: b.cat, Timeout: probe.DefaultTimeout}
}

func (b *wizardBackend) ProbeTargets() ([]probe.Result, time.Duration, error) {
	rows, err := probe.Pending(b.probeOptions())
	return rows, probe.DefaultTimeout, err
}

func (b *wizardBackend) Probe(ctx context.Context, onResult func(probe.Result)) (*probe.Report, error) {
	return probe.Run(ctx, b.probeOptions(), onResult)
}

// Choose takes the probe's recommendation (what --proxy auto writes), or
// the rows the user picked instead.
func (b *wizardBackend) Choose(rep *probe.Report, picks tui.Picks) tui.Mirrors {
	m := tui.Mirrors{Source: toolchain.SourceAuto, GOPROXY: rep.Recommendation.GOPROXY, GOSUMDB: rep.Recommendation.GOSUMDB, Reason: rep.Recommendation.Reason}
	first := ""
	if f := strings.FieldsFunc(m.GOPROXY, func(r rune) bool { return r == ',' || r == '|' }); len(f) > 0 {
		first = f[0]
	}
	if picks.Proxy != "" {
		m.GOPROXY, first = picks.Proxy+",direct", picks.Proxy
	}
	for _, r := range rep.Results {
		switch {
		case r.Kind == catalog.KindArchive && r.OK && m.ArchiveURL == "" && (picks.Archive == "" || picks.Archive == r.URL):
			m.ArchiveURL, m.Mirror, m.Source = r.URL, r.Name, toolchain.SourceArchive
		case r.Kind == catalog.KindProxy && r.OK && m.ProxyURL == "" && strings.TrimRight(r.URL, "/") == strings.TrimRight(first, "/"):
			m.ProxyURL = r.URL
		}
	}
	if m.ArchiveURL == "" && m.ProxyURL != "" {
		m.Source, m.Mirror = toolchain.SourceModule, m.ProxyURL
	}
	return m
}

func (b *wizardBackend) settings(c tui.Choices) envwriter.Settings {
	s := envwriter.Settings{GOPROXY: c.Mirrors.GOPROXY, GOSUMDB: c.Mirrors.GOSUMDB, GOPRIVATE: c.GOPRIVATE}
	if c.Install {
		s.Path = []string{filepath.Join(c.Dir, "bin"), filepath.Join(b.flow.GOPATH(), "bin")}
	}
	return s
}

func (b *wizardBackend) Plan(ctx context.Context, c tui.Choices) (*envwriter.Plan, error) {
	r := setup.SettingsRequest{Settings: b.settings(c)}
	if err := b.flow.CheckSettings(r); err != nil {
		return nil, err
	}
	dir := ""
	if c.Install {
		dir = c.Dir
	}
	return b.flow.PlanSettings(ctx, r, dir)
}

// Install runs setup's install sequence, the one gosetup install runs:
// the review was the consent, so every question is answered yes, and the
// settings are written once the toolchain is in place.
func (b *wizardBackend) Install(ctx context.Context, c tui.Choices, progress func(toolchain.Event)) (*toolchain.Result, *envwriter.Plan, error) {
	f := *b.flow
	f.Progress = progress
	s := b.settings(c)
	s.Path = nil // the flow puts the toolchain's bin and GOPATH's bin first
	out, err := f.Install(ctx, setup.InstallRequest{
		Spec: c.Release.Version, Dir: c.Dir, Source: c.Mirrors.Source, Mirror: c.Mirrors.Mirror, Yes: true,
		Settings: &setup.SettingsRequest{Settings: s},
	})
	if err != nil {
		return nil, nil, err
	}
	res := out.Result
	if res == nil {
		res = &toolchain.Result{Version: out.Release.Version, Dir: out.Dir}
	}
	plan := out.Settings
	if plan == nil && out.AlreadyInstalled {
		// Already there: the flow wrote nothing, so write the settings.
		if plan, err = f.WriteInstallSettings(ctx, setup.SettingsRequest{Settings: s}, out.Dir); err != nil {
			return res, nil, err
		}
	}
	return res, plan, nil
}

func (b *wizardBackend) Apply(ctx context.Context, p *envwriter.Plan) error { return p.Apply(ctx) }

func (b *wizardBackend) ValidatePrivate(s string) error {
	return envwriter.ValidatePatterns("GOPRIVATE", strings.TrimSpace(s))
}

func (b *wizardBackend) Activate(p *envwriter.Plan, shell string) string {
	if runtime.GOOS == "windows" || p == nil {
		return ""
	}
	if shell == "fish" {
		return "source " + fishWord(filepath.Join(p.ConfigDir, "env.fish"))
	}
	return ". " + shellWord(filepath.Join(p.ConfigDir, "env"))
}

// fishWord quotes s for fish, whose single quotes escape \ and '.
func fishWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%") == "" {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// checkModule is the module the fresh shell downloads: small, public and
// in the checksum database. GOSETUP_CHECK_MODULE names another (a company
// whose proxy serves only its own modules, or the tests' mirror world).
const checkModule = "rsc.io/quote@v1.5.2"

// Check starts the user's login shell afresh, with only HOME and a basic
// environment, as a new terminal would, and asks it for go version, the
// GOPROXY it sees, and a real module download through that proxy,
// verified by the checksum database, into a throwaway module cache.
func (b *wizardBackend) Check(ctx context.Context, c tui.Choices) (*tui.Check, error) {
	if runtime.GOOS == "windows" {
		return nil, errors.New("the fresh-shell check runs on Unix shells only; open a new terminal and run go version")
	}
	family := envwriter.LoginShell(b.env())
	if family == "" {
		family = "sh"
	}
	shell := b.a.getenv("SHELL")
	if envwriter.LoginShell(envwriter.Env{Getenv: func(string) string { return shell }}) != family || shell == "" {
		if shell = findShell(family); shell == "" {
			return nil, fmt.Errorf("no %s to start", family)
		}
	}
	cache, err := os.MkdirTemp("", "gosetup-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cache)
	defer exec.Command("chmod", "-R", "u+w", cache).Run() // module caches are read-only
	env := []string{"HOME=" + b.a.getenv("HOME"), "SHELL=" + shell, "TERM=dumb",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		// A throwaway module cache; -mod=mod so no vendor or go.work
		// setting of the user's decides what gets downloaded.
		"GOMODCACHE=" + filepath.Join(cache, "mod"), "GOFLAGS=-mod=mod -modcacherw"}
	for _, k := range []string{"USER", "LOGNAME", "LANG", "XDG_CONFIG_HOME", "GOENV"} {
		if v := b.a.getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	mod := checkModule
	if m := b.a.getenv("GOSETUP_CHECK_MODULE"); m != "" {
		mod = m
	}
	run := func(script string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, shell, "-l", "-c", script)
		cmd.Env, cmd.Dir = env, cache
		out, err := cmd.CombinedOutput()
		if err != nil {
			return strings.TrimSpace(string(out)), fmt.Errorf("%s: %w: %s", script, err, lastLine(out))
		}
		return strings.TrimSpace(string(out)), nil
	}
	res := &tui.Check{Shell: filepath.Base(shell) + " -l"}
	out, err := run("go version")
	res.Steps = append(res.Steps, tui.CheckStep{Command: "go version", Output: out, Err: err})
	out, err = run("go env GOPROXY")
	if err == nil && c.Mirrors.GOPROXY != "" && out != c.Mirrors.GOPROXY {
		err = fmt.Errorf("a fresh shell sees GOPROXY=%s, not %s: a startup file or the environment overrides it", out, c.Mirrors.GOPROXY)
	}
	res.Steps = append(res.Steps, tui.CheckStep{Command: "go env GOPROXY", Output: out, Err: err})
	out, err = run("go mod download -json " + mod)
	// The download proves something only with the JSON the go command
	// prints for a module it fetched and checked (Sum set).
	var got struct{ Path, Version, Sum, Error string }
	switch jerr := json.Unmarshal([]byte(out), &got); {
	case jerr == nil && got.Error != "":
		err = errors.New(got.Error)
	case jerr == nil && got.Sum != "":
		out = got.Path + " " + got.Version + " " + got.Sum
		// The go command prints Sum for any module it downloaded, checked
		// or not; only a lookup it cached proves the checksum database
		// vouched for it (GONOSUMDB, GOPRIVATE or GOSUMDB=off skip it).
		if !sumDBLookedUp(filepath.Join(cache, "mod"), got.Path, got.Version) {
			err = fmt.Errorf("%s was not checked by the checksum database: GOSUMDB is off, or GONOSUMDB, GONOSUMCHECK or GOPRIVATE covers it", got.Path)
		}
	case err == nil:
		err = fmt.Errorf("go mod download printed no verified module: %s", lastLine([]byte(out)))
	}
	res.Steps = append(res.Steps, tui.CheckStep{Command: "go mod download " + mod, Output: out, Err: err})
	return res, nil
}

// sumDBLookedUp reports whether the go command consulted a checksum
// database for path@version: it caches each lookup in the module cache,
// under cache/download/sumdb/<database>/lookup/<escaped path>@<version>.
func sumDBLookedUp(modCache, path, version string) bool {
	esc, err := module.EscapePath(path)
	if err != nil {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(modCache, "cache", "download", "sumdb", "*", "lookup", filepath.FromSlash(esc)+"@"+version))
	return len(m) > 0
}

// findShell finds a shell in the system's directories.
func findShell(name string) string {
	for _, d := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		if fi, err := os.Stat(filepath.Join(d, name)); err == nil && fi.Mode().IsRegular() {
			return filepath.Join(d, name)
		}
	}
	return ""
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
