package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
)

// pathList is a repeatable --path flag.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ",") }
func (p *pathList) Set(v string) error {
	*p = append(*p, v)
	return nil
}

// settingFlags are the flags that choose values; env and install share them.
type settingFlags struct {
	proxy, sumdb, private, noproxy, nosumdb *string
	path                                    pathList
	scope                                   *string
}

func addSettingFlags(fs *flag.FlagSet, withPath bool) *settingFlags {
	f := &settingFlags{}
	f.proxy = fs.String("proxy", "", "GOPROXY to write: a `LIST` of http(s) URLs, direct and off separated by , or |; or auto to take the probe's recommendation")
	f.sumdb = fs.String("sumdb", "", "GOSUMDB to write: `VALUE` name[+key] [url], or off")
	f.private = fs.String("private", "", "GOPRIVATE to write: comma-separated module path `PATTERNS` (corp.example.com/*)")
	f.noproxy = fs.String("noproxy", "", "GONOPROXY to write: module path `PATTERNS` fetched directly")
	f.nosumdb = fs.String("nosumdb", "", "GONOSUMDB to write: module path `PATTERNS` not checked in the checksum database")
	f.scope = fs.String("scope", "shell", "`SCOPE` for the GO* values: shell (env scripts sourced by every shell; the registry on Windows) or goenv (the Go env file, as go env -w); PATH always goes to the shells")
	if withPath {
		fs.Var(&f.path, "path", "`DIR` to put first on PATH (repeat for several, first wins); kept from the last run when not given")
	}
	return f
}

// any reports whether a setting was given.
func (f *settingFlags) any() bool {
	return *f.proxy != "" || *f.sumdb != "" || *f.private != "" || *f.noproxy != "" || *f.nosumdb != "" || len(f.path) > 0
}

// resolve turns the flags into Settings, running the probe for --proxy auto,
// and validates them (a bad value is a usage error: nothing is written).
func (f *settingFlags) resolve(ctx context.Context, a *app, mirrors string, goos string) (envwriter.Settings, envwriter.Scope, error) {
	s := envwriter.Settings{GOPROXY: *f.proxy, GOSUMDB: *f.sumdb, GOPRIVATE: *f.private, GONOPROXY: *f.noproxy, GONOSUMDB: *f.nosumdb, Path: f.path}
	scope := envwriter.Scope(*f.scope)
	if scope != envwriter.ScopeShell && scope != envwriter.ScopeGoEnv {
		return s, "", usagef("--scope %q: use shell or goenv", *f.scope)
	}
	for i, d := range s.Path {
		if abs, err := filepath.Abs(d); err == nil && !filepath.IsAbs(d) {
			s.Path[i] = abs
		}
	}
	if s.GOPROXY == "auto" {
		cat, client, err := a.network(mirrors)
		if err != nil {
			return s, "", err
		}
		rec, err := recommendProxy(ctx, a, cat, client)
		if err != nil {
			return s, "", err
		}
		s.GOPROXY = rec.GOPROXY
		if s.GOSUMDB == "" {
			s.GOSUMDB = rec.GOSUMDB
		}
		fmt.Fprintf(a.stderr, "probe recommends GOPROXY=%s GOSUMDB=%s\n", rec.GOPROXY, rec.GOSUMDB)
	}
	if err := s.Validate(goos); err != nil {
		return s, "", usageError{err.Error()}
	}
	return s, scope, nil
}

// recommendProxy probes the catalogue's proxies and checksum databases.
func recommendProxy(ctx context.Context, a *app, cat *catalog.Catalog, client *http.Client) (probe.Recommendation, error) {
	fmt.Fprintln(a.stderr, "probing module proxies and checksum databases (--proxy auto)…")
	rep, err := probe.Run(ctx, probe.Options{Client: client, Catalog: cat, Kinds: []catalog.Kind{catalog.KindProxy, catalog.KindSumDB}}, nil)
	if err != nil {
		return probe.Recommendation{}, fmt.Errorf("--proxy auto: probing failed: %w", err)
	}
	if rep.Recommendation.GOPROXY == "" {
		return probe.Recommendation{}, fmt.Errorf("--proxy auto: no module proxy answered correctly (%s); nothing was written. Check the network or HTTPS_PROXY, or give --proxy LIST", rep.Recommendation.Reason)
	}
	return rep.Recommendation, nil
}

