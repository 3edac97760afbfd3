package doctor

import (
	"context"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"strings"
)

// checkGoFound: is there a go at all, and if not, why not.
func checkGoFound(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		if v.Go != "" {
			msg := "go found: " + v.Go
			if v.GoVersion != "" {
				msg += " (" + v.GoVersion + ")"
			}
			return []Finding{ok(msg)}
		}
		return []Finding{f.whyNoGo(v)}
	})
}

// whyNoGo explains `go: command not found` in v.
func (f *Facts) whyNoGo(v *View) Finding {
	fd := Finding{Severity: Fail, Message: "go: command not found"}
	exe := "go"
	if f.GOOS == "windows" {
		exe = "go.exe"
	}
	// A go that is installed but not on this PATH.
	var candidates []string
	if t := f.toolchainDir(); t != "" {
		candidates = append(candidates, filepath.Join(t, "bin"))
	}
	candidates = append(candidates, f.managedDirs()...)
	switch f.GOOS {
	case "windows":
		candidates = append(candidates, `C:\Program Files\Go\bin`, filepath.Join(f.Home, "go", "bin"))
	default:
		candidates = append(candidates, "/usr/local/go/bin", filepath.Join(f.Home, ".local", "go", "bin"), filepath.Join(f.Home, "go", "bin"), "/usr/lib/go/bin", "/snap/bin", "/opt/homebrew/bin", "/usr/local/bin")
		if ents, _ := filepath.Glob(filepath.Join(f.Home, "sdk", "go*", "bin")); len(ents) > 0 {
			candidates = append(candidates, ents...)
		}
	}
	onPath := map[string]bool{}
	for _, e := range pathList(v.Getenv("PATH"), f.GOOS) {
		onPath[cleanDir(e, f.GOOS)] = true
	}
	for _, dir := range candidates {
		p := filepath.Join(dir, exe)
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		if onPath[cleanDir(dir, f.GOOS)] {
			if f.GOOS != "windows" && fi.Mode()&0o111 == 0 {
				fd.Message += ": " + p + " is on PATH but not executable"
				fd.Sources = []Source{{Kind: SourcePath, File: p}}
				fd.Fix = "chmod +x " + p + ", or reinstall with gosetup install"
				return fd
			}
			continue
		}
		installed := f.toolchainDir() != "" && dir == filepath.Join(f.toolchainDir(), "bin")
		managed := installed
		for _, m := range f.managedDirs() {
			managed = managed || cleanDir(m, f.GOOS) == cleanDir(dir, f.GOOS)
		}
		fd.Sources = []Source{{Kind: SourcePath, File: p}}
		if managed {
			if installed {
				fd.Message += ": gosetup installed Go in " + filepath.Dir(dir) + ", but " + dir + " is not on PATH here"
			} else {
				fd.Message += ": gosetup puts " + dir + " first on PATH, but not here"
			}
			fd.Fix = "run gosetup repair to put it back on PATH (a startup file this shell reads is missing gosetup's block, or a later line resets PATH)"
			fd.Repairable = true
			fd.Repair = &RepairHint{PathFirst: dir}
		} else {
			fd.Message += ": a go is installed at " + p + ", but " + dir + " is not on PATH"
			fd.Fix = "run gosetup repair to put " + dir + " on PATH, or gosetup install for a new toolchain"
			fd.Repairable = true
			fd.Repair = &RepairHint{PathFirst: dir}
		}
		return fd
	}
	if v.Getenv("PATH") == "" {
		fd.Message += ": PATH is empty"
		fd.Fix = "a startup file sets PATH to nothing; find it with gosetup doctor path.hygiene, or run gosetup install"
		if a := lastAssignment(v.Assignments, "PATH"); a != nil {
			fd.Sources = []Source{{Kind: SourceFile, File: a.File, Line: a.Line, Shell: v.Name, Text: "PATH=" + a.Value}}
		}
		return fd
	}
	fd.Message += ": no Go is installed in any directory on PATH or in the usual places"
	fd.Fix = "install one with: gosetup install"
	return fd
}

