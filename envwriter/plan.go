package envwriter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/gosetup/gosetup/shellenv"
)

// Scope says where the GO* settings go. PATH always goes to the shells (or,
// on Windows, the registry).
type Scope string

const (
	// ScopeShell writes GO* into the env scripts (Windows: the registry).
	ScopeShell Scope = "shell"
	// ScopeGoEnv writes GO* into the Go env file, as `go env -w` does.
	ScopeGoEnv Scope = "goenv"
)

// Options says what to write and where.
type Options struct {
	Settings Settings
	Scope    Scope // ScopeShell when empty
	Env      Env
	// Toolchain is the toolchain directory an install just put in place
	// (the parent of Settings.Path[0]); it is recorded so that uninstall
	// can remove it.
	Toolchain string
}

// ChangeKind says what sort of file a Change is.
type ChangeKind string

const (
	KindScript  ChangeKind = "env script"
	KindStartup ChangeKind = "startup file"
	KindGoEnv   ChangeKind = "Go env file"
)

// Change is one file gosetup will write or remove.
type Change struct {
	Kind ChangeKind
	// Path is the file written; Link the symlink that led to it, if any.
	Path string
	Link string
	// Why names who reads the file (startup files) or what happens to it.
	Why string
	// Role is a startup file's role (which shells read it); "" for other
	// kinds. Why is its English text, unless the plan says more.
	Role StartupRole
	// Old is the content now (nil when the file does not exist); New the
	// content to write, nil to remove the file.
	Old, New []byte
	Exists   bool
	Mode     fs.FileMode
	// Note tells the user something about this file (uninstall: edited
	// since, so only the block is removed).
	Note string
}

// Changed reports whether applying c changes anything on disk.
func (c Change) Changed() bool {
	if c.New == nil {
		return c.Exists
	}
	return !c.Exists || !bytes.Equal(c.Old, c.New)
}

// Display is the path as the user knows it: the symlink when there is one.
func (c Change) Display() string {
	if c.Link != "" {
		return c.Link + " -> " + c.Path
	}
	return c.Path
}

// Plan is everything a run would do, computed without writing anything, so
// it can be shown (and diffed) before the user agrees, and so every value is
// validated and every file read before the first write.
type Plan struct {
	// Settings are the effective values gosetup will manage: this run's
	// merged over what it wrote before.
	Settings  Settings
	Scope     Scope
	ConfigDir string
	StatePath string
	// Shells are the shells detected; LoginShell is $SHELL's.
	Shells     []string
	LoginShell string
	Changes    []Change
	// Registry lists the HKCU\Environment values to write (Windows) or to
	// revert (uninstall).
	Registry []RegistryRecord
	// RegistryRevert lists GO* values an earlier run wrote to the registry
	// that this run moves to the Go env file (--scope goenv), and so
	// restores, since the environment would shadow the Go env file.
	RegistryRevert []RegistryRecord
	// RegistryEdits are exact writes repair planned from the values it
	// read (a user Path fixed in type and entries): each record's prior
	// is checked again before writing, and kept for uninstall.
	RegistryEdits []RegistryRecord
	// Toolchain is the toolchain directory uninstall removes.
	Toolchain string
	// Skipped are the recorded entries uninstall leaves as they are (and
	// in the record): refused, or impossible to undo; the rest is undone.
	Skipped []Skipped
	// Warnings are things that would defeat the settings, such as an
	// export in a startup file that shadows the Go env file.
	Warnings []string

	// OnLockWait, if set, is called once, before Apply starts waiting for
	// another gosetup process that holds the config dir's lock (a face
	// says "waiting for another gosetup"). It must not block.
	OnLockWait func()

	env       Env
	uninstall bool
	// stateRaw and stateHad are the state record as the plan read it:
	// Apply compares them with the record under the lock. replan makes
	// the same plan again from the record then.
	stateRaw        []byte
	stateHad        bool
	replan          func(context.Context) (*Plan, error)
	removeConfigDir bool     // uninstall emptied the config dir: remove it after the lock
	dirs            []string // directories to remove when empty (uninstall)
	next            *State   // the state record after applying; nil to delete it
}

// Changed lists the changes that touch the disk.
func (p *Plan) Changed() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Changed() {
			out = append(out, c)
		}
	}
	return out
}

// Empty reports whether applying p would change nothing at all.
func (p *Plan) Empty() bool {
	return len(p.Changed()) == 0 && len(p.Registry) == 0 && len(p.RegistryRevert) == 0 && len(p.RegistryEdits) == 0 && p.Toolchain == "" && (!p.uninstall || p.next != nil)
}

