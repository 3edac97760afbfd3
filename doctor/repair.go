package doctor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
)

// Action is one change repair can make, built from the findings it fixes.
// The command shows its diff, asks (per action on a terminal), and passes
// the chosen ones to PlanRepair.
type Action struct {
	Check string
	// Title says what it does, in one line.
	Title string
	// Fixes are the messages of the findings it fixes.
	Fixes []string

	// PathFirst and AddPath change PATH through gosetup's block; Rewrite
	// writes gosetup's blocks and env scripts again from its record.
	PathFirst string
	AddPath   string
	Rewrite   bool
	// Edits change lines outside gosetup's blocks.
	Edits []envwriter.FileEdit
	// WinPath rewrites the Windows user Path in HKCU\Environment.
	WinPath *WinPathFix
	// RegDelete are HKCU\Environment values to remove, as doctor read
	// them (nothing is removed when one changed since).
	RegDelete []WinValue
	// Choice, when set, asks which value of a setting to keep; Choose
	// turns the answer into Edits.
	Choice *Choice
	// Manual says why a finding marked repairable cannot be fixed this
	// time (the line moved, a computed value); the action does nothing.
	Manual string
}

// Choice is a setting with several values in several places.
type Choice struct {
	Name string
	// Values are the candidates, each with where it is set.
	Values []ChoiceValue
	// Default is the index of the value the go command sees today in a
	// fresh login shell: what --yes keeps, so nothing changes in effect.
	Default int

	goEnvFile string
	lines     []LineFix
	home      string
}

// ChoiceValue is one candidate value.
type ChoiceValue struct {
	Value string
	From  []string
}

// Choose fixes the value to keep: every startup-file assignment of the
// setting goes, and the Go env file (what go env -w writes) holds the
// chosen value, so the setting lives in one place.
func (a *Action) Choose(i int) error {
	c := a.Choice
	if c == nil || i < 0 || i >= len(c.Values) {
		return errors.New("no such choice")
	}
	keep := c.Values[i].Value
	a.Edits = nil
	for _, l := range c.lines {
		a.Edits = append(a.Edits, envwriter.FileEdit{Path: l.File, Line: l.Line, Why: "remove the assignment of " + c.Name + " on line " + fmt.Sprint(l.Line),
			Edit: removeAssignments(l.File, c.home, c.Name, l.Line)})
	}
	name := c.Name
	a.Edits = append(a.Edits, envwriter.FileEdit{Path: c.goEnvFile, GoEnv: true, Why: "keep " + name + "=" + keep + " (as go env -w " + name + "=" + keep + ")",
		Edit: func(text []byte) ([]byte, error) {
			return envwriter.UpdateGoEnv(text, map[string]string{name: keep}, nil), nil
		}})
	a.Title = fmt.Sprintf("keep %s=%s in the Go env file and remove the other assignments", name, keep)
	return nil
}

