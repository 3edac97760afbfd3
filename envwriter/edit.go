package envwriter

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
)

// This file lets `gosetup repair` change lines outside gosetup's blocks (an
// export of GOROOT in ~/.bashrc, a PATH line adding "."), and the Go env
// file, through the same plan as every other write: shown as a diff first,
// written atomically all or nothing, and recorded in the state record so
// that `gosetup uninstall` puts back the exact bytes the file had before
// gosetup first touched it.

// FileEdit is one change to a file that gosetup does not own.
type FileEdit struct {
	Path string
	// Why says what the edit does, for the list shown before writing.
	Why string
	// Line orders edits of one file: they run from the last line up, so
	// that removing a line does not move the lines the others look for.
	Line int
	// Edit returns the new content from the current one (which, when the
	// same plan also writes gosetup's block into the file, already has
	// it); an error leaves the whole plan unwritten.
	Edit func(text []byte) ([]byte, error)
	// GoEnv marks an edit of the Go env file.
	GoEnv bool
	// Optional skips a file that does not exist (nor is written by the
	// base plan) instead of failing.
	Optional bool
}

// PlanEdits adds edits to base (a plan from PlanEnv, so that one file
// gets gosetup's block and the user's line fixed in one write), or, when
// base is nil, makes a plan of the edits alone. Nothing is written.
func PlanEdits(ctx context.Context, env Env, base *Plan, edits []FileEdit) (*Plan, error) {
	p := base
	if base != nil && base.replan != nil {
		again := base.replan
		defer func() {
			p.replan = func(ctx context.Context) (*Plan, error) {
				b, err := again(ctx)
				if err != nil {
					return nil, err
				}
				return PlanEdits(ctx, env, b, edits)
			}
		}()
	}
	if p == nil {
		e, err := env.resolved()
		if err != nil {
			return nil, err
		}
		cfg, err := ConfigDir(e)
		if err != nil {
			return nil, err
		}
		p = &Plan{ConfigDir: cfg, StatePath: StatePath(cfg), Shells: e.Shells, LoginShell: LoginShell(e), env: e}
		st, err := p.loadState()
		if err != nil {
			return nil, err
		}
		p.replan = func(ctx context.Context) (*Plan, error) { return PlanEdits(ctx, env, nil, edits) }
		p.next = cloneState(st)
		if st.Settings != nil {
			p.Settings = *st.Settings
		}
		p.Scope = Scope(st.Scope)
	}
	byFile := map[string][]FileEdit{}
	var order []string
	for _, ed := range edits {
		if _, ok := byFile[ed.Path]; !ok {
			order = append(order, ed.Path)
		}
		byFile[ed.Path] = append(byFile[ed.Path], ed)
	}
	for _, path := range order {
		eds := byFile[path]
		sort.SliceStable(eds, func(i, j int) bool { return eds[i].Line > eds[j].Line })
		idx := -1
		for i, c := range p.Changes {
			if c.Path == path || c.Link == path {
				idx = i
			}
		}
		var c Change
		if idx >= 0 {
			c = p.Changes[idx]
			if c.New == nil {
				return nil, fmt.Errorf("%s: the plan removes it, so it cannot also be edited", path)
			}
		} else {
			fsx, err := readTarget(path)
			if err != nil {
				return nil, err
			}
			kind := KindStartup
			if eds[0].GoEnv {
				kind = KindGoEnv
			}
			if !fsx.Exists && eds[0].Optional {
				continue
			}
			if !fsx.Exists && kind != KindGoEnv {
				// Only the Go env file may be created, as go env -w does.
				return nil, fmt.Errorf("%s no longer exists; run gosetup doctor again", path)
			}
			c = Change{Kind: kind, Path: fsx.Path, Link: fsx.Link, Old: fsx.Content, New: fsx.Content, Exists: fsx.Exists, Mode: fsx.Mode}
			if !fsx.Exists {
				c.New = []byte{}
			}
		}
		// A file the base plan already writes is already recorded, from its
		// state before this run: only what is written changes.
		baseChanged := idx >= 0 && c.Changed()
		preEdit := c.New
		text := c.New
		var whys []string
		for _, ed := range eds {
			out, err := ed.Edit(bytes.Clone(text))
			if err != nil {
				return nil, fmt.Errorf("nothing was changed: %s: %w", path, err)
			}
			text = out
			whys = append(whys, ed.Why)
		}
		c.New = text
		if c.Why == "" {
			c.Why = joinWhys(whys)
		} else {
			c.Why += "; " + joinWhys(whys)
		}
		if idx >= 0 {
			p.Changes[idx] = c
		} else {
			p.Changes = append(p.Changes, c)
		}
		switch {
		case !c.Changed():
		case baseChanged && c.Kind == KindGoEnv:
			recordGoEnvEdit(p.next, Change{Path: c.Path, Old: preEdit, New: c.New}, true)
		case baseChanged:
			if r := p.next.file(c.Path); r != nil {
				r.Written = hashBytes(c.New)
			}
		case c.Kind == KindGoEnv:
			recordGoEnvEdit(p.next, c, false)
		default:
			recordWrite(p.next, c)
		}
	}
	if err := checkRecordable(p.next); err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	if err := p.checkOwners(); err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	return p, ctx.Err()
}

