package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
)

// runUninstall implements `gosetup uninstall`: it undoes everything the
// state record lists (managed blocks, env scripts, Go env file values,
// registry values) and removes the recorded toolchain unless
// --keep-toolchain.
func runUninstall(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("uninstall", "[--yes] [--keep-toolchain] [--dry-run]")
	yes := fs.Bool("yes", false, "undo without asking (needed when stdin is not a terminal)")
	keep := fs.Bool("keep-toolchain", false, "keep the Go toolchain gosetup installed; only undo the settings")
	dryRun := fs.Bool("dry-run", false, "print a unified diff of each file that would change, and change nothing")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("uninstall takes no arguments, got %q", rest[0])
	}
	env := envwriter.Env{Getenv: a.getenv}
	plan, err := envwriter.PlanUninstall(ctx, envwriter.UninstallOptions{Env: env, KeepToolchain: *keep})
	if err != nil {
		return envAdvice(err)
	}
	if len(plan.Changes) == 0 && len(plan.Registry) == 0 && plan.Toolchain == "" && len(plan.Skipped) == 0 {
		fmt.Fprintf(a.stdout, "gosetup has nothing to undo here (no record in %s)\n", plan.StatePath)
		// Clear a state record that only remembered a kept toolchain.
		if !*keep && !*dryRun {
			return plan.Apply(ctx)
		}
		return nil
	}
	if err := confirmAndApply(ctx, a, plan, *dryRun, *yes); err != nil || *dryRun {
		return err
	}
	return skippedError(plan, a.getenv("HOME"))
}

// skippedError is the failure (exit 1) of an uninstall that undid all it
// could but left some recorded entries, named, as they were.
func skippedError(p *envwriter.Plan, home string) error {
	if len(p.Skipped) == 0 {
		return nil
	}
	var names []string
	refused := false
	for _, s := range p.Skipped {
		why := "could not be undone"
		if s.Refused {
			why, refused = "refused", true
		}
		names = append(names, fmt.Sprintf("%s (%s)", shortHome(s.Path, home), why))
	}
	advice := "fix what is said above and run gosetup uninstall again"
	if refused {
		advice = "a refused entry is not gosetup's to touch: check it and undo it by hand if needed; " + advice
	}
	return fmt.Errorf("everything else was undone, but %s stayed as before and in gosetup's record; %s", strings.Join(names, ", "), advice)
}