// Actions turns the repairable findings of rep into actions.
func Actions(rep *Report) []*Action {
	f := rep.facts
	if f == nil {
		return nil
	}
	var out []*Action
	seen := map[string]*Action{}
	add := func(key string, a *Action, fix string) {
		if old, ok := seen[key]; ok {
			old.Fixes = appendUnique(old.Fixes, fix)
			return
		}
		a.Fixes = []string{fix}
		seen[key] = a
		out = append(out, a)
	}
	for _, fd := range rep.Findings {
		if !fd.Repairable || fd.Severity == OK || fd.Repair == nil {
			continue
		}
		h := fd.Repair
		switch {
		case len(h.WinGoEnv) > 0:
			for _, name := range h.WinGoEnv {
				if a := f.winGoEnvAction(fd.Check, name); a != nil {
					add("wingoenv "+strings.ToUpper(name), a, fd.Message)
				}
			}
		case h.WinPath:
			if a := f.winPathAction(fd.Check); a != nil {
				add("winpath", a, fd.Message)
			}
		case fd.Check == "env.shadowed":
			name := strings.SplitN(fd.Message, "=", 2)[0]
			if strings.Contains(fd.Message, " is set more than once") {
				name = strings.Fields(fd.Message)[0]
			}
			if a := f.shadowAction(name); a != nil {
				add("choice "+name, a, fd.Message)
			}
		case h.PathFirst != "" || h.AddPath != "" || h.Rewrite:
			title := "write gosetup's blocks and env scripts again"
			if h.PathFirst != "" {
				title = "put " + h.PathFirst + " first on PATH through gosetup's block"
			} else if h.AddPath != "" {
				title = "add " + h.AddPath + " to PATH through gosetup's block"
			}
			a := &Action{Check: fd.Check, Title: title, PathFirst: h.PathFirst, AddPath: h.AddPath, Rewrite: h.Rewrite}
			if h.BlocksLast {
				a.Title += ", after the lines that put another go first"
				for _, t := range envwriter.StartupFiles(f.env) {
					a.Edits = append(a.Edits, envwriter.FileEdit{Path: t.Path, Why: "move gosetup's block to the end", Edit: envwriter.MoveBlockToEnd, Optional: true})
				}
			}
			add("managed "+h.PathFirst+" "+h.AddPath+fmt.Sprint(h.Rewrite, h.BlocksLast), a, fd.Message)
		case len(h.DropPath) > 0:
			a := &Action{Check: fd.Check, Title: "remove " + strings.Join(quoteAll(h.DropPath), ", ") + " from PATH"}
			for _, s := range fileSources(fd.Sources) {
				if f.owned(s.File) {
					a.Manual = "the entry comes from gosetup's own env script; run gosetup env --path DIR to change it"
					continue
				}
				a.Edits = append(a.Edits, envwriter.FileEdit{Path: s.File, Line: s.Line, Why: "remove " + strings.Join(quoteAll(h.DropPath), ", ") + " from the PATH on line " + fmt.Sprint(s.Line),
					Edit: dropPathEntries(s.File, f.Home, s.Line, h.DropPath)})
			}
			if len(a.Edits) == 0 && a.Manual == "" {
				a.Manual = "no startup file line sets it; it comes from the environment gosetup was started in"
			}
			add("drop "+strings.Join(h.DropPath, "\x00"), a, fd.Message)
		case len(h.Lines) > 0 || len(h.GoEnvUnset) > 0:
			a := &Action{Check: fd.Check}
			var names []string
			for _, l := range h.Lines {
				if f.owned(l.File) {
					a.Manual = "it is set by gosetup's own env script; change it with gosetup env"
					continue
				}
				names = appendUnique(names, l.Name)
				a.Edits = append(a.Edits, envwriter.FileEdit{Path: l.File, Line: l.Line, Why: "remove the assignment of " + l.Name + " on line " + fmt.Sprint(l.Line),
					Edit: removeAssignments(l.File, f.Home, l.Name, l.Line)})
			}
			if len(h.GoEnvUnset) > 0 {
				path, _, _ := f.goEnvFileValues(f.Views[0])
				del := slices.Clone(h.GoEnvUnset)
				names = append(names, del...)
				a.Edits = append(a.Edits, envwriter.FileEdit{Path: path, GoEnv: true, Why: "unset " + strings.Join(del, ", ") + " (as go env -u)",
					Edit: func(text []byte) ([]byte, error) { return envwriter.UpdateGoEnv(text, nil, del), nil }})
			}
			a.Title = "remove the setting of " + strings.Join(names, ", ")
			key := "lines " + fd.Check
			for _, e := range a.Edits {
				key += fmt.Sprintf(" %s:%d", e.Path, e.Line)
			}
			add(key, a, fd.Message)
		}
	}
	return out
}

// owned reports whether path is one of gosetup's own files (its env
// scripts), which repair rewrites through the plan rather than edits.
func (f *Facts) owned(path string) bool {
	return f.ConfigDir != "" && strings.HasPrefix(path, f.ConfigDir+string(filepath.Separator))
}

