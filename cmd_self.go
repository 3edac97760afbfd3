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
	"github.com/gosetup/gosetup/internal/buildinfo"
	"github.com/gosetup/gosetup/internal/httpx"
	"github.com/gosetup/gosetup/selfupdate"
	"github.com/gosetup/gosetup/toolchain"
)

// runSelf implements `gosetup self update|uninstall`, which manage the
// gosetup binary itself (as opposed to the Go toolchain).
func runSelf(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "update":
			return runSelfUpdate(ctx, a, args[1:])
		case "uninstall":
			return runSelfUninstall(ctx, a, args[1:])
		case "-h", "-help", "--help":
			fmt.Fprint(a.stderr, selfUsage)
			return flag.ErrHelp
		}
		return usagef("unknown self command %q; want update or uninstall", args[0])
	}
	return usagef("self needs a command: update or uninstall")
}

const selfUsage = `Usage: gosetup self update [VERSION] [--check] [--url URL]
       gosetup self uninstall [--yes] [--keep-toolchain]

update     replace this gosetup binary with the newest release (or VERSION)
uninstall  run 'gosetup uninstall', then remove gosetup's own files

Run 'gosetup self update -h' or 'gosetup self uninstall -h' for flags.
`

// selfExe is the path of the running binary with symlinks resolved, so that
// an update replaces the file a symlink (/usr/local/bin/gosetup) points at.
func selfExe() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the running gosetup binary: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return exe, nil
}

// removeReplacedBinary deletes what an earlier self update left next to the
// binary (on Windows, the old binary renamed aside). main calls it on every
// run.
func removeReplacedBinary() {
	if exe, err := selfExe(); err == nil {
		selfupdate.RemoveOld(exe)
	}
}

func runSelfUpdate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("self update", "[VERSION] [--check] [--url URL]")
	check := fs.Bool("check", false, "only say whether a newer release exists; download nothing")
	base := fs.String("url", "", "base `URL` of the releases (default $GOSETUP_DOWNLOAD_URL, else "+selfupdate.DefaultBaseURL+")")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usagef("self update takes at most one VERSION, got %q", rest)
	}
	if *base == "" {
		*base = a.getenv("GOSETUP_DOWNLOAD_URL")
	}
	client, err := httpx.NewClient(httpx.Options{Getenv: a.getenv})
	if err != nil {
		return err
	}
	src := selfupdate.Source{BaseURL: *base, Client: client}
	current := buildinfo.Version()

	var rel *selfupdate.Release
	if len(rest) == 1 {
		v := strings.TrimPrefix(rest[0], "v")
		if !selfupdate.ValidVersion(v) {
			return usagef("%q is not a release version (want one like 1.2.3)", rest[0])
		}
		if rel, err = src.Get(ctx, v); err != nil {
			return err
		}
		if v == current {
			fmt.Fprintf(a.stdout, "gosetup %s is already this version; nothing to download\n", current)
			return nil
		}
	} else {
		if rel, err = src.Latest(ctx); err != nil {
			return err
		}
		if !selfupdate.ValidVersion(current) {
			return fmt.Errorf("this gosetup is a development build (%s), which cannot be compared with releases; the newest release is %s: run 'gosetup self update %s' to replace it with that", current, rel.Version, rel.Version)
		}
		if selfupdate.Compare(rel.Version, current) <= 0 {
			fmt.Fprintf(a.stdout, "gosetup %s is up to date (newest release: %s); nothing to download\n", current, rel.Version)
			return nil
		}
	}
	if *check {
		fmt.Fprintf(a.stdout, "gosetup %s is available (this is %s); run 'gosetup self update' to install it\n", rel.Version, current)
		return nil
	}
	exe, err := selfExe()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "downloading gosetup %s for %s/%s...\n", rel.Version, runtime.GOOS, runtime.GOARCH)
	staged, err := src.Stage(ctx, rel, runtime.GOOS, runtime.GOARCH, exe)
	if err != nil {
		return err
	}
	if err := selfupdate.Replace(exe, staged, runtime.GOOS); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "gosetup %s -> %s: verified against checksums.txt and installed at %s\n", current, rel.Version, exe)
	return nil
}

func runSelfUninstall(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("self uninstall", "[--yes] [--keep-toolchain]")
	yes := fs.Bool("yes", false, "remove without asking (needed when stdin is not a terminal)")
	keep := fs.Bool("keep-toolchain", false, "keep the Go toolchain gosetup installed")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("self uninstall takes no arguments, got %q", rest[0])
	}
	exe, err := selfExe()
	if err != nil {
		return err
	}
	env := envwriter.Env{Getenv: a.getenv}
	plan, err := envwriter.PlanUninstall(ctx, envwriter.UninstallOptions{Env: env, KeepToolchain: *keep})
	if err != nil {
		return envAdvice(err)
	}
	cacheDir := toolchain.DefaultCacheDir(runtime.GOOS, a.getenv)

	if !plan.Empty() {
		fmt.Fprintln(a.stdout, "gosetup uninstall will undo:")
		describePlan(a.stdout, plan, a.getenv("HOME"))
	}
	fmt.Fprintln(a.stdout, "then gosetup's own files are removed:")
	fmt.Fprintf(a.stdout, "  %s (this binary)\n", exe)
	fmt.Fprintf(a.stdout, "  %s (download cache)\n", cacheDir)
	fmt.Fprintf(a.stdout, "  %s (if empty afterwards)\n", plan.ConfigDir)
	if !*yes {
		if !a.isTerminal(a.stdin) {
			return errors.New("refusing to remove gosetup without confirmation: stdin is not a terminal; review the list above and run again with --yes")
		}
		fmt.Fprint(a.stderr, "Remove gosetup and undo the changes above? [y/N] ")
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
			return errors.New("not confirmed; nothing was changed")
		}
	}
	// Undo first: if that fails, the binary stays so that the user can
	// run gosetup uninstall again.
	if !plan.Empty() || !*keep {
		if err := plan.Apply(ctx); err != nil {
			return fmt.Errorf("%w; gosetup itself was kept so that you can run 'gosetup uninstall' again", envAdvice(err))
		}
	}
	if err := skippedError(plan, a.getenv("HOME")); err != nil {
		return fmt.Errorf("%w; gosetup itself was kept for that", err)
	}
	if err := os.RemoveAll(cacheDir); err != nil {
		return fmt.Errorf("removing gosetup's cache %s: %w; remove it by hand", cacheDir, err)
	}
	// The config directory held the env scripts and state record that
	// uninstall just removed; anything else in it is the user's.
	os.Remove(plan.ConfigDir)
	if err := selfupdate.RemoveSelf(exe, runtime.GOOS); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "gosetup is uninstalled (removed %s)\n", exe)
	return nil
}
