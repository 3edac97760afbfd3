// Command gosetup makes a machine Go-ready: it installs a verified Go
// toolchain from the fastest working source, finds the fastest working module
// proxy and checksum database, and writes the settings every new shell sees.
//
// Usage:
//
//	gosetup [--lang zh|en] [--accessible] [--dir DIR] [--mirrors FILE]
//	                             the interactive wizard
//	gosetup install [VERSION]    install a Go toolchain
//	gosetup list                 list installable Go versions
//	gosetup probe                probe mirrors and recommend GOPROXY/GOSUMDB
//	gosetup env                  show or write GOPROXY, GOSUMDB, GOPRIVATE, PATH
//	gosetup doctor [CHECK...]    find what is wrong with the Go setup, and where
//	gosetup repair [CHECK...]    fix what doctor found (diff first, recorded for uninstall)
//	gosetup uninstall            undo everything gosetup wrote
//	gosetup self update|uninstall  update or remove the gosetup binary itself
//	gosetup version              print gosetup's version
//	gosetup help [COMMAND]       list the commands, or a command's flags
//
// Plain gosetup, with no command, starts the interactive wizard (tui/) on a
// terminal, or line-by-line prompts with --accessible (also ACCESSIBLE=1 or
// TERM=dumb); without a terminal it prints the equivalent non-interactive
// commands and exits 2.
//
// Run "gosetup help COMMAND" for a command's flags. Exit status is 0 on
// success, 1 on failure, 2 on a usage error, and 128 plus the signal's
// number when a signal stops it: 130 for SIGINT (Ctrl-C), 143 for SIGTERM.
// Either way an install leaves its target as it was.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/buildinfo"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/httpx"
	"github.com/gosetup/gosetup/setup"
)

// Exit codes, as documented in the README.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT; see signalExit
)

// signalCause is the cause of the context's end when a signal stopped
// gosetup.
type signalCause struct{ sig syscall.Signal }

func (c signalCause) Error() string { return "received " + c.sig.String() }

// signalExit is the exit status for a context cancelled by a signal, the
// shell's convention of 128 + the signal's number; 130 (SIGINT) for any
// other cancellation.
func signalExit(ctx context.Context) int {
	var sc signalCause
	if errors.As(context.Cause(ctx), &sc) {
		return 128 + int(sc.sig)
	}
	return exitInterrupted
}

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			if sig, ok := s.(syscall.Signal); ok {
				cancel(signalCause{sig})
			} else {
				cancel(signalCause{syscall.SIGINT})
			}
		}
	}()
	limitMemory(os.Getenv)
	removeReplacedBinary()
	a := &app{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
		isTerminal: func(f any) bool {
			if fd, ok := f.(interface{ Fd() uintptr }); ok {
				return term.IsTerminal(int(fd.Fd()))
			}
			return false
		},
	}
	code := a.run(ctx, os.Args[1:])
	signal.Stop(sigs)
	os.Exit(code)
}

// app carries what every command needs from the outside world, so that tests
// can run commands in-process with their own streams and environment.
type app struct {
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	getenv     func(string) string
	isTerminal func(any) bool
}

// command is one subcommand. run returns a usageError for bad arguments.
type command struct {
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"install":   {"install a verified Go toolchain", runInstall},
		"list":      {"list the Go versions installable on this machine", runList},
		"probe":     {"probe mirrors in parallel and recommend GOPROXY and GOSUMDB", runProbe},
		"env":       {"show or persistently set GOPROXY, GOSUMDB, GOPRIVATE and PATH", runEnv},
		"uninstall": {"remove every setting gosetup wrote, restoring prior values", runUninstall},
		"doctor":    {"find what is wrong with this machine's Go setup, and where it comes from", runDoctor},
		"repair":    {"fix what doctor found, showing each change first, and prove it in fresh shells", runRepair},
		"self":      {"update or remove the gosetup binary itself", runSelf},
		"version":   {"print gosetup's version", runVersion},
	}
}

// usageError marks a bad command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func (a *app) run(ctx context.Context, args []string) int {
	cmds := commands()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && wizardFlag(args[0]) {
		return a.finish(ctx, runWizard(ctx, a, args))
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if c, ok := cmds[args[1]]; ok {
				return a.finish(ctx, c.run(ctx, a, []string{"-h"}))
			}
			fmt.Fprintf(a.stderr, "gosetup: unknown command %q\n", args[1])
			return exitUsage
		}
		a.usage(cmds)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c, ok := cmds[name]
	if !ok {
		fmt.Fprintf(a.stderr, "gosetup: unknown command %q; run 'gosetup help' for the list\n", name)
		return exitUsage
	}
	return a.finish(ctx, c.run(ctx, a, args[1:]))
}