// shadowAction is the choice of the value to keep for name, over every
// startup-file assignment of it any fresh shell made and the Go env file.
func (f *Facts) shadowAction(name string) *Action {
	gpath, _, gvals := f.goEnvFileValues(f.Views[0])
	if gpath == "" {
		return nil // GOENV=off: there is no one place to keep it
	}
	c := &Choice{Name: name, goEnvFile: gpath, home: f.Home, Default: -1}
	addValue := func(v, from string) {
		for i := range c.Values {
			if c.Values[i].Value == v {
				c.Values[i].From = appendUnique(c.Values[i].From, from)
				return
			}
		}
		c.Values = append(c.Values, ChoiceValue{Value: v, From: []string{from}})
	}
	for _, v := range f.Views[1:] {
		for _, a := range v.Assignments {
			if a.Name != name || a.File == "" || f.owned(a.File) {
				continue
			}
			addValue(a.Value, fmt.Sprintf("%s:%d", a.File, a.Line))
			c.lines = appendLineFixes(c.lines, []LineFix{{File: a.File, Line: a.Line, Name: name}})
		}
	}
	if v, ok := gvals[name]; ok {
		addValue(v, gpath)
	}
	if len(c.lines) == 0 {
		return nil
	}
	// What a fresh login shell's go sees today: the login shell of
	// $SHELL, else any login shell, else this environment.
	seen, found := "", false
	login := filepath.Base(f.getenv("SHELL"))
	for _, pass := range []func(v *View) bool{
		func(v *View) bool { return v.Shell == login && v.Mode == "login" },
		func(v *View) bool { return v.Mode == "login" },
		func(v *View) bool { return true },
	} {
		for _, v := range f.Views {
			if v.Err != "" || !pass(v) || found {
				continue
			}
			// What its go reported, else what the go command would read
			// there (a shell without a go still has the settings).
			if val, ok := v.GoEnv[name]; ok {
				seen, found = val, true
			} else if s := f.resolve(v, name); s.Value != "" {
				seen, found = s.Value, true
			}
		}
	}
	for i, v := range c.Values {
		if v.Value == seen {
			c.Default = i
		}
	}
	if c.Default < 0 {
		c.Values = append(c.Values, ChoiceValue{Value: seen, From: []string{"what the go command sees in a fresh login shell"}})
		c.Default = len(c.Values) - 1
	}
	a := &Action{Check: "env.shadowed", Choice: c}
	a.Choose(c.Default)
	return a
}

// PlanRepair is the one plan that carries out actions: gosetup's block
// and env scripts for PATH changes, and the edits of other files, each
// file written once, all recorded for uninstall.
func PlanRepair(ctx context.Context, env envwriter.Env, actions []*Action) (*envwriter.Plan, error) {
	cfg, err := envwriter.ConfigDir(env)
	if err != nil {
		return nil, err
	}
	st, err := envwriter.LoadState(envwriter.StatePath(cfg))
	if err != nil {
		return nil, err
	}
	var managed []string
	var scope envwriter.Scope
	if st.Settings != nil {
		managed = slices.Clone(st.Settings.Path)
		scope = envwriter.Scope(st.Scope)
	}
	path := managed
	touched := false
	var edits []envwriter.FileEdit
	var reg []envwriter.RegistryRecord
	for _, a := range actions {
		if a.WinPath != nil {
			rec, err := planWinPath(a.WinPath)
			if err != nil {
				return nil, err
			}
			reg = append(reg, rec)
		}
		for _, v := range a.RegDelete {
			rec, err := envwriter.PlanRegistryDelete(v.Name)
			if err == nil && !v.heldBy(rec) {
				err = fmt.Errorf(`%s %w; run gosetup repair again`, v.Key, errWinPathChanged)
			}
			if err != nil {
				return nil, err
			}
			reg = append(reg, rec)
		}
		if a.Manual != "" && len(a.Edits) == 0 {
			continue
		}
		edits = append(edits, a.Edits...)
		if a.PathFirst != "" {
			path = append([]string{a.PathFirst}, slices.DeleteFunc(slices.Clone(path), func(d string) bool { return filepath.Clean(d) == filepath.Clean(a.PathFirst) })...)
			touched = true
		}
		if a.AddPath != "" && !slices.ContainsFunc(path, func(d string) bool { return filepath.Clean(d) == filepath.Clean(a.AddPath) }) {
			path = append(path, a.AddPath)
			touched = true
		}
		touched = touched || a.Rewrite
	}
	var base *envwriter.Plan
	if touched {
		if len(path) == 0 && (st.Settings == nil || len(st.Settings.Vars()) == 0) {
			return nil, errors.New("gosetup has no settings to write again; run gosetup install or gosetup env first")
		}
		base, err = envwriter.PlanEnv(ctx, envwriter.Options{Settings: envwriter.Settings{Path: path}, Scope: scope, Env: env})
		if err != nil {
			return nil, err
		}
	}
	if base == nil && len(edits) == 0 && len(reg) == 0 {
		return nil, nil
	}
	p, err := envwriter.PlanEdits(ctx, env, base, edits)
	if err != nil {
		return nil, err
	}
	p.AddRegistryEdits(reg...)
	return p, nil
}