// runEnv implements `gosetup env`: with no setting flags it shows where
// each value comes from; with some, it shows the files it will change and
// writes them once confirmed.
func runEnv(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("env", "[--proxy auto|LIST] [--sumdb VALUE] [--private PATTERNS] [--noproxy PATTERNS] [--nosumdb PATTERNS] [--path DIR]... [--scope shell|goenv] [--dry-run] [--yes] [--mirrors FILE]")
	f := addSettingFlags(fs, true)
	dryRun := fs.Bool("dry-run", false, "print a unified diff of each file that would change, and change nothing")
	yes := fs.Bool("yes", false, "write without asking (needed when stdin is not a terminal)")
	mirrors := mirrorsFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("env takes no arguments, got %q; values go in flags such as --proxy", rest[0])
	}
	env := envwriter.Env{Getenv: a.getenv}
	scopeSet := false
	fs.Visit(func(fl *flag.Flag) { scopeSet = scopeSet || fl.Name == "scope" })
	// --scope alone moves the values gosetup already manages to that scope.
	if !f.any() && !scopeSet {
		return showEnv(a, env)
	}
	s, scope, err := f.resolve(ctx, a, *mirrors, goosOf(env))
	if err != nil {
		return err
	}
	plan, err := envwriter.PlanEnv(ctx, envwriter.Options{Settings: s, Scope: scope, Env: env})
	if err != nil {
		return err
	}
	return confirmAndApply(ctx, a, plan, *dryRun, *yes)
}

func goosOf(e envwriter.Env) string {
	if e.GOOS != "" {
		return e.GOOS
	}
	return runtime.GOOS
}