// mergeSettings lays the non-empty values of add over base; a non-empty
// Path replaces base's Path whole, since it names one toolchain.
func mergeSettings(base *Settings, add Settings) Settings {
	var m Settings
	if base != nil {
		m = *base
		m.Path = slices.Clone(base.Path)
	}
	for _, p := range []struct{ dst, src *string }{
		{&m.GOPROXY, &add.GOPROXY}, {&m.GOSUMDB, &add.GOSUMDB}, {&m.GOPRIVATE, &add.GOPRIVATE},
		{&m.GONOPROXY, &add.GONOPROXY}, {&m.GONOSUMDB, &add.GONOSUMDB},
	} {
		if *p.src != "" {
			*p.dst = *p.src
		}
	}
	if len(add.Path) > 0 {
		m.Path = slices.Clone(add.Path)
	}
	return m
}

// ErrNothingToWrite is PlanEnv's answer when neither the options nor the
// state record hold a setting or a PATH directory. A face says how to give
// one.
var ErrNothingToWrite = errors.New("nothing to write: no Go setting and no PATH directory given")

// GoEnvMovedError is PlanEnv's refusal to write to a second Go env file:
// gosetup wrote settings to Wrote, but the go command now reads Reads
// (GOENV or the config directory changed). Undoing the first write, then
// planning again, resolves it; the face says how.
type GoEnvMovedError struct{ Wrote, Reads string }

func (e *GoEnvMovedError) Error() string {
	return fmt.Sprintf("gosetup wrote Go settings to the Go env file %s, but the go command now reads %s (GOENV or the config dir changed); undo the settings gosetup wrote first", e.Wrote, e.Reads)
}

// PlanEnv works out every file `gosetup env` (or install) would write for
// opts: validates the values, reads the state record and every file, and
// renders the new contents. Nothing is written.
func PlanEnv(ctx context.Context, opts Options) (*Plan, error) {
	if err := opts.Settings.Validate(opts.Env.goos()); err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	scope := opts.Scope
	switch scope {
	case "":
		scope = ScopeShell
	case ScopeShell, ScopeGoEnv:
	default:
		return nil, fmt.Errorf("unknown scope %q: use shell or goenv", scope)
	}
	e, err := opts.Env.resolved()
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigDir(e)
	if err != nil {
		return nil, err
	}
	p := &Plan{Scope: scope, ConfigDir: cfg, StatePath: StatePath(cfg), Shells: e.Shells, LoginShell: LoginShell(e), env: e}
	st, err := p.loadState()
	if err != nil {
		return nil, err
	}
	p.replan = func(ctx context.Context) (*Plan, error) { return PlanEnv(ctx, opts) }
	p.Settings = mergeSettings(st.Settings, opts.Settings)
	if len(p.Settings.Vars()) == 0 && len(p.Settings.Path) == 0 {
		return nil, ErrNothingToWrite
	}
	// A value merged from an older state record was valid for an older
	// gosetup; check it again rather than write something now rejected.
	if err := p.Settings.Validate(e.GOOS); err != nil {
		return nil, fmt.Errorf("a value recorded by an earlier run is no longer valid (%w); run gosetup uninstall, then set it again", err)
	}
	next := cloneState(st)
	next.Settings = &p.Settings
	next.Scope = string(scope)
	if opts.Toolchain != "" {
		next.Toolchain = opts.Toolchain
	}
	p.next = next

	shellVars := p.Settings.Vars()
	if scope == ScopeGoEnv {
		shellVars = nil
		if err := p.planGoEnv(next); err != nil {
			return nil, err
		}
	}
	if e.GOOS == "windows" {
		reg := Settings{Path: p.Settings.Path}
		if scope == ScopeShell {
			reg = p.Settings
		}
		if err := p.planRegistry(reg); err != nil {
			return nil, err
		}
		if scope == ScopeGoEnv {
			var keep []RegistryRecord
			for _, r := range next.Registry {
				if strings.EqualFold(r.Name, "Path") {
					keep = append(keep, r)
				} else {
					p.RegistryRevert = append(p.RegistryRevert, r)
				}
			}
			next.Registry = keep
		}
	} else if len(shellVars) == 0 && len(p.Settings.Path) == 0 && len(st.Scripts) == 0 {
		// Nothing for the shells (--scope goenv without PATH), and no
		// env script from an earlier run to update: a startup file
		// sourcing an empty script would be an edit for nothing.
	} else if err := p.planShells(next, shellVars); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// e.Home, not opts.Env.Home: the faces leave Home to be found, and an
	// empty home would hold every absolute path.
	pc := pathsFor(e.GOOS)
	next.MergeDirs(configDirsToRecord(pc, p.ConfigDir, e.Home))
	for _, c := range p.Changed() {
		next.MergeDirs(recordableDirs(pc, missingDirs(filepath.Dir(c.Path)), e.Home, filepath.Dir(p.ConfigDir)))
	}
	if err := checkRecordable(next); err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	if err := p.checkOwners(); err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	p.warnShadows()
	return p, nil
}

