package shellenv

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// traceResult is what a shell's xtrace says it did.
type traceResult struct {
	assignments []Assignment
	files       []string
	// complete is true when the trace reached the probe, so every
	// startup file command was traced.
	complete bool
	// last is file:line of the last traced command of a startup file.
	last string
	// chatter is what was not trace (startup files' own stderr), when the
	// trace shared standard error.
	chatter string
}

// parseTrace reads xtrace output whose records start with PS4 as
// invocation sets it: "+" (repeated for nesting), tok, then subshell,
// line and file separated by \x1f, then the command as the shell quotes
// it. initial is the environment the shell started with, to tell an
// assignment to PATH that prepends from one that replaces it.
func parseTrace(b []byte, tok, shell string, initial map[string]string) traceResult {
	var tr traceResult
	cur := map[string]string{}
	for k, v := range initial {
		if Wanted(k) {
			cur[k] = v
		}
	}
	sep := []byte(tok + "\x1f")
	seenFile := map[string]bool{}
	var chatter bytes.Buffer
	first := true
	for len(b) > 0 {
		i := bytes.Index(b, sep)
		if i < 0 {
			chatter.Write(b)
			break
		}
		pre := b[:i]
		if first {
			chatter.Write(bytes.TrimRight(pre, "+"))
		}
		first = false
		b = b[i+len(sep):]
		j := bytes.Index(b, sep)
		var rec []byte
		if j < 0 {
			rec, b = b, nil
		} else {
			rec, b = b[:j], b[j:]
		}
		fields := bytes.SplitN(rec, []byte("\x1f"), 4)
		if len(fields) < 4 {
			continue
		}
		sub, line, file, text := string(fields[0]), string(fields[1]), string(fields[2]), fields[3]
		cmd, rest := firstCommand(text)
		chatter.Write(bytes.TrimRight(rest, "+"))
		if bytes.Contains(text, []byte(tok+"probe")) {
			tr.complete = true
			break
		}
		// Our own script (bash's -c that sources the files) and zsh's
		// name for -c ("zsh") are not files.
		if file == "" || !filepath.IsAbs(file) {
			continue
		}
		n, _ := strconv.Atoi(line)
		tr.last = file + ":" + line
		if !seenFile[file] {
			seenFile[file] = true
			tr.files = append(tr.files, file)
		}
		if s, err := strconv.Atoi(sub); err == nil && s > 0 {
			continue // a subshell's assignments die with it
		}
		if cmd == nil || !mentionsWanted(cmd) {
			continue
		}
		for _, e := range tracedEffects(cmd, shell) {
			tr.add(e, file, n, shell, cur)
		}
	}
	tr.chatter = chatter.String()
	return tr
}

// mentionsWanted is a quick filter before parsing: only records naming
// PATH (zsh: path) or GO* can matter.
func mentionsWanted(b []byte) bool {
	return bytes.Contains(b, []byte("PATH")) || bytes.Contains(b, []byte("path")) || bytes.Contains(b, []byte("GO"))
}

// firstCommand splits a trace record's text into the traced command
// (through the first newline at which it parses as complete: a value may
// hold newlines inside its quotes) and what follows, which is output that
// a startup file wrote between two trace records.
func firstCommand(text []byte) (cmd, rest []byte) {
	off := 0
	for n := 0; n < 200; n++ {
		i := bytes.IndexByte(text[off:], '\n')
		end := len(text)
		if i >= 0 {
			end = off + i
		}
		cand := text[:end]
		if _, err := parseOne(cand); err == nil || i < 0 {
			if i < 0 {
				return cand, nil
			}
			return cand, text[end+1:]
		}
		off = end + 1
	}
	i := bytes.IndexByte(text, '\n')
	return text[:i], text[i+1:]
}

func parseOne(b []byte) (*syntax.Stmt, error) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(bytes.NewReader(b), "")
	if err != nil {
		return nil, err
	}
	if len(f.Stmts) == 0 {
		return nil, nil
	}
	return f.Stmts[0], nil
}

// effect is what one traced statement does to one variable.
type effect struct {
	name   string
	value  string
	hasVal bool // false for export NAME
	append bool // NAME+=value
	export bool
	unset  bool
}

