package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/gosetup/gosetup/doctor"
	"github.com/gosetup/gosetup/envwriter"
)

// runRepair implements `gosetup repair`: doctor, then each fix it can make
// as a diff, confirmed per change on a terminal (all at once with --yes),
// written as one recorded plan, and proved by doctor again in fresh shells.
func runRepair(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("repair", "[--yes] [--dry-run] [CHECK...]")
	yes := fs.Bool("yes", false, "make every change without asking; a setting in several places keeps the value a fresh login shell sees today")
	dryRun := fs.Bool("dry-run", false, "show the diff of every change, and change nothing")
	mirrors := mirrorsFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if _, err := doctor.Select(rest); err != nil {
		return usagef("%v; list them with gosetup doctor --list-checks", err)
	}
	interactive := !*yes && !*dryRun && a.isTerminal(a.stdin) && a.isTerminal(a.stdout)
	unconfirmed := !*yes && !*dryRun && !interactive
	if unconfirmed {
		*dryRun = true // show the changes, then refuse
	}
	fmt.Fprintln(a.stderr, repairChecking(runtime.GOOS, false))
	before, err := a.doctorRun(ctx, rest, true, true, *mirrors)
	if err != nil {
		return err
	}
	actions := doctor.Actions(before)
	env := envwriter.Env{Getenv: a.getenv}
	in := bufio.NewReader(a.stdin)
	var chosen []*doctor.Action
	for _, act := range actions {
		if act.Manual != "" && len(act.Edits) == 0 {
			fmt.Fprintf(a.stdout, "cannot fix %s automatically: %s\n", act.Check, act.Manual)
			continue
		}
		if act.Choice != nil && interactive {
			if err := askChoice(a, in, act); err != nil {
				return err
			}
		}
		p, err := doctor.PlanRepair(ctx, env, []*doctor.Action{act})
		if err != nil {
			fmt.Fprintf(a.stdout, "cannot fix %s: %v\n", act.Check, err)
			continue
		}
		if p == nil || p.Empty() {
			continue
		}
		fmt.Fprintf(a.stdout, "\n== %s (%s)\n", act.Title, act.Check)
		for _, fx := range act.Fixes {
			fmt.Fprintf(a.stdout, "   fixes: %s\n", fx)
		}
		printDiffs(a.stdout, p)
		if interactive {
			ok, err := askYes(a, in, "Make this change?")
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		chosen = append(chosen, act)
	}
	if *dryRun {
		if len(chosen) == 0 {
			fmt.Fprintln(a.stdout, "nothing to repair automatically")
		} else if unconfirmed {
			return errors.New("refusing to make these changes without confirmation: stdin is not a terminal; review the diffs above and run again with --yes")
		}
		fmt.Fprintln(a.stdout, "dry run: nothing was changed")
		return nil
	}
	if len(chosen) == 0 {
		fmt.Fprintln(a.stdout, "nothing was changed")
		printBeforeAfter(a.stdout, before, nil, a.home())
		if before.Worst() == doctor.Fail {
			return errSilentFailure
		}
		return nil
	}
	plan, err := doctor.PlanRepair(ctx, env, chosen)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	if plan != nil {
		if err := plan.Apply(ctx); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "\nchanged:")
		for _, c := range plan.Changed() {
			fmt.Fprintf(a.stdout, "  %s  (%s)\n", c.Display(), c.Why)
		}
		for _, r := range plan.RegistryEdits {
			what := "rewritten"
			if r.Deleted {
				what = "deleted"
			}
			fmt.Fprintf(a.stdout, "  HKCU\\Environment\\%s  (%s; its prior type and text are recorded)\n", r.Name, what)
		}
		fmt.Fprintln(a.stdout, "undo everything gosetup changed, these lines included: gosetup uninstall")
	}
	fmt.Fprintln(a.stderr, repairChecking(runtime.GOOS, true))
	after, err := a.doctorRun(ctx, rest, true, true, *mirrors)
	if err != nil {
		return fmt.Errorf("the changes were made, but checking them failed: %w", err)
	}
	printBeforeAfter(a.stdout, before, after, a.home())
	if after.Worst() == doctor.Fail {
		return errSilentFailure
	}
	return nil
}

// repairChecking says what repair's doctor runs look at, before (again
// false) and after its changes: fresh shells on Unix; on Windows what a
// new process gets, which comes from the registry, not from shells.
func repairChecking(goos string, again bool) string {
	switch {
	case goos == "windows" && again:
		return "checking again what new processes get…"
	case goos == "windows":
		return `checking what new processes get (HKCU\Environment after the system environment, and the Go env file)…`
	case again:
		return "checking again in fresh shells…"
	}
	return "checking (fresh login and interactive shells of every installed shell)…"
}