func joinWhys(ws []string) string {
	var b bytes.Buffer
	for i, w := range ws {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(w)
	}
	return b.String()
}

// recordGoEnvEdit records a repair of the Go env file. When gosetup
// already keeps a record of that file (it wrote values there), its exact
// restore is kept only if nobody changed the file since; the value-by-value
// undo learns the prior value of each key repair removes or changes.
// Otherwise the file is recorded as any other edited file.
//
// planned is true when c.Old is what the same plan writes first, which the
// record already says it wrote.
func recordGoEnvEdit(next *State, c Change, planned bool) {
	rec := next.GoEnv
	if rec == nil || rec.Path != c.Path {
		recordWrite(next, c)
		return
	}
	before, after := ParseGoEnv(c.Old), ParseGoEnv(c.New)
	for name, prior := range before {
		if after[name] == prior {
			continue
		}
		found := false
		for i := range rec.Vars {
			if rec.Vars[i].Name == name {
				rec.Vars[i].Value, found = after[name], true
			}
		}
		if !found {
			rec.Vars = append(rec.Vars, GoEnvVar{Name: name, PriorExists: true, Prior: prior, Value: after[name]})
		}
	}
	for name, v := range after {
		if _, had := before[name]; had {
			continue
		}
		found := false
		for i := range rec.Vars {
			if rec.Vars[i].Name == name {
				rec.Vars[i].Value, found = v, true
			}
		}
		if !found {
			rec.Vars = append(rec.Vars, GoEnvVar{Name: name, Value: v})
		}
	}
	if rec.File != nil {
		if planned || hashBytes(c.Old) == rec.File.Written {
			rec.File.Written = hashBytes(c.New)
		} else {
			rec.File.Prior, rec.File.Created, rec.File.Written = nil, false, ""
		}
	}
}

// MoveBlockToEnd moves gosetup's block to the end of text, so that it
// runs after the user's lines: a later PATH line in the same file (export
// PATH=~/old/go/bin:$PATH) no longer puts another go first. Text without a
// block, or whose block is already last, is returned as it is.
func MoveBlockToEnd(text []byte) ([]byte, error) {
	start, end, found, err := blockSpan(text)
	if err != nil || !found {
		return text, err
	}
	if len(bytes.TrimSpace(text[end:])) == 0 {
		return text, nil
	}
	var body []string
	for _, l := range strings.Split(string(text[start:end]), "\n") {
		l = strings.TrimRight(l, "\r")
		if l != BeginMarker && l != EndMarker && l != "" && ownLine(l) {
			body = append(body, l)
		}
	}
	rest, _, err := RemoveBlock(text)
	if err != nil {
		return nil, err
	}
	return UpsertBlock(rest, body)
}

// AddRegistryEdits adds exact registry writes (from PlanRegistryValue) to
// p, kept when Apply has to plan again under the lock.
func (p *Plan) AddRegistryEdits(recs ...RegistryRecord) {
	p.RegistryEdits = append(p.RegistryEdits, recs...)
	if again := p.replan; again != nil {
		p.replan = func(ctx context.Context) (*Plan, error) {
			q, err := again(ctx)
			if err != nil {
				return nil, err
			}
			q.AddRegistryEdits(recs...)
			return q, nil
		}
	}
}