// tracedEffects reads a traced command (already expanded by the shell,
// only quoted) for what it does to the wanted variables. A command with
// prefix assignments (GOFLAGS=x go build) changes nothing lasting; local
// assignments neither.
func tracedEffects(cmd []byte, shell string) []effect {
	st, err := parseOne(cmd)
	if err != nil || st == nil {
		return nil
	}
	var out []effect
	name := func(n string) string {
		if shell == "zsh" && n == "path" {
			return "PATH" // zsh ties the array path to PATH
		}
		return n
	}
	assign := func(a *syntax.Assign, export bool) {
		if a.Name == nil {
			return
		}
		n := name(a.Name.Value)
		if !Wanted(n) {
			return
		}
		e := effect{name: n, export: export, append: a.Append}
		switch {
		case a.Array != nil:
			var elems []string
			for _, el := range a.Array.Elems {
				if el.Value != nil {
					elems = append(elems, lit(el.Value))
				}
			}
			sepr := " "
			if n == "PATH" {
				sepr = ":"
			}
			e.value, e.hasVal = strings.Join(elems, sepr), true
			if a.Append && n == "PATH" {
				e.value = ":" + e.value
			}
		case a.Value != nil:
			e.value, e.hasVal = lit(a.Value), true
		case a.Naked:
			// export NAME
		default:
			e.hasVal = true // NAME=
		}
		out = append(out, e)
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		if len(c.Args) == 0 {
			for _, a := range c.Assigns {
				assign(a, false)
			}
			return out
		}
		if len(c.Assigns) > 0 {
			return nil
		}
		switch lit(c.Args[0]) {
		case "unset":
			for _, w := range c.Args[1:] {
				if n := name(lit(w)); Wanted(n) {
					out = append(out, effect{name: n, unset: true})
				}
			}
		}
	case *syntax.DeclClause:
		variant := c.Variant.Value
		if variant == "local" {
			return nil
		}
		export := variant == "export"
		var assigns []*syntax.Assign
		for _, a := range c.Args {
			if a.Naked && a.Name == nil && a.Value != nil {
				w := lit(a.Value)
				if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "+") {
					if strings.HasPrefix(w, "-") && strings.Contains(w, "x") {
						export = true
					}
					if variant == "export" && strings.Contains(w, "n") || strings.Contains(w, "p") || strings.Contains(w, "f") {
						return nil // export -n, -p, -f: not an export of a value
					}
					continue
				}
				// export 'NAME=value': the shell quoted the whole word.
				if k, v, ok := strings.Cut(w, "="); ok && validName(k) {
					assigns = append(assigns, &syntax.Assign{Name: &syntax.Lit{Value: k}, Value: &syntax.Word{Parts: []syntax.WordPart{&syntax.SglQuoted{Value: v}}}})
				} else if validName(w) {
					assigns = append(assigns, &syntax.Assign{Naked: true, Name: &syntax.Lit{Value: w}})
				}
				continue
			}
			assigns = append(assigns, a)
		}
		for _, a := range assigns {
			assign(a, export)
		}
	}
	return out
}

// lit is a traced word's value: the shell has expanded it already, so only
// its quoting is removed.
func lit(w *syntax.Word) string {
	s, err := expand.Literal(&expand.Config{}, w)
	if err != nil {
		return w.Lit()
	}
	return s
}

// add records an effect, merging the records shells write twice for one
// statement: bash traces export A=1 and then A=1; ksh traces A=1 and then
// export A for the same line.
func (tr *traceResult) add(e effect, file string, line int, shell string, cur map[string]string) {
	old, had := cur[e.name]
	var last *Assignment
	for i := len(tr.assignments) - 1; i >= 0; i-- {
		if tr.assignments[i].Var == e.name {
			last = &tr.assignments[i]
			break
		}
	}
	sameLine := last != nil && last.File == file && last.Line == line
	if e.unset {
		delete(cur, e.name)
		tr.assignments = append(tr.assignments, Assignment{Var: e.name, File: file, Line: line, Op: OpUnset, Shell: shell, Traced: true})
		return
	}
	if !e.hasVal {
		// export NAME: the value is the one it has.
		if sameLine && last.Op != OpUnset {
			last.Export = true
			if last.Op == OpSet {
				last.Op = OpExport
			}
			return
		}
		tr.assignments = append(tr.assignments, Assignment{Var: e.name, Value: old, File: file, Line: line, Op: OpExport, Export: true, Shell: shell, Traced: true})
		return
	}
	val := e.value
	if e.append {
		val = old + e.value
	}
	if sameLine && last.Value == val && !e.export && last.Export {
		return // bash: the assignment half of an export already recorded
	}
	cur[e.name] = val
	a := Assignment{Var: e.name, Value: val, File: file, Line: line, Op: OpSet, Export: e.export, Shell: shell, Traced: true}
	if e.export {
		a.Op = OpExport
	}
	if e.name == "PATH" && had && old != "" {
		switch {
		case val != old && strings.HasSuffix(val, ":"+old):
			a.Op = OpPrepend
		case val != old && strings.HasPrefix(val, old+":"):
			a.Op = OpAppend
		}
	}
	tr.assignments = append(tr.assignments, a)
}

// annotate adds what static parsing knows of each traced assignment's
// statement: its byte range and text as written, for repairs. It drops a
// traced assignment that the file has only as a command's prefix
// (GOFLAGS=x go build), which bash traces like a lasting one.
func annotate(as []Assignment) []Assignment {
	parsed := map[string][]Assignment{}
	out := as[:0]
	for _, a := range as {
		st, ok := parsed[a.File]
		if !ok {
			st, _ = parseFileStatic(a.File)
			parsed[a.File] = st
		}
		prefixOnly := false
		for _, s := range st {
			if s.Var != a.Var || s.Line != a.Line {
				continue
			}
			if s.prefix {
				prefixOnly = true
				continue
			}
			prefixOnly = false
			a.Raw, a.Literal, a.Cond, a.Word, a.Stmt, a.Names = s.Raw, s.Literal, s.Cond, s.Word, s.Stmt, s.Names
			break
		}
		if !prefixOnly {
			out = append(out, a)
		}
	}
	return out
}