// describePlan prints what a plan will do: shells found, each file and
// why, registry values, warnings.
func describePlan(w io.Writer, p *envwriter.Plan, home string) {
	short := func(path string) string {
		if home != "" && strings.HasPrefix(path, home+string(filepath.Separator)) {
			return "~" + path[len(home):]
		}
		return path
	}
	if len(p.Shells) > 0 {
		login := p.LoginShell
		if login == "" {
			login = "unknown"
		}
		fmt.Fprintf(w, "shells found: %s (login shell: %s)\n", strings.Join(p.Shells, ", "), login)
	}
	if len(p.Settings.Vars()) > 0 || len(p.Settings.Path) > 0 {
		fmt.Fprintln(w, "settings:")
		for _, v := range p.Settings.Vars() {
			fmt.Fprintf(w, "  %s=%s\n", v.Name, v.Value)
		}
		for _, d := range p.Settings.Path {
			fmt.Fprintf(w, "  PATH first: %s\n", d)
		}
	}
	fmt.Fprintln(w, "files:")
	for _, c := range p.Changes {
		name := short(c.Path)
		if c.Link != "" {
			name = short(c.Link) + " -> " + short(c.Path)
		}
		fmt.Fprintf(w, "  %-9s %s  (%s: %s)\n", c.Action(), name, c.Kind, c.Why)
		if c.Note != "" {
			fmt.Fprintf(w, "            note: %s\n", c.Note)
		}
	}
	for _, r := range p.RegistryChanges() {
		prior := "(not set)"
		switch {
		case r.PriorExists && strings.HasPrefix(r.Prior, "\x00"):
			prior = "(a non-text value)"
		case r.PriorExists:
			prior = r.Prior
		}
		switch {
		case r.Why != "":
			fmt.Fprintf(w, "  restore   HKCU\\Environment\\%s (%s)\n", r.Name, r.Why)
		case r.Reverts:
			fmt.Fprintf(w, "  restore   HKCU\\Environment\\%s to %s\n", r.Name, prior)
		default:
			fmt.Fprintf(w, "  registry  HKCU\\Environment\\%s: %s -> %s\n", r.Name, prior, r.Data)
		}
	}
	if p.Toolchain != "" {
		fmt.Fprintf(w, "  remove    %s  (the Go toolchain gosetup installed)\n", short(p.Toolchain))
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// confirmAndApply shows the plan, prints diffs for --dry-run, asks (or
// requires --yes without a terminal), and applies.
func confirmAndApply(ctx context.Context, a *app, p *envwriter.Plan, dryRun, yes bool) error {
	verb := "write"
	if p.Purpose() == envwriter.PurposeRevert {
		verb = "undo"
	}
	home := a.getenv("HOME")
	describePlan(a.stdout, p, home)
	if dryRun {
		for _, c := range p.Changed() {
			oldName, newName := c.Path, c.Path
			if !c.Exists {
				oldName = "/dev/null"
			}
			if c.New == nil {
				newName = "/dev/null"
			}
			fmt.Fprint(a.stdout, envwriter.UnifiedDiff(oldName, newName, c.Old, c.New))
		}
		fmt.Fprintln(a.stdout, "dry run: nothing was changed")
		return nil
	}
	if p.Empty() {
		fmt.Fprintln(a.stdout, "everything is already in place; nothing to do")
		return nil
	}
	if !yes {
		if !a.isTerminal(a.stdin) {
			return fmt.Errorf("refusing to %s these files without confirmation: stdin is not a terminal; review the list above (or --dry-run for the diff) and run again with --yes", verb)
		}
		fmt.Fprint(a.stderr, "Go ahead with the changes above? [y/N] ")
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
			return errors.New("not confirmed; nothing was changed")
		}
	}
	if err := p.Apply(ctx); err != nil {
		return err
	}
	if p.Purpose() == envwriter.PurposeWrite {
		fmt.Fprintf(a.stdout, "done. %s\n", shellHint(p))
	} else {
		fmt.Fprintln(a.stdout, "done. New shells no longer get gosetup's settings.")
	}
	return nil
}

// shellHint says how the settings reach a shell.
func shellHint(p *envwriter.Plan) string {
	if goosOf(envwriter.Env{}) == "windows" {
		return "New terminals get these settings; this one keeps its old environment."
	}
	return "New shells get these settings; to use them in this one, run: . " + shellWord(filepath.Join(p.ConfigDir, "env"))
}

// shellWord quotes s, when it needs it, so that the command the user pastes
// reads the file even if the home directory's name has spaces, quotes or $.
func shellWord(s string) string {
	const plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%"
	if s != "" && strings.Trim(s, plain) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// showEnv prints each effective value and where it comes from.
func showEnv(a *app, env envwriter.Env) error {
	effs, err := envwriter.Explain(env)
	if err != nil {
		return err
	}
	for _, e := range effs {
		where := e.Source
		switch {
		case e.File != "" && e.Line > 0:
			where += " (" + e.File + ":" + fmt.Sprint(e.Line) + ")"
		case e.File != "":
			where += " (" + e.File + ")"
		}
		fmt.Fprintf(a.stdout, "%s=%s\n    from: %s\n", e.Name, e.Value, where)
		for _, n := range e.Notes {
			fmt.Fprintf(a.stdout, "    note: %s\n", n)
		}
	}
	pr := envwriter.ExplainPath(env)
	goPath := pr.Go
	if goPath == "" {
		goPath = "none found"
	}
	fmt.Fprintf(a.stdout, "go on PATH: %s\n", goPath)
	if len(pr.Managed) > 0 {
		state := "first on PATH"
		if !pr.First {
			state = "NOT first on PATH in this shell (open a new shell)"
		}
		fmt.Fprintf(a.stdout, "gosetup's PATH entries: %s (%s)\n", strings.Join(pr.Managed, string(os.PathListSeparator)), state)
	}
	return nil
}

// writeInstallSettings is what `gosetup install` calls once a toolchain is
// in place (unless --no-modify-path): the toolchain's bin and GOPATH's bin
// go first on PATH, with any settings given through the same flags (already
// resolved and validated), and the toolchain directory is recorded for
// uninstall. Installing is the consent, as with rustup: it lists the files
// it changes and writes them without asking again.
func writeInstallSettings(ctx context.Context, a *app, toolchainDir string, s envwriter.Settings, scope envwriter.Scope) error {
	env := envwriter.Env{Getenv: a.getenv}
	s.Path = []string{filepath.Join(toolchainDir, "bin"), filepath.Join(gopath(a), "bin")}
	if err := s.Validate(goosOf(env)); err != nil {
		return fmt.Errorf("the toolchain is installed, but its PATH entry cannot be written (%w); add %s to PATH yourself", err, s.Path[0])
	}
	p, err := envwriter.PlanEnv(ctx, envwriter.Options{Settings: s, Scope: scope, Env: env, Toolchain: toolchainDir})
	if err != nil {
		return fmt.Errorf("the toolchain is installed, but writing PATH failed: %w", err)
	}
	describePlan(a.stderr, p, a.getenv("HOME"))
	if err := p.Apply(ctx); err != nil {
		return fmt.Errorf("the toolchain is installed, but writing PATH failed: %w", err)
	}
	fmt.Fprintln(a.stderr, shellHint(p))
	return nil
}

// gopath is the first GOPATH entry, or the go command's default ~/go.
func gopath(a *app) string {
	if gp := a.getenv("GOPATH"); gp != "" {
		if list := filepath.SplitList(gp); len(list) > 0 && filepath.IsAbs(list[0]) {
			return list[0]
		}
	}
	home := a.getenv("HOME")
	if runtime.GOOS == "windows" {
		home = a.getenv("USERPROFILE")
	}
	return filepath.Join(home, "go")
}