// finish maps a command's error to an exit status and prints it.
func (a *app) finish(ctx context.Context, err error) int {
	var ue usageError
	var quiet errQuiet
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &quiet):
		return quiet.code
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errSilentFailure):
		return exitFailure
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "gosetup: %v\n", err)
		return exitUsage
	case ctx.Err() != nil && errors.Is(err, context.Canceled) || errors.Is(err, errInterrupted):
		fmt.Fprintf(a.stderr, "gosetup: interrupted: %v\n", err)
		return signalExit(ctx)
	default:
		fmt.Fprintf(a.stderr, "gosetup: %v\n", err)
		return exitFailure
	}
}

var errInterrupted = errors.New("interrupted")

// wizardFlag reports whether arg is one of plain gosetup's own flags.
func wizardFlag(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	switch name {
	case "lang", "accessible", "dir", "mirrors":
		return true
	}
	return false
}

func (a *app) usage(cmds map[string]command) {
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("gosetup makes this machine Go-ready.\n\nUsage: gosetup COMMAND [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nWith no command, on a terminal, gosetup runs the setup wizard:\n  gosetup [--lang zh|en] [--accessible] [--dir DIR] [--mirrors FILE]\n")
	b.WriteString("\nRun 'gosetup help COMMAND' for a command's flags.\n")
	io.WriteString(a.stderr, b.String())
}

// newFlagSet makes a FlagSet whose parse errors become usage errors that name
// the bad flag, and whose -h prints to stderr.
func (a *app) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: gosetup %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (gosetup install 1.22 --dir x), which the flag package alone does not.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// mirrorsFlag registers --mirrors on a command that touches the network.
func mirrorsFlag(fs *flag.FlagSet) *string {
	return fs.String("mirrors", "", "mirror catalogue `FILE` that replaces or extends the built-in one (also $GOSETUP_MIRRORS)")
}

// loadCatalog loads the built-in catalogue with the user's file applied.
func (a *app) loadCatalog(path string) (*catalog.Catalog, error) {
	cat, err := catalog.Load(path, a.getenv)
	var re *catalog.ReadError
	switch {
	case errors.As(err, &re) && re.FromEnv:
		return nil, fmt.Errorf("%w (check %s, or give another file with --mirrors)", err, catalog.EnvVar)
	case errors.As(err, &re):
		return nil, fmt.Errorf("%w (check the path given to --mirrors)", err)
	}
	return cat, err
}

// network is what every command that touches the network starts with: the
// catalogue (with --mirrors applied) and the one HTTP client, built from the
// app's environment (SSL_CERT_FILE) so that tests and the CLI agree.
func (a *app) network(mirrorsPath string) (*catalog.Catalog, *http.Client, error) {
	cat, err := a.loadCatalog(mirrorsPath)
	if err != nil {
		return nil, nil, err
	}
	client, err := httpx.NewClient(httpx.Options{Getenv: a.getenv})
	if err != nil {
		return nil, nil, err
	}
	return cat, client, nil
}

// envwriterEnv is the app's environment as envwriter and setup read it.
func (a *app) envwriterEnv() envwriter.Env { return envwriter.Env{Getenv: a.getenv} }

// flow is setup's flow for this run: the catalogue (with --mirrors
// applied), the one HTTP client and the app's environment.
func (a *app) flow(mirrorsPath string) (*setup.Flow, error) {
	cat, client, err := a.network(mirrorsPath)
	if err != nil {
		return nil, err
	}
	f := &setup.Flow{Client: client, Catalog: cat, Env: a.envwriterEnv()}
	if v := a.getenv(lockWaitEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, usagef("$%s=%q: give a duration such as 30s or 10m", lockWaitEnv, v)
		}
		f.LockWait = d
	}
	return f, nil
}

// lockWaitEnv bounds the wait for another install into the same
// directory (default 5m).
const lockWaitEnv = "GOSETUP_LOCK_WAIT"

// noEmptyFlags refuses a flag given explicitly with an empty value
// (--dir "$UNSET"): it would otherwise silently mean the default, which
// for --dir as root is /usr/local/go.
func noEmptyFlags(fs *flag.FlagSet, names ...string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			if f.Name == n && strings.TrimSpace(f.Value.String()) == "" && err == nil {
				err = usagef("--%s is empty; give a value, or leave the flag out for the default (an unset shell variable?)", n)
			}
		}
	})
	return err
}

func runVersion(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("version", "")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	printVersion(a.stdout, buildinfo.Get())
	return nil
}
