package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/gosetup/gosetup/doctor"
	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/toolchain"
)

// doctorJSON is `gosetup doctor --json`. The schema is documented in the
// README; add fields, never rename or remove them.
type doctorJSON struct {
	SchemaVersion int                   `json:"schema_version"`
	Worst         doctor.Severity       `json:"worst"`
	Counts        map[string]int        `json:"counts"`
	Findings      []doctor.Finding      `json:"findings"`
	Checks        []string              `json:"checks"`
	Skipped       []doctor.Skip         `json:"skipped"`
	Gos           []doctor.GoInstall    `json:"gos"`
	Shells        []doctor.ShellSummary `json:"shells"`
}

// runDoctor implements `gosetup doctor`.
func runDoctor(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("doctor", "[--json] [--offline] [--list-checks] [CHECK...]")
	asJSON := fs.Bool("json", false, "print the findings as JSON (schema in the README)")
	offline := fs.Bool("offline", false, "skip the network checks; the release list comes from the cache")
	list := fs.Bool("list-checks", false, "list the checks and exit")
	mirrors := mirrorsFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *list {
		return listChecks(a.stdout, *asJSON)
	}
	if _, err := doctor.Select(rest); err != nil {
		return usagef("%v; list them with gosetup doctor --list-checks", err)
	}
	rep, err := a.doctorReport(ctx, rest, *offline, *mirrors)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeDoctorJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		writeDoctorTable(a.stdout, rep, a.home(), a.colour(a.stdout))
	}
	if rep.Worst() == doctor.Fail {
		return errSilentFailure
	}
	return nil
}

// errSilentFailure makes the exit status 1 without another message: the
// report already said what failed.
var errSilentFailure = silentError{}

type silentError struct{}

func (silentError) Error() string { return "" }

// doctorReport runs the doctor in the app's environment.
func (a *app) doctorReport(ctx context.Context, checks []string, offline bool, mirrors string) (*doctor.Report, error) {
	return a.doctorRun(ctx, checks, offline, false, mirrors)
}

// doctorRun is doctorReport with freshOnly: judge only the fresh shells
// (repair's before and after: gosetup's own environment is the old
// terminal's, which no repair changes).
func (a *app) doctorRun(ctx context.Context, checks []string, offline, freshOnly bool, mirrors string) (*doctor.Report, error) {
	cat, client, err := a.network(mirrors)
	if err != nil {
		return nil, err
	}
	opts := doctor.Options{
		Env:       envwriter.Env{Getenv: a.getenv},
		Checks:    checks,
		Offline:   offline,
		Client:    client,
		Catalog:   cat,
		CacheDir:  toolchain.DefaultCacheDir(runtime.GOOS, a.getenv),
		Shells:    a.shellTracer(),
		FreshOnly: freshOnly,
	}
	return doctor.Run(ctx, opts)
}

func (a *app) home() string {
	if runtime.GOOS == "windows" {
		return a.getenv("USERPROFILE")
	}
	return a.getenv("HOME")
}

// colour reports whether to colour output to w: only on a terminal, and
// never with NO_COLOR set (https://no-color.org) or TERM=dumb.
func (a *app) colour(w io.Writer) bool {
	return a.getenv("NO_COLOR") == "" && a.getenv("TERM") != "dumb" && a.isTerminal(w)
}

func listChecks(w io.Writer, asJSON bool) error {
	type entry struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
		Network bool   `json:"network"`
	}
	var list []entry
	for _, c := range doctor.Checks() {
		list = append(list, entry{c.ID, c.Summary, c.Network})
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range list {
		net := ""
		if e.Network {
			net = " (network; skipped with --offline)"
		}
		fmt.Fprintf(tw, "%s\t%s%s\n", e.ID, e.Summary, net)
	}
	return tw.Flush()
}

func counts(rep *doctor.Report) map[string]int {
	c := map[string]int{"ok": 0, "warn": 0, "fail": 0}
	for _, f := range rep.Findings {
		c[string(f.Severity)]++
	}
	return c
}

