package doctor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
)

// cmdMaxLine is the longest command line cmd.exe accepts; a PATH longer
// than that cannot even be shown or set in cmd.exe, and tools cut it.
const cmdMaxLine = 8191

func (f *Facts) winPaths() (*WinPaths, error) {
	f.winOnce.Do(func() {
		if f.opts.WinPaths != nil {
			f.win, f.winErr = f.opts.WinPaths()
			return
		}
		if f.GOOS != "windows" {
			return
		}
		u, s, err := envwriter.ReadPaths()
		if err != nil {
			f.winErr = err
			return
		}
		f.win = &WinPaths{User: winPathValue(u), System: winPathValue(s), Expand: os.LookupEnv}
		gos, err := envwriter.ReadUserGoValues()
		if err != nil {
			f.winErr = err
			return
		}
		for _, g := range gos {
			f.win.UserGo = append(f.win.UserGo, WinValue{Key: g.Key, Name: g.Name, Exists: true, Expand: g.Expand, Data: g.Data, Raw: g.Raw})
		}
	})
	return f.win, f.winErr
}

func winPathValue(v envwriter.PathValue) WinValue {
	w := WinValue{Key: v.Key, Name: "Path", Exists: v.Exists, Expand: v.Expand, Data: v.Data, Raw: v.Raw}
	if v.Exists && v.Type != envwriter.RegSZ && v.Type != envwriter.RegExpandSZ {
		w.OtherType = v.Type
	}
	return w
}

// windowsOnly wraps a Windows check: elsewhere it yields nothing.
func (f *Facts) windowsOnly(fn func(w *WinPaths) []Finding) []Finding {
	w, err := f.winPaths()
	if err != nil {
		return []Finding{{Severity: Warn, Message: "cannot read the Windows Path values: " + err.Error()}}
	}
	if w == nil {
		return nil
	}
	if w.Expand == nil {
		w.Expand = func(string) (string, bool) { return "", false }
	}
	return fn(w)
}

func regSource(v WinValue, text string) Source {
	return Source{Kind: SourceRegistry, Key: v.Key, Text: text}
}

func checkWinPathType(ctx context.Context, f *Facts) []Finding {
	return f.windowsOnly(func(w *WinPaths) []Finding {
		if w.User.Exists && w.User.OtherType != 0 {
			// Not repairable: nothing in it can be trusted as a directory
			// list, and replacing it would drop what it holds.
			typ := envwriter.RegTypeName(w.User.OtherType)
			return []Finding{{Severity: Fail,
				Message: fmt.Sprintf("the user Path (%s) is %s, not a string (REG_EXPAND_SZ): Windows reads no directories from it, and gosetup cannot put its own on it without replacing what it holds", w.User.Key, typ),
				Sources: []Source{regSource(w.User, typ)},
				Fix:     envwriter.NonStringPathAdvice + ", then run gosetup repair to put gosetup's directories on it"}}
		}
		if !w.User.Exists || w.User.Expand {
			return []Finding{ok("the user Path is REG_EXPAND_SZ (or not set)")}
		}
		var vars []string
		for _, seg := range envwriter.SplitWinPath(w.User.Data) {
			if strings.Count(seg, "%") >= 2 {
				vars = append(vars, seg)
			}
		}
		if len(vars) == 0 {
			return []Finding{ok("the user Path is REG_SZ and holds no %VAR% entry")}
		}
		return []Finding{{Severity: Fail,
			Message:    fmt.Sprintf("the user Path is stored as REG_SZ, so its entries with %%VAR%% (%s) are not expanded and name no directory", strings.Join(vars, ", ")),
			Sources:    []Source{regSource(w.User, "REG_SZ")},
			Fix:        "run gosetup repair to store it as REG_EXPAND_SZ, its text unchanged",
			Repairable: true, Repair: &RepairHint{WinPath: true}}}
	})
}

func checkWinPathLength(ctx context.Context, f *Facts) []Finding {
	return f.windowsOnly(func(w *WinPaths) []Finding {
		full := joinNonEmpty(expandIf(w.System, w.Expand), expandIf(w.User, w.Expand))
		if len(full) > cmdMaxLine {
			return []Finding{{Severity: Fail,
				Message: fmt.Sprintf("the Path new processes get is %d characters long, more than the %d cmd.exe accepts: entries near its end may be lost", len(full), cmdMaxLine),
				Sources: []Source{regSource(w.System, fmt.Sprintf("%d characters", len(expandIf(w.System, w.Expand)))), regSource(w.User, fmt.Sprintf("%d characters", len(expandIf(w.User, w.Expand))))},
				Fix:     "remove duplicate and dead entries from your Path (System Properties > Environment Variables); gosetup doctor windows.path-duplicates lists the duplicates"}}
		}
		return []Finding{ok(fmt.Sprintf("the Path is %d characters long", len(full)))}
	})
}

func expandIf(v WinValue, lookup func(string) (string, bool)) string {
	if !v.Exists {
		return ""
	}
	if v.Expand {
		return envwriter.ExpandWinVarsWith(v.Data, lookup)
	}
	return v.Data
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ";" + b
}

// winKey is a segment's meaning, expanded as Windows would for the
// value's type.
func winKey(seg string, v WinValue, lookup func(string) (string, bool)) string {
	if !v.Expand {
		lookup = nil
	}
	return envwriter.WinPathKey(seg, lookup)
}