// checkOwners refuses, when root works on another user's home, any file or
// directory to change that is not that user's: a startup file symlinked to
// a system file, or a path planted in the state record, must not make root
// edit or delete it. A new file is judged by the directory it would go in.
func (p *Plan) checkOwners() error {
	uid, ok := foreignHome(p.env.Home)
	if !ok {
		return nil
	}
	paths := slices.Clone(p.dirs)
	for _, c := range p.Changed() {
		paths = append(paths, c.Path)
	}
	for _, path := range paths {
		at := path
		if _, err := os.Lstat(path); err != nil {
			at = existingAncestor(filepath.Dir(path))
		}
		if o, ok := ownerOf(at); ok && o != uid {
			return fmt.Errorf("%s belongs to user id %d, not to the owner of %s (%d); running as root, gosetup changes only that user's files: run it as that user, or give the file to them", at, o, p.env.Home, uid)
		}
	}
	return nil
}

func (e Env) goos() string {
	if e.GOOS == "" {
		return runtime.GOOS
	}
	return e.GOOS
}

// planShells renders the env scripts and the managed block of each startup
// file.
func (p *Plan) planShells(next *State, vars []Var) error {
	shPath := filepath.Join(p.ConfigDir, "env")
	fishPath := filepath.Join(p.ConfigDir, "env.fish")
	scripts := []struct {
		path string
		body []byte
	}{
		{shPath, ShScript(vars, p.Settings.Path)},
		{fishPath, FishScript(vars, p.Settings.Path)},
	}
	for _, s := range scripts {
		fsx, err := readTarget(s.path)
		if err != nil {
			return err
		}
		p.Changes = append(p.Changes, Change{Kind: KindScript, Path: fsx.Path, Link: fsx.Link, Why: "sourced by the startup files below",
			Old: fsx.Content, New: s.body, Exists: fsx.Exists, Mode: fsx.Mode})
		next.MergeScript(fsx.Path)
	}
	for _, t := range StartupFiles(p.env) {
		fsx, err := readTarget(t.Path)
		if err != nil {
			return err
		}
		if !fsx.Exists && !t.Create {
			continue
		}
		script := shPath
		if t.Fish {
			script = fishPath
		}
		newText, err := UpsertBlock(fsx.Content, sourceBlock(script, t.Fish))
		if err != nil {
			return fmt.Errorf("%s: %w", fsx.Path, err)
		}
		c := Change{Kind: KindStartup, Path: fsx.Path, Link: fsx.Link, Why: t.Why, Role: t.Role, Old: fsx.Content, New: newText, Exists: fsx.Exists, Mode: fsx.Mode}
		if f := ForeignBlockLines(fsx.Content); len(f) > 0 {
			c.Note = foreignNote(f, "moved just below gosetup's block")
		}
		p.Changes = append(p.Changes, c)
		if c.Changed() {
			recordWrite(next, c)
		}
	}
	return nil
}

// recordWrite merges a file write into the state record. The first write
// keeps the file's prior content. When the file was changed by someone
// since gosetup last wrote it, the prior content is re-based on what is
// there now (minus gosetup's block), so undo keeps their edits.
func recordWrite(next *State, c Change) {
	r := FileRecord{Path: c.Path, Link: c.Link, Created: !c.Exists, Prior: c.Old, Written: hashBytes(c.New), Mode: c.Mode}
	if old := next.file(c.Path); old != nil {
		switch {
		case !c.Exists:
			// Removed since: the user had no file before this run, so
			// undo removes it rather than bring back the old content.
			old.Prior, old.Created = nil, true
		case hashBytes(c.Old) != old.Written:
			prior, _, err := RemoveBlock(c.Old)
			if err == nil {
				old.Prior, old.Created = prior, false
			}
		}
		old.Written = r.Written
		return
	}
	// A block already there without a record (the record was lost, or an
	// earlier run used another config dir) is gosetup's, not the user's:
	// undo must not put it back.
	if prior, found, err := RemoveBlock(c.Old); err == nil && found {
		r.Prior = prior
	}
	next.Files = append(next.Files, r)
}

