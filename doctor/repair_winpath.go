package doctor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
)

// WinPathFix is the user Path (HKCU\Environment\Path) as repair leaves it:
// REG_EXPAND_SZ when it holds %VAR% entries, gosetup's directories first,
// without duplicates (within it, or of the system Path, which comes first
// anyway) and without entries that name no directory. The rest keeps its
// order and its text as written.
type WinPathFix struct {
	Data   string
	Expand bool
	// Prior is the value it was computed from; repair writes nothing
	// when the registry no longer holds exactly it (type and bytes).
	Prior WinValue
	// Dropped are the entries taken out; First the ones put first.
	Dropped []string
	First   []string
}

// winPathFix computes the repaired user Path, nil when nothing changes.
func (f *Facts) winPathFix() *WinPathFix {
	w, err := f.winPaths()
	if err != nil || w == nil || !w.User.Exists && len(f.managedDirs()) == 0 {
		return nil
	}
	if w.User.OtherType != 0 {
		// Not a string: there is no list to keep, and writing gosetup's
		// directories over it would lose what it holds (windows.path-type
		// tells the user what to do).
		return nil
	}
	lookup := w.Expand
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	segs := envwriter.SplitWinPath(w.User.Data)
	expand := w.User.Expand || !w.User.Exists
	for _, s := range segs {
		if strings.Count(s, "%") >= 2 {
			expand = true
		}
	}
	key := func(s string) string {
		if !expand {
			return envwriter.WinPathKey(s, nil)
		}
		return envwriter.WinPathKey(s, lookup)
	}
	sys := map[string]bool{}
	for _, s := range envwriter.SplitWinPath(w.System.Data) {
		if k := winKey(s, w.System, lookup); k != "" {
			sys[k] = true
		}
	}
	fix := &WinPathFix{Expand: expand, Prior: w.User}
	seen := map[string]bool{}
	var out []string
	for _, d := range f.managedDirs() {
		if k := key(d); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	for _, s := range segs {
		k := key(s)
		switch {
		case k == "":
			// An empty entry (;;): it names nothing.
		case seen[k] && slicesContainsKey(f.managedDirs(), k, key):
			// gosetup's, already put first.
		case seen[k] || sys[k]:
			fix.Dropped = append(fix.Dropped, s)
		case winDead(s, expand, lookup):
			fix.Dropped = append(fix.Dropped, s)
		default:
			out = append(out, s)
		}
		seen[k] = seen[k] || k != ""
	}
	fix.Data = strings.Join(out, ";")
	if len(f.managedDirs()) > 0 {
		old := envwriter.SplitWinPath(w.User.Data)
		for i, d := range f.managedDirs() {
			if i >= len(old) || key(old[i]) != key(d) {
				fix.First = f.managedDirs()
				break
			}
		}
	}
	if fix.Data == w.User.Data && expand == w.User.Expand && w.User.Exists {
		return nil
	}
	return fix
}

func slicesContainsKey(dirs []string, k string, key func(string) string) bool {
	for _, d := range dirs {
		if key(d) == k {
			return true
		}
	}
	return false
}

// winDead reports whether a Path entry surely names no directory: it
// expands fully (an unknown %VAR% may be set at sign-in) to an absolute
// path that does not exist or is not a directory.
func winDead(seg string, expand bool, lookup func(string) (string, bool)) bool {
	s := strings.Trim(seg, `"`)
	if expand {
		s = envwriter.ExpandWinVarsWith(s, lookup)
	}
	if strings.Contains(s, "%") || !filepath.IsAbs(s) {
		return false
	}
	fi, err := os.Stat(s)
	return err != nil && errors.Is(err, os.ErrNotExist) || err == nil && !fi.IsDir()
}

// Title says what the fix does, in one line.
func (x *WinPathFix) title() string {
	var parts []string
	if x.Expand && !x.Prior.Expand {
		parts = append(parts, "store it as REG_EXPAND_SZ so its %VAR% entries expand")
	}
	if len(x.First) > 0 {
		parts = append(parts, "put "+strings.Join(x.First, ", ")+" first")
	}
	if len(x.Dropped) > 0 {
		parts = append(parts, "remove "+strings.Join(quoteAll(x.Dropped), ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "rewrite it")
	}
	return `fix the user Path (HKCU\Environment\Path): ` + strings.Join(parts, "; ")
}

// planWinPath turns the fix into an exact registry write, checking that
// the user Path still holds what doctor read.
func planWinPath(x *WinPathFix) (envwriter.RegistryRecord, error) {
	typ := envwriter.RegSZ
	if x.Expand {
		typ = envwriter.RegExpandSZ
	}
	rec, err := envwriter.PlanRegistryValue("Path", typ, x.Data)
	if err != nil {
		return rec, err
	}
	if !x.Prior.heldBy(rec) {
		return rec, fmt.Errorf(`HKCU\Environment\Path %w; run gosetup repair again`, errWinPathChanged)
	}
	return rec, nil
}

var errWinPathChanged = errors.New("changed since doctor read it")

// heldBy reports whether rec's prior, read when repair planned its write,
// is still exactly v as doctor read it: both missing, or the same type
// and the same bytes.
func (v WinValue) heldBy(rec envwriter.RegistryRecord) bool {
	if rec.PriorExists != v.Exists || !v.Exists {
		return rec.PriorExists == v.Exists
	}
	typ := envwriter.RegSZ
	switch {
	case v.OtherType != 0:
		typ = v.OtherType
	case v.Expand:
		typ = envwriter.RegExpandSZ
	}
	return rec.PriorType == typ && rec.PriorData == v.Raw
}

// winPathAction is the action for the Windows Path findings.
func (f *Facts) winPathAction(check string) *Action {
	x := f.winPathFix()
	if x == nil {
		return nil
	}
	return &Action{Check: check, Title: x.title(), WinPath: x}
}

// winGoEnvAction moves a GO* value from HKCU\Environment to the Go env
// file, keeping the value the go command sees today (the registry's, which
// wins over the Go env file), so nothing changes in effect.
func (f *Facts) winGoEnvAction(check, name string) *Action {
	w, err := f.winPaths()
	if err != nil || w == nil {
		return nil
	}
	for _, g := range w.UserGo {
		if !strings.EqualFold(g.Name, name) {
			continue
		}
		keep := g.Data
		if g.Expand && w.Expand != nil {
			keep = envwriter.ExpandWinVarsWith(keep, w.Expand)
		}
		a := &Action{Check: check, Title: "move " + g.Name + "=" + keep + " from HKCU\\Environment to the Go env file (as go env -w)"}
		gpath, _, _ := f.goEnvFileValues(f.Views[0])
		if gpath == "" {
			a.Manual = "GOENV=off: there is no Go env file to keep it in"
			return a
		}
		key := strings.ToUpper(g.Name)
		a.Edits = []envwriter.FileEdit{{Path: gpath, GoEnv: true, Why: "keep " + key + "=" + keep + " (as go env -w " + key + "=" + keep + ")",
			Edit: func(text []byte) ([]byte, error) {
				return envwriter.UpdateGoEnv(text, map[string]string{key: keep}, nil), nil
			}}}
		a.RegDelete = []WinValue{g}
		return a
	}
	return nil
}
