package main

import (
	"context"
	"fmt"

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
		return err
	}
	if len(plan.Changes) == 0 && len(plan.Registry) == 0 && plan.Toolchain == "" {
		fmt.Fprintf(a.stdout, "gosetup has nothing to undo here (no record in %s)\n", plan.StatePath)
		// Clear a state record that only remembered a kept toolchain.
		if !*keep && !*dryRun {
			return plan.Apply(ctx)
		}
		return nil
	}
	return confirmAndApply(ctx, a, plan, *dryRun, *yes)
}
