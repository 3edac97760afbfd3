package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/setup"
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

// request is what the flags ask to write (GOPROXY may be setup.Auto).
func (f *settingFlags) request() setup.SettingsRequest {
	return setup.SettingsRequest{
		Settings: envwriter.Settings{GOPROXY: *f.proxy, GOSUMDB: *f.sumdb, GOPRIVATE: *f.private, GONOPROXY: *f.noproxy, GONOSUMDB: *f.nosumdb, Path: append([]string(nil), f.path...)},
		Scope:    envwriter.Scope(*f.scope),
	}
}

// usageFor turns setup's bad-input errors into usage errors that name the
// flag; anything else passes through.
func usageFor(err error) error {
	var src *setup.InvalidSourceError
	var scope *setup.InvalidScopeError
	var bad *setup.InvalidSettingsError
	var conns *setup.InvalidConnectionsError
	switch {
	case errors.As(err, &conns):
		return usagef("--connections %d: use 1 (a single stream) to %d", conns.N, setup.MaxConnections)
	case errors.As(err, &src):
		return usagef("--source %q: use auto, archive or module", src.Source)
	case errors.As(err, &scope):
		return usagef("--scope %q: use shell or goenv", scope.Scope)
	case errors.As(err, &bad):
		return usageError{bad.Error()}
	}
	return err
}

// envAdvice adds the command line's advice to envwriter's refusals; any
// other error passes through.
func envAdvice(err error) error {
	var moved *envwriter.GoEnvMovedError
	var unsafe *envwriter.UnsafeToolchainDirError
	switch {
	case errors.Is(err, envwriter.ErrNothingToWrite):
		return fmt.Errorf("%w: give a setting (--proxy, --sumdb, --private, ...) or a PATH directory (--path DIR)", err)
	case errors.As(err, &moved):
		return fmt.Errorf("%w: run gosetup uninstall --keep-toolchain to undo them, then run gosetup env again", err)
	case errors.As(err, &unsafe):
		return fmt.Errorf("%w (rerun with --keep-toolchain to undo only the settings)", err)
	}
	return err
}

// settingsError adds the command line's advice to a settings failure.
func settingsError(err error) error {
	var pa *setup.ProxyAutoError
	if errors.As(err, &pa) {
		return fmt.Errorf("--proxy auto: %w. Check the network or HTTPS_PROXY, or give --proxy LIST", err)
	}
	return usageFor(err)
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
	req := f.request()
	flow := &setup.Flow{Env: env}
	if err := flow.CheckSettings(req); err != nil {
		return usageFor(err)
	}
	if req.Settings.GOPROXY == setup.Auto {
		if flow, err = a.flow(*mirrors); err != nil {
			return err
		}
	}
	flow.Notify = func(n setup.Notice) { fmt.Fprintln(a.stderr, n.Text) }
	if req, err = flow.ResolveSettings(ctx, req); err != nil {
		return settingsError(err)
	}
	plan, err := flow.PlanSettings(ctx, req, "")
	if err != nil {
		return envAdvice(err)
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
	short := func(path string) string { return shortHome(path, home) }
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
	for _, s := range p.Skipped {
		act := "failed"
		if s.Refused {
			act = "refused"
		}
		fmt.Fprintf(w, "  %-9s %s  (left as it is, and in gosetup's record: %v)\n", act, short(s.Path), s.Err)
	}
	for _, r := range p.RegistryChanges() {
		prior := "(not set)"
		switch {
		case r.PriorExists && !r.PriorIsText:
			prior = "(a " + envwriter.RegTypeName(r.PriorType) + " value)"
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
	apply := p.Apply
	if yes {
		// --yes approved whatever the plan is: if another gosetup changed
		// the record meanwhile, write the plan made afresh.
		apply = p.ApplyFresh
	}
	p.OnLockWait = func() { fmt.Fprintln(a.stderr, "waiting for another gosetup to finish writing settings…") }
	if err := apply(ctx); err != nil {
		return envAdvice(err)
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

// shortHome writes a path inside home with ~ (not one with .. in it,
// which may lead out of home).
func shortHome(path, home string) string {
	if home != "" && filepath.Clean(path) == path && strings.HasPrefix(path, home+string(filepath.Separator)) {
		return "~" + path[len(home):]
	}
	return path
}