// checkGoShadowed: the first go on PATH versus gosetup's and the newest.
func checkGoShadowed(ctx context.Context, f *Facts) []Finding {
	if len(f.Gos) == 0 {
		// gosetup's own PATH has none, but a fresh shell's may.
		if out := f.shadowedPerShell(nil, GoInstall{}); len(out) > 0 {
			return out
		}
		return []Finding{ok("no go on PATH (see go.found)")}
	}
	first := f.Gos[0]
	var out []Finding
	var list []string
	for _, g := range f.Gos {
		v := g.Version
		if v == "" {
			v = "does not run: " + g.Error
		}
		list = append(list, g.Path+" ("+v+")")
	}
	srcFor := func(g GoInstall) []Source {
		return []Source{f.pathSource(f.Views[0], g.Dir), {Kind: SourcePath, File: g.Path, Text: g.Version}}
	}
	var managed *GoInstall
	for i := range f.Gos {
		if f.Gos[i].Managed {
			managed = &f.Gos[i]
			break
		}
	}
	newest := first
	for _, g := range f.Gos[1:] {
		if version.IsValid(g.Version) && (!version.IsValid(newest.Version) || version.Compare(g.Version, newest.Version) > 0) {
			newest = g
		}
	}
	switch {
	case managed != nil && !first.Managed:
		out = append(out, Finding{Severity: Fail,
			Message:    fmt.Sprintf("the first go on PATH is %s (%s), not gosetup's %s (%s), which comes later", first.Path, orUnknown(first.Version), managed.Path, orUnknown(managed.Version)),
			Sources:    append(srcFor(first), srcFor(*managed)...),
			Fix:        "run gosetup repair to put " + managed.Dir + " first on PATH through gosetup's block",
			Repairable: true, Repair: &RepairHint{PathFirst: managed.Dir}})
	case managed == nil && len(f.managedDirs()) > 0 && f.toolchainDir() != "":
		out = append(out, Finding{Severity: Warn,
			Message: fmt.Sprintf("gosetup's toolchain %s is not on PATH; the go found is %s (%s)", f.toolchainDir(), first.Path, orUnknown(first.Version)),
			Sources: srcFor(first), Fix: "run gosetup repair to put it first on PATH", Repairable: true,
			Repair: &RepairHint{PathFirst: filepath.Join(f.toolchainDir(), "bin")}})
	}
	if newest.Path != first.Path && version.IsValid(first.Version) && version.Compare(newest.Version, first.Version) > 0 {
		fd := Finding{Severity: Warn,
			Message: fmt.Sprintf("the first go on PATH, %s (%s), is older than %s (%s) later on PATH", first.Path, first.Version, newest.Path, newest.Version),
			Sources: append(srcFor(first), srcFor(newest)...),
			Fix:     "run gosetup repair to put " + newest.Dir + " first, or remove the old Go"}
		if managed == nil || managed.Path == newest.Path {
			fd.Repairable, fd.Repair = true, &RepairHint{PathFirst: newest.Dir}
		}
		out = append(out, fd)
	}
	out = append(out, f.shadowedPerShell(managed, newest)...)
	if len(out) == 0 {
		msg := "the first go on PATH is " + first.Path + " (" + orUnknown(first.Version) + ")"
		if first.GOROOT != "" {
			msg += ", GOROOT " + first.GOROOT
		}
		if first.Managed {
			msg += ", gosetup's"
		}
		if len(f.Gos) > 1 {
			msg += "; later on PATH: " + strings.Join(list[1:], ", ")
		}
		out = append(out, ok(msg, srcFor(first)...))
	}
	return out
}

func orUnknown(v string) string {
	if v == "" {
		return "version unknown"
	}
	return v
}

// shadowedPerShell is path.go-shadowed for the PATH each fresh shell ends
// up with, which is what the user gets in a new terminal and may differ
// from gosetup's own: per shell, the first go when it is not gosetup's
// (or, without one, older than the newest on PATH), with the startup-file
// line that put its directory on PATH.
func (f *Facts) shadowedPerShell(managed *GoInstall, newest GoInstall) []Finding {
	managedBin := ""
	if managed != nil {
		managedBin = managed.Dir
	} else if t := f.toolchainDir(); t != "" {
		managedBin = filepath.Join(t, "bin")
	}
	var out []Finding
	for _, v := range f.Views[1:] {
		if v.Err != "" || v.Go == "" || !filepath.IsAbs(v.Go) {
			continue // shell.fresh and go.found say why
		}
		switch {
		case managedBin != "":
			if !sameDir(filepath.Dir(v.Go), managedBin, f.GOOS) {
				out = append(out, f.shadowedIn(v, managedBin))
			}
		case version.IsValid(v.GoVersion) && version.IsValid(newest.Version) && version.Compare(newest.Version, v.GoVersion) > 0 && !sameDir(filepath.Dir(v.Go), newest.Dir, f.GOOS):
			at := f.pathSource(v, filepath.Dir(v.Go))
			msg := fmt.Sprintf("%s finds %s (%s) first, older than %s (%s)", v.Name, v.Go, v.GoVersion, newest.Path, newest.Version)
			if at.Kind == SourceFile {
				msg += "; " + at.File + ":" + fmt.Sprint(at.Line) + " puts " + filepath.Dir(v.Go) + " on PATH"
			}
			out = append(out, Finding{Severity: Warn, Message: msg, Sources: []Source{at, goSource(v)}, Shells: []string{v.Name},
				Fix: "put " + newest.Dir + " first on PATH, or remove the old Go"})
		}
	}
	return out
}