func writeDoctorJSON(w io.Writer, rep *doctor.Report) error {
	out := doctorJSON{SchemaVersion: 1, Worst: rep.Worst(), Counts: counts(rep), Findings: rep.Findings,
		Checks: rep.Checks, Skipped: rep.Skipped, Gos: rep.Gos, Shells: rep.Shells}
	for _, p := range []*[]string{&out.Checks} {
		if *p == nil {
			*p = []string{}
		}
	}
	if out.Findings == nil {
		out.Findings = []doctor.Finding{}
	}
	if out.Skipped == nil {
		out.Skipped = []doctor.Skip{}
	}
	if out.Gos == nil {
		out.Gos = []doctor.GoInstall{}
	}
	if out.Shells == nil {
		out.Shells = []doctor.ShellSummary{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Marks: at a glance, as flutter doctor shows them.
var marks = map[doctor.Severity]string{doctor.OK: "✓", doctor.Warn: "!", doctor.Fail: "✗"}

var colours = map[doctor.Severity]string{doctor.OK: "\x1b[32m", doctor.Warn: "\x1b[33m", doctor.Fail: "\x1b[31m"}

// writeDoctorTable prints one line per finding, problems with where they
// come from and what to do, then a summary line.
func writeDoctorTable(w io.Writer, rep *doctor.Report, home string, colour bool) {
	short := func(p string) string {
		if home != "" && strings.HasPrefix(p, home+string(filepath.Separator)) {
			return "~" + p[len(home):]
		}
		return p
	}
	width := 0
	bad := map[string]bool{}
	for _, f := range rep.Findings {
		width = max(width, len(f.Check))
		if f.Severity != doctor.OK {
			bad[f.Check] = true
		}
	}
	for _, f := range rep.Findings {
		if f.Severity == doctor.OK && bad[f.Check] {
			// The check found a problem somewhere: its ok lines for the
			// other shells would only blur it (--json keeps them).
			continue
		}
		mark := "[" + marks[f.Severity] + "]"
		if colour {
			mark = colours[f.Severity] + mark + "\x1b[0m"
		}
		msg := f.Message
		if home != "" {
			msg = strings.ReplaceAll(msg, home+string(filepath.Separator), "~"+string(filepath.Separator))
		}
		fmt.Fprintf(w, "%s %-*s  %s\n", mark, width, f.Check, msg)
		if f.Severity == doctor.OK {
			continue
		}
		indent := strings.Repeat(" ", width+6)
		for _, s := range f.Sources {
			where := s.String()
			if s.File != "" {
				where = short(s.File)
				if s.Line > 0 {
					where += fmt.Sprintf(":%d", s.Line)
				}
			}
			extra := ""
			if s.Text != "" && s.Kind != doctor.SourcePath {
				extra = "  " + s.Text
			}
			if s.Shell != "" {
				extra += "  (" + s.Shell + ")"
			}
			fmt.Fprintf(w, "%sfrom: %s%s\n", indent, where, extra)
		}
		if len(f.Shells) > 0 {
			fmt.Fprintf(w, "%sin:   %s\n", indent, strings.Join(f.Shells, ", "))
		} else if terminalOnly(rep, f) {
			// Only gosetup's own environment shows it: the terminal it was
			// started from, which may predate the startup files.
			fmt.Fprintf(w, "%sin:   this terminal only (gosetup's own environment, not a fresh shell)\n", indent)
		}
		if f.Fix != "" {
			fix := f.Fix
			if f.Repairable && !terminalOnly(rep, f) {
				fix += " [gosetup repair fixes this]"
			}
			fmt.Fprintf(w, "%sfix:  %s\n", indent, fix)
		}
	}
	c := counts(rep)
	fmt.Fprintf(w, "\n%d failed, %d warnings, %d ok", c["fail"], c["warn"], c["ok"])
	if len(rep.Skipped) > 0 {
		var ids []string
		for _, s := range rep.Skipped {
			ids = append(ids, s.Check)
		}
		fmt.Fprintf(w, "; skipped (%s): %s", rep.Skipped[0].Reason, strings.Join(ids, ", "))
	}
	fmt.Fprintln(w)
	repairable := 0
	for _, f := range rep.Findings {
		if f.Repairable && f.Severity != doctor.OK && !terminalOnly(rep, f) {
			repairable++
		}
	}
	if repairable > 0 {
		fmt.Fprintf(w, "%d of them can be fixed with: gosetup repair (gosetup repair --dry-run shows the changes first)\n", repairable)
	}
}

// terminalOnly reports whether only gosetup's own environment (the
// terminal it runs in) shows f, while fresh shells were checked too:
// repair, which fixes what fresh shells get, leaves it alone.
func terminalOnly(rep *doctor.Report, f doctor.Finding) bool {
	if len(rep.Shells) == 0 || len(f.Shells) > 0 {
		return false
	}
	for _, p := range []string{"net.", "windows.", "startup.", "macos.", "path.go-shadowed"} {
		if strings.HasPrefix(f.Check, p) {
			return false
		}
	}
	return true
}