// planGoEnv updates the Go env file with every managed GO* value.
func (p *Plan) planGoEnv(next *State) error {
	path, err := GoEnvFile(p.env)
	if err != nil {
		return err
	}
	fsx, err := readTarget(path)
	if err != nil {
		return err
	}
	add := map[string]string{}
	cur := ParseGoEnv(fsx.Content)
	rec := next.GoEnv
	if rec != nil && rec.Path != fsx.Path {
		// One record per state: replacing it would lose the undo of the
		// values written to the other file.
		return &GoEnvMovedError{Wrote: rec.Path, Reads: fsx.Path}
	}
	if rec == nil || !fsx.Exists {
		// A Go env file removed since gosetup wrote it: the values it
		// held before are gone, so undo must not bring them back.
		rec = &GoEnvRecord{Path: fsx.Path}
	}
	for _, v := range p.Settings.Vars() {
		add[v.Name] = v.Value
		found := false
		for i := range rec.Vars {
			if rec.Vars[i].Name == v.Name {
				rec.Vars[i].Value, found = v.Value, true
			}
		}
		if !found {
			prior, ok := cur[v.Name]
			rec.Vars = append(rec.Vars, GoEnvVar{Name: v.Name, PriorExists: ok, Prior: prior, Value: v.Value})
		}
	}
	newText := UpdateGoEnv(fsx.Content, add, nil)
	c := Change{Kind: KindGoEnv, Path: fsx.Path, Link: fsx.Link, Why: "read by the go command (go env -w)", Old: fsx.Content, New: newText, Exists: fsx.Exists, Mode: fsx.Mode}
	p.Changes = append(p.Changes, c)
	if c.Changed() {
		fr := FileRecord{Path: c.Path, Link: c.Link, Created: !c.Exists, Prior: c.Old, Written: hashBytes(c.New), Mode: c.Mode}
		if rec.File != nil {
			if c.Exists && hashBytes(c.Old) != rec.File.Written {
				// Changed since by someone else (go env -w): exact
				// restore is off; undo goes value by value.
				rec.File.Prior, rec.File.Created = nil, false
				rec.File.Written = ""
			} else {
				rec.File.Written = fr.Written
			}
		} else {
			rec.File = &fr
		}
	}
	next.GoEnv = rec
	return nil
}

func cloneState(s *State) *State {
	c := *s
	c.Files = slices.Clone(s.Files)
	c.Scripts = slices.Clone(s.Scripts)
	c.Registry = slices.Clone(s.Registry)
	if s.GoEnv != nil {
		g := *s.GoEnv
		g.Vars = slices.Clone(g.Vars)
		if g.File != nil {
			f := *g.File
			g.File = &f
		}
		c.GoEnv = &g
	}
	if s.Settings != nil {
		st := *s.Settings
		c.Settings = &st
	}
	return &c
}

// warnShadows looks for assignments to the managed variables outside
// gosetup's blocks, in the startup files gosetup knows of, and in the
// process environment when the values go to the Go env file.
func (p *Plan) warnShadows() {
	managed := map[string]bool{}
	for _, v := range p.Settings.Vars() {
		managed[v.Name] = true
	}
	if len(managed) == 0 {
		return
	}
	for _, f := range p.env.startupFilesToScan() {
		b, err := os.ReadFile(f.path)
		if err != nil {
			continue
		}
		for _, a := range ScanAssignments(b, f.fish) {
			if !managed[a.Name] && a.Name != "GOENV" {
				continue
			}
			switch {
			case a.Name == "GOENV":
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s:%d sets GOENV, so the go command may read a different Go env file than this process sees", f.path, a.Line))
			case p.Scope == ScopeGoEnv && a.Export:
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s:%d exports %s=%s, which overrides the Go env file; remove that line to use the value gosetup writes", f.path, a.Line, a.Name, a.Value))
			case p.Scope == ScopeShell:
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s:%d also sets %s=%s; whichever runs last wins, so remove that line", f.path, a.Line, a.Name, a.Value))
			}
		}
	}
	if p.Scope == ScopeGoEnv {
		for name := range managed {
			if v := p.env.Getenv(name); v != "" && v != p.settingValue(name) {
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s=%s is set in this environment and overrides the Go env file; find and remove where it is set", name, v))
			}
		}
	}
	slices.Sort(p.Warnings)
}

func (p *Plan) settingValue(name string) string {
	for _, v := range p.Settings.Vars() {
		if v.Name == name {
			return v.Value
		}
	}
	return ""
}

type scanFile struct {
	path string
	fish bool
}

// startupFilesToScan lists the startup files shells read, whether gosetup
// edits them or not: shellenv's list of the user's startup files, less
// gosetup's own fish snippet and fish's universal variables (not a
// script).
func (e Env) startupFilesToScan() []scanFile {
	var out []scanFile
	for _, f := range shellenv.UserStartupFiles(e.Home, e.Getenv) {
		if b := filepath.Base(f.Path); f.Fish && (b == "gosetup.fish" || b == "fish_variables") {
			continue
		}
		out = append(out, scanFile{path: f.Path, fish: f.Fish})
	}
	return out
}

// foreignNote names the lines someone added inside gosetup's block.
func foreignNote(lines []string, where string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = fmt.Sprintf("%q", l)
	}
	return fmt.Sprintf("kept %d line(s) you added inside gosetup's block, %s: %s", len(lines), where, strings.Join(q, ", "))
}
