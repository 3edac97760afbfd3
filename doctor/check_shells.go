package doctor

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// shownEnv are the GO* values each shell's summary shows.
var shownEnv = []string{"GOROOT", "GOPATH", "GOPROXY", "GOSUMDB", "GOPRIVATE", "GOTOOLCHAIN"}

func (f *Facts) shellSummaries() []ShellSummary {
	var out []ShellSummary
	for _, v := range f.Views[1:] {
		s := ShellSummary{Shell: v.Shell, Mode: v.Mode, Go: v.Go, GoVersion: v.GoVersion, Error: v.Err}
		if len(v.GoEnv) > 0 {
			s.Env = map[string]string{}
			for _, k := range shownEnv {
				if val, ok := v.GoEnv[k]; ok {
					s.Env[k] = val
				}
			}
		}
		out = append(out, s)
	}
	return out
}

func checkShells(ctx context.Context, f *Facts) []Finding {
	if f.opts.Shells == nil {
		return []Finding{{Severity: OK, Message: "fresh shells were not started (no shell tracer)"}}
	}
	var out []Finding
	if f.ShellErr != nil {
		out = append(out, Finding{Severity: Warn, Message: "could not start the installed shells fresh: " + firstLine(f.ShellErr.Error())})
	}
	views := f.Views[1:]
	if len(views) == 0 {
		return append(out, ok("no shell to start"))
	}
	var managedBin string
	if t := f.toolchainDir(); t != "" {
		managedBin = filepath.Join(t, "bin")
	}
	byGo := map[string][]string{}
	for _, v := range views {
		if v.Err != "" {
			out = append(out, Finding{Severity: Warn, Message: "could not start " + v.Name + " fresh: " + v.Err, Shells: []string{v.Name}})
			continue
		}
		byGo[v.Go] = append(byGo[v.Go], v.Name)
		if v.Go == "" {
			continue // go.found says why
		}
	}
	if len(byGo) > 1 {
		var parts []string
		for g, names := range byGo {
			if g == "" {
				g = "no go"
			}
			parts = append(parts, strings.Join(names, ", ")+": "+g)
		}
		sort.Strings(parts)
		out = append(out, Finding{Severity: Warn, Message: "fresh shells disagree on which go they find (" + strings.Join(parts, "; ") + ")",
			Fix: "see the other findings for the line that differs; gosetup repair puts gosetup's block where each shell reads it", Repairable: managedBin != "",
			Repair: &RepairHint{Rewrite: true}})
	}
	for _, name := range []string{"GOPROXY", "GOSUMDB", "GOPRIVATE"} {
		vals := map[string][]string{}
		for _, v := range views {
			if v.Err != "" || v.GoEnv == nil {
				continue
			}
			vals[v.GoEnv[name]] = append(vals[v.GoEnv[name]], v.Name)
		}
		if len(vals) > 1 {
			var parts []string
			for val, names := range vals {
				parts = append(parts, strings.Join(names, ", ")+": "+name+"="+val)
			}
			sort.Strings(parts)
			out = append(out, Finding{Severity: Warn, Message: "fresh shells see different " + name + " values (" + strings.Join(parts, "; ") + ")",
				Fix: "set it in one place: the Go env file (go env -w) or gosetup env"})
		}
	}
	for _, v := range views {
		if v.Err != "" || v.Go == "" {
			continue
		}
		msg := fmt.Sprintf("%s: %s (%s)", v.Name, v.Go, orUnknown(v.GoVersion))
		if p := v.GoEnv["GOPROXY"]; p != "" {
			msg += " GOPROXY=" + p
		}
		out = append(out, Finding{Severity: OK, Message: msg, Shells: []string{v.Name}})
	}
	return out
}

// shadowedIn is the finding for a fresh shell whose first go is not
// gosetup's, with where the directory that holds it got onto PATH.
func (f *Facts) shadowedIn(v *View, managedBin string) Finding {
	dir := filepath.Dir(v.Go)
	at := f.pathSource(v, dir)
	fd := Finding{Severity: Fail,
		Message: fmt.Sprintf("%s finds %s (%s), not gosetup's %s", v.Name, v.Go, orUnknown(v.GoVersion), filepath.Join(managedBin, filepath.Base(v.Go))),
		Sources: []Source{at, goSource(v)}, Shells: []string{v.Name},
		Fix:        "run gosetup repair: it puts gosetup's block in every startup file this shell reads and gosetup's go first",
		Repairable: true, Repair: &RepairHint{Rewrite: true, PathFirst: managedBin, BlocksLast: true}}
	if at.Kind == SourceFile {
		fd.Message += "; " + at.File + ":" + fmt.Sprint(at.Line) + " puts " + dir + " on PATH"
	}
	// fish reads gosetup's conf.d file before config.fish, so no block
	// can come after a config.fish line that puts another go first: the
	// entry has to go from that line.
	if v.Shell == "fish" && at.Kind == SourceFile && !f.owned(at.File) {
		fd.Fix = "run gosetup repair to take " + dir + " out of the PATH on " + at.File + ":" + fmt.Sprint(at.Line) + " (fish reads that file after gosetup's)"
		fd.Repair = &RepairHint{DropPath: []string{dir}}
	}
	return fd
}