func printDiffs(w io.Writer, p *envwriter.Plan) {
	for _, c := range p.Changed() {
		oldName, newName := c.Path, c.Path
		if !c.Exists {
			oldName = "/dev/null"
		}
		if c.New == nil {
			newName = "/dev/null"
		}
		fmt.Fprint(w, envwriter.UnifiedDiff(oldName, newName, c.Old, c.New))
	}
	for _, r := range p.Registry {
		fmt.Fprintf(w, "registry HKCU\\Environment\\%s: %s -> %s\n", r.Name, r.PriorText(), r.Data)
	}
	for _, r := range p.RegistryEdits {
		fmt.Fprint(w, registryDiff(r))
	}
}

// registryDiff shows an exact registry write as a diff of its entries, one
// a line (a Path is a ';' list), with the value's type in the names.
func registryDiff(r envwriter.RegistryRecord) string {
	typeName := func(t uint32) string {
		if t == envwriter.RegExpandSZ {
			return "REG_EXPAND_SZ"
		}
		return "REG_SZ"
	}
	lines := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(strings.Join(envwriter.SplitWinPath(s), "\n") + "\n")
	}
	name := `HKCU\Environment\` + r.Name
	oldName, old := "(not set)", []byte(nil)
	if r.PriorExists {
		oldName, old = name+" ("+typeName(r.PriorType)+")", lines(r.PriorText())
	}
	if r.Deleted {
		return envwriter.UnifiedDiff(oldName, name+" (deleted)", old, nil)
	}
	d := envwriter.UnifiedDiff(oldName, name+" ("+typeName(r.Type)+")", old, lines(r.Data))
	if d == "" && r.PriorType != r.Type {
		d = fmt.Sprintf("--- %s\n+++ %s\n(entries unchanged)\n", oldName, name+" ("+typeName(r.Type)+")")
	}
	return d
}

func askYes(a *app, in *bufio.Reader, q string) (bool, error) {
	fmt.Fprintf(a.stderr, "%s [y/N] ", q)
	line, err := in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes", nil
}

func askChoice(a *app, in *bufio.Reader, act *doctor.Action) error {
	c := act.Choice
	fmt.Fprintf(a.stderr, "\n%s is set in several places; which value should stay (in the Go env file, as go env -w)?\n", c.Name)
	for i, v := range c.Values {
		mark := " "
		if i == c.Default {
			mark = "*"
		}
		fmt.Fprintf(a.stderr, " %s %d) %s=%s   (%s)\n", mark, i+1, c.Name, v.Value, strings.Join(v.From, ", "))
	}
	for {
		fmt.Fprintf(a.stderr, "value to keep [%d, the one a fresh login shell sees today]: ", c.Default+1)
		line, err := in.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			return act.Choose(c.Default)
		}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.Values) {
			return act.Choose(n - 1)
		}
		if errors.Is(err, io.EOF) {
			return act.Choose(c.Default)
		}
		fmt.Fprintf(a.stderr, "give a number from 1 to %d\n", len(c.Values))
	}
}

// printBeforeAfter lists what was wrong before and what is now.
func printBeforeAfter(w io.Writer, before, after *doctor.Report, home string) {
	key := func(f doctor.Finding) string { return f.Check + "\x00" + f.Message }
	now := map[string]doctor.Finding{}
	if after != nil {
		for _, f := range after.Findings {
			now[key(f)] = f
		}
	}
	short := func(s string) string {
		if home != "" {
			s = strings.ReplaceAll(s, home+"/", "~/")
		}
		return s
	}
	fmt.Fprintln(w, "\nbefore -> after:")
	problems := 0
	for _, f := range before.Findings {
		if f.Severity == doctor.OK {
			continue
		}
		problems++
		state := "still " + string(f.Severity)
		if after != nil {
			if _, still := now[key(f)]; !still {
				state = "fixed"
			}
		}
		fmt.Fprintf(w, "  %-5s -> %-10s %s  %s\n", f.Severity, state, f.Check, short(f.Message))
		if state != "fixed" && !f.Repairable && f.Fix != "" {
			// repair cannot fix it: say what the user can do, as doctor would.
			fmt.Fprintf(w, "  %-5s    %-10s fix: %s\n", "", "", short(f.Fix))
		}
	}
	if after != nil {
		old := map[string]bool{}
		for _, f := range before.Findings {
			old[key(f)] = true
		}
		for _, f := range after.Findings {
			if f.Severity != doctor.OK && !old[key(f)] {
				fmt.Fprintf(w, "  new   -> %-10s %s  %s\n", f.Severity, f.Check, short(f.Message))
			}
		}
	}
	if problems == 0 {
		fmt.Fprintln(w, "  nothing was wrong")
	}
}