func checkWinPathDuplicates(ctx context.Context, f *Facts) []Finding {
	return f.windowsOnly(func(w *WinPaths) []Finding {
		sys := map[string]bool{}
		for _, s := range envwriter.SplitWinPath(w.System.Data) {
			if k := winKey(s, w.System, w.Expand); k != "" {
				sys[k] = true
			}
		}
		var dups, inUser []string
		seen := map[string]bool{}
		for _, s := range envwriter.SplitWinPath(w.User.Data) {
			k := winKey(s, w.User, w.Expand)
			if k == "" {
				continue
			}
			switch {
			case sys[k]:
				dups = append(dups, s)
			case seen[k]:
				inUser = append(inUser, s)
			}
			seen[k] = true
		}
		var out []Finding
		if len(dups) > 0 {
			out = append(out, Finding{Severity: Warn,
				Message:    "entries in both the user and the system Path: " + strings.Join(dups, ", "),
				Sources:    []Source{regSource(w.User, ""), regSource(w.System, "")},
				Fix:        "run gosetup repair to remove them from your user Path (the system Path comes first anyway)",
				Repairable: true, Repair: &RepairHint{WinPath: true}})
		}
		if len(inUser) > 0 {
			out = append(out, Finding{Severity: Warn,
				Message:    "entries listed twice in the user Path: " + strings.Join(inUser, ", "),
				Sources:    []Source{regSource(w.User, "")},
				Fix:        "run gosetup repair to remove the later copies from your user Path",
				Repairable: true, Repair: &RepairHint{WinPath: true}})
		}
		if len(out) == 0 {
			out = append(out, ok("no entry is in both the user and the system Path"))
		}
		return out
	})
}

func checkWinSystemGo(ctx context.Context, f *Facts) []Finding {
	return f.windowsOnly(func(w *WinPaths) []Finding {
		lookup := w.Expand
		if !w.System.Expand {
			lookup = nil
		}
		hasGo := func(dir string) bool {
			fi, err := os.Stat(filepath.Join(dir, "go.exe"))
			return err == nil && fi.Mode().IsRegular()
		}
		sysGo := envwriter.GoDirsOutside(w.System.Data, f.managedDirs(), lookup, hasGo)
		if len(sysGo) == 0 {
			return []Finding{ok("no Go in the system Path")}
		}
		userGo := envwriter.GoDirsOutside(w.User.Data, nil, w.Expand, hasGo)
		if len(userGo) == 0 && len(f.managedDirs()) == 0 {
			return []Finding{ok("the system Path's Go in " + sysGo[0] + " is the only one")}
		}
		shadowed := f.managedDirs()
		if len(shadowed) == 0 {
			shadowed = userGo
		}
		return []Finding{{Severity: Fail,
			Message: fmt.Sprintf("a Go in the system Path (%s) comes before the user Path, so it wins over %s", strings.Join(sysGo, ", "), shadowed[0]),
			Sources: []Source{regSource(w.System, sysGo[0])},
			Fix:     "uninstall that Go (Settings > Apps, \"Go Programming Language\"), or as an administrator remove " + sysGo[0] + " from the system Path"}}
	})
}

func checkWinPathEntries(ctx context.Context, f *Facts) []Finding {
	return f.windowsOnly(func(w *WinPaths) []Finding {
		if w.User.OtherType != 0 {
			return nil // it has no entries; windows.path-type says what it is
		}
		x := f.winPathFix()
		var out []Finding
		if x != nil {
			var dead []string
			lookup := w.Expand
			for _, s := range x.Dropped {
				if winDead(s, x.Expand, lookup) {
					dead = append(dead, s)
				}
			}
			if len(dead) > 0 {
				out = append(out, Finding{Severity: Warn,
					Message: "user Path entries that name no directory: " + strings.Join(dead, ", "),
					Sources: []Source{regSource(w.User, "")}, Fix: "run gosetup repair to remove them",
					Repairable: true, Repair: &RepairHint{WinPath: true}})
			}
			if len(x.First) > 0 {
				out = append(out, Finding{Severity: Warn,
					Message: "gosetup's directories (" + strings.Join(x.First, ", ") + ") are not first in the user Path",
					Sources: []Source{regSource(w.User, "")}, Fix: "run gosetup repair to put them first",
					Repairable: true, Repair: &RepairHint{WinPath: true}})
			}
		}
		if len(out) == 0 {
			out = append(out, ok("every user Path entry names a directory, and gosetup's come first"))
		}
		return out
	})
}

// checkWinGoEnv: GO* values in HKCU\Environment that gosetup did not write
// there. Every new process gets them, so they shadow the Go env file and
// go env -w seems to do nothing.
func checkWinGoEnv(ctx context.Context, f *Facts) []Finding {
	return f.windowsOnly(func(w *WinPaths) []Finding {
		var out []Finding
		for _, g := range w.UserGo {
			if !g.Exists || f.wroteRegistry(g) {
				continue
			}
			out = append(out, Finding{Severity: Warn,
				Message:    g.Name + "=" + g.Data + " is set in HKCU\\Environment: every new process gets it, so it shadows the Go env file (go env -w " + g.Name + "=... seems to do nothing)",
				Sources:    []Source{regSource(g, "")},
				Fix:        "run gosetup repair to move it to the Go env file (the go command sees the same value)",
				Repairable: true, Repair: &RepairHint{WinGoEnv: []string{g.Name}}})
		}
		if len(out) == 0 {
			out = append(out, ok("no GO* value in HKCU\\Environment other than gosetup's"))
		}
		return out
	})
}

// wroteRegistry reports whether g holds what gosetup itself wrote there
// (gosetup env on Windows writes GO* values to the registry on purpose).
func (f *Facts) wroteRegistry(g WinValue) bool {
	if f.State == nil {
		return false
	}
	for _, r := range f.State.Registry {
		if strings.EqualFold(r.Name, g.Name) && !r.Deleted && r.Data == g.Data {
			return true
		}
	}
	return false
}
