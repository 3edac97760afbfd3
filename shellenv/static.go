package shellenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Source is a "." or "source" command in a startup file.
type Source struct {
	// Path is the file it reads, with ~ and $HOME expanded and a relative
	// path taken from the home directory, where the shell starts; "" when
	// the path is computed at run time.
	Path string
	Raw  string // as written
	Line int
	Cond bool
}

// pathMark stands for $PATH in a statically expanded value, to tell
// PATH=dir:$PATH (prepend) from PATH=dir (replace).
const pathMark = "\x00PATH\x00"

// ParseSh parses a POSIX sh, bash, ksh or zsh startup file with a real
// shell parser (mvdan.cc/sh) and lists every assignment of a variable it
// contains (NAME=value, export, declare/typeset -x, readonly, unset; not
// local ones, prefix assignments of a command or those in a subshell or
// pipeline, which do not last), in file order, with line, Op and byte
// ranges, and the files it sources. file is only for messages and the
// Assignment's File. home expands ~ and $HOME in values and source paths;
// with home "" they are kept as written (and the value is not Literal).
// A file that does not parse gives the error and what parsed before it.
func ParseSh(text []byte, file, home string) ([]Assignment, []Source, error) {
	items, err := parseShItems(text, file, home)
	var as []Assignment
	var srcs []Source
	for _, it := range items {
		if it.src != nil {
			srcs = append(srcs, *it.src)
		} else if !it.a.prefix {
			as = append(as, it.a)
		}
	}
	return as, srcs, err
}

// item is an assignment or a source command, in file order.
type item struct {
	a   Assignment
	src *Source
}

func parseShItems(text []byte, file, home string) ([]item, error) {
	// bash is the widest of the POSIX dialects mvdan.cc/sh reads, and
	// ksh files mostly parse with it; zsh's files get its (experimental)
	// zsh dialect first. When the first dialect fails, the other is
	// tried, and an error remains only when both fail.
	langs := []syntax.LangVariant{syntax.LangBash, syntax.LangZsh}
	if isZshFile(file) {
		langs[0], langs[1] = langs[1], langs[0]
	}
	items, err := parseShItemsLang(text, file, home, langs[0])
	if err == nil {
		return items, nil
	}
	if items2, err2 := parseShItemsLang(text, file, home, langs[1]); err2 == nil {
		return items2, nil
	}
	return items, err
}

// isZshFile: zsh's startup files and *.zsh.
func isZshFile(file string) bool {
	b := strings.TrimPrefix(filepath.Base(file), ".")
	return strings.HasSuffix(b, ".zsh") || b == "zshenv" || b == "zprofile" || b == "zshrc" || b == "zlogin" || b == "zlogout"
}

func parseShItemsLang(text []byte, file, home string, lang syntax.LangVariant) ([]item, error) {
	var items []item
	f, err := syntax.NewParser(syntax.Variant(lang)).Parse(bytes.NewReader(text), file)
	if err != nil {
		// Keep what precedes the error: a file with an odd line at the
		// end still tells about its first lines.
		f = nil
		if pe, ok := err.(syntax.ParseError); ok && pe.Pos.Line() > 1 {
			cut := lineOffset(text, int(pe.Pos.Line()))
			if f2, err2 := syntax.NewParser(syntax.Variant(lang)).Parse(bytes.NewReader(text[:cut]), file); err2 == nil {
				f = f2
			}
		}
		err = fmt.Errorf("%s: %w", file, err)
		if f == nil {
			return nil, err
		}
	}
	w := shWalker{text: text, file: file, home: home, items: &items}
	w.stmts(f.Stmts, false)
	return items, err
}

// lineOffset is the byte offset where 1-based line n starts.
func lineOffset(text []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(text[off:], '\n')
		if j < 0 {
			return len(text)
		}
		off += j + 1
	}
	return off
}

type shWalker struct {
	text  []byte
	file  string
	home  string
	items *[]item
}

func (w *shWalker) stmts(ss []*syntax.Stmt, cond bool) {
	for _, s := range ss {
		w.stmt(s, cond)
	}
}

func (w *shWalker) stmt(s *syntax.Stmt, cond bool) {
	if s == nil || s.Cmd == nil || s.Background || s.Coprocess {
		return
	}
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		w.call(s, c, cond)
	case *syntax.DeclClause:
		w.decl(s, c, cond)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			w.stmts(ic.Cond, true)
			w.stmts(ic.Then, true)
		}
	case *syntax.WhileClause:
		w.stmts(c.Cond, true)
		w.stmts(c.Do, true)
	case *syntax.ForClause:
		w.stmts(c.Do, true)
	case *syntax.CaseClause:
		for _, it := range c.Items {
			w.stmts(it.Stmts, true)
		}
	case *syntax.Block:
		w.stmts(c.Stmts, cond)
	case *syntax.BinaryCmd:
		if c.Op == syntax.AndStmt || c.Op == syntax.OrStmt {
			w.stmt(c.X, cond)
			w.stmt(c.Y, true)
		}
		// A pipeline's parts run in subshells: nothing lasts.
	case *syntax.FuncDecl:
		w.stmt(c.Body, true)
	case *syntax.TimeClause:
		w.stmt(c.Stmt, cond)
	}
	// Subshells, command substitutions and the rest change nothing in
	// this shell.
}

func (w *shWalker) rng(n syntax.Node) Range {
	return Range{int(n.Pos().Offset()), int(n.End().Offset())}
}

func (w *shWalker) call(s *syntax.Stmt, c *syntax.CallExpr, cond bool) {
	if len(c.Args) == 0 {
		var names []string
		for _, a := range c.Assigns {
			if a.Name != nil {
				names = append(names, a.Name.Value)
			}
		}
		for _, a := range c.Assigns {
			w.assign(s, a, false, cond, names)
		}
		return
	}
	if len(c.Assigns) > 0 {
		// GOFLAGS=x go build: for that command only.
		for _, a := range c.Assigns {
			if a.Name != nil {
				*w.items = append(*w.items, item{a: Assignment{Var: a.Name.Value, File: w.file, Line: int(a.Pos().Line()), prefix: true}})
			}
		}
		return
	}
	cmd, _ := w.word(c.Args[0], false)
	switch cmd {
	case ".", "source":
		if len(c.Args) < 2 {
			return
		}
		p, literal := w.word(c.Args[1], false)
		src := &Source{Raw: w.src(c.Args[1]), Line: int(s.Pos().Line()), Cond: cond}
		if literal {
			if !filepath.IsAbs(p) {
				p = filepath.Join(w.home, p)
			}
			src.Path = p
		}
		*w.items = append(*w.items, item{src: src})
	case "unset":
		var names []string
		for _, a := range c.Args[1:] {
			if n, ok := w.word(a, false); ok && validName(n) {
				names = append(names, n)
			}
		}
		for _, a := range c.Args[1:] {
			n, ok := w.word(a, false)
			if !ok || !validName(n) {
				continue
			}
			*w.items = append(*w.items, item{a: Assignment{Var: n, File: w.file, Line: int(a.Pos().Line()), Op: OpUnset, Raw: w.src(a), Literal: true, Cond: cond, Word: w.rng(a), Stmt: w.rng(s), Names: names}})
		}
	}
}

func (w *shWalker) decl(s *syntax.Stmt, c *syntax.DeclClause, cond bool) {
	variant := c.Variant.Value
	if variant == "local" || variant == "nameref" {
		return
	}
	export := variant == "export"
	var assigns []*syntax.Assign
	for _, a := range c.Args {
		if a.Naked && a.Name == nil && a.Value != nil {
			v, _ := w.word(a.Value, false)
			if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
				if strings.HasPrefix(v, "-") && strings.Contains(v, "x") {
					export = true
				}
				if strings.ContainsAny(v, "npf") {
					return // export -n, -p, -f, declare -n: no value exported
				}
				continue
			}
		}
		assigns = append(assigns, a)
	}
	var names []string
	for _, a := range assigns {
		if a.Name != nil {
			names = append(names, a.Name.Value)
		}
	}
	for _, a := range assigns {
		w.assign(s, a, export, cond, names)
	}
}

func (w *shWalker) assign(s *syntax.Stmt, a *syntax.Assign, export, cond bool, names []string) {
	out := Assignment{File: w.file, Line: int(a.Pos().Line()), Op: OpSet, Export: export, Cond: cond, Word: w.rng(a), Stmt: w.rng(s), Names: names, Literal: true}
	if export {
		out.Op = OpExport
	}
	switch {
	case a.Name == nil && a.Value != nil:
		// export "NAME=value" as one quoted word.
		v, literal := w.word(a.Value, true)
		k, val, ok := strings.Cut(v, "=")
		if !ok || !validName(k) {
			return
		}
		out.Var, out.Value, out.Literal, out.Raw = k, val, literal, w.src(a.Value)
	case a.Name == nil:
		return
	case a.Array != nil:
		out.Var = a.Name.Value
		var elems []string
		for _, el := range a.Array.Elems {
			if el.Value != nil {
				v, literal := w.word(el.Value, true)
				out.Literal = out.Literal && literal
				elems = append(elems, v)
			}
		}
		sepr := " "
		if out.Var == "path" {
			out.Var, sepr = "PATH", ":"
		}
		out.Value = strings.Join(elems, sepr)
		out.Raw = w.src(a.Array)
	case a.Value != nil:
		out.Var = a.Name.Value
		out.Value, out.Literal = w.word(a.Value, true)
		out.Raw = w.src(a.Value)
	case a.Naked:
		// export NAME: exports the value it has.
		out.Var = a.Name.Value
		out.Literal = false
		if !export {
			return // declare NAME, readonly NAME: no new value
		}
	default:
		out.Var = a.Name.Value // NAME=
	}
	if a.Append {
		out.Op = OpAppend
		out.Value = pathMark + out.Value
		out.Literal = false
	}
	out.Op = pathOp(out.Op, out.Value)
	if strings.Contains(out.Value, pathMark) {
		out.Literal = false
		out.Value = strings.ReplaceAll(out.Value, pathMark, "$PATH")
	}
	*w.items = append(*w.items, item{a: out})
}

// pathOp tells PATH=dir:$PATH (prepend) and PATH=$PATH:dir (append) from
// the statically expanded value.
func pathOp(op Op, v string) Op {
	switch {
	case op == OpUnset || v == pathMark:
		return op
	case strings.HasSuffix(v, ":"+pathMark):
		return OpPrepend
	case strings.HasPrefix(v, pathMark+":") || strings.HasPrefix(v, pathMark):
		return OpAppend
	}
	return op
}

func (w *shWalker) src(n syntax.Node) string {
	s, e := int(n.Pos().Offset()), int(n.End().Offset())
	if s < 0 || e > len(w.text) || s > e {
		return ""
	}
	return string(w.text[s:e])
}

// word expands a word as far as can be done without running anything:
// quotes, ~ and $HOME; $PATH becomes pathMark. literal is false when
// anything else (another variable, a command substitution) is in it; its
// text is then kept as written. inAssign expands ~ after ':' too, as
// shells do in assignments.
func (w *shWalker) word(wd *syntax.Word, inAssign bool) (string, bool) {
	var b strings.Builder
	literal := true
	for i, p := range wd.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			v := p.Value
			if w.home == "" && strings.Contains(v, "~") {
				literal = false // no home to expand ~ with
			} else if i == 0 && (v == "~" || strings.HasPrefix(v, "~/")) {
				v = w.home + v[1:]
			}
			if inAssign && w.home != "" {
				v = strings.ReplaceAll(v, ":~/", ":"+w.home+"/")
				if strings.HasSuffix(v, ":~") {
					v = v[:len(v)-1] + w.home
				}
			}
			b.WriteString(unescapeUnquoted(v))
		case *syntax.SglQuoted:
			if p.Dollar {
				b.WriteString(lit(&syntax.Word{Parts: []syntax.WordPart{p}}))
			} else {
				b.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					b.WriteString(unescapeDouble(q.Value))
				case *syntax.ParamExp:
					v, ok := w.param(q)
					literal = literal && ok
					b.WriteString(v)
				default:
					literal = false
					b.WriteString(w.src(q))
				}
			}
		case *syntax.ParamExp:
			v, ok := w.param(p)
			literal = literal && ok
			b.WriteString(v)
		default:
			literal = false
			b.WriteString(w.src(p))
		}
	}
	return b.String(), literal
}

func (w *shWalker) param(p *syntax.ParamExp) (string, bool) {
	simple := p.Exp == nil && p.Repl == nil && p.Slice == nil && p.Index == nil && !p.Length && !p.Width && !p.Excl && p.Names == 0
	if simple && p.Param != nil {
		switch p.Param.Value {
		case "HOME":
			if w.home != "" {
				return w.home, true
			}
		case "PATH":
			return pathMark, true
		}
	}
	return w.src(p), false
}

func unescapeUnquoted(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unescapeDouble(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseFileStatic parses a file in the syntax its name suggests, keeping
// prefix assignments.
func parseFileStatic(path string) ([]Assignment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var items []item
	if strings.HasSuffix(path, ".fish") {
		items, err = parseFishItems(b, path, "")
	} else {
		items, err = parseShItems(b, path, "")
	}
	var as []Assignment
	for _, it := range items {
		if it.src == nil {
			as = append(as, it.a)
		}
	}
	return as, err
}

// StaticResult is what static attribution found for one shell and mode.
type StaticResult struct {
	// Assignments of PATH, GO* and CGO_ENABLED, in the order the shell
	// would meet them, sourced files followed where they are sourced.
	Assignments []Assignment
	// Files read, in order, with the files they source.
	Files []string
	// Errors are files that could not be read or parsed.
	Errors []error
}

// Static attributes without running the shell: it reads the startup files
// StartupFiles lists for shell and mode, in order, following "." and
// source of literal paths (with ~ and $HOME expanded) where they appear,
// and for ksh, mksh, dash and sh, a file named by an ENV exported in the
// profile. Assignments inside an if, a loop, a function or after && or ||
// are marked Cond, since they may not run.
func Static(shell string, mode Mode, home string, getenv Getenv) StaticResult {
	var r StaticResult
	seen := map[string]bool{}
	var env string
	var read func(path string, fish, cond bool, depth int)
	read = func(path string, fish, cond bool, depth int) {
		if seen[path] || depth > 16 {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			if !os.IsNotExist(err) {
				r.Errors = append(r.Errors, err)
			}
			return
		}
		seen[path] = true
		r.Files = append(r.Files, path)
		var items []item
		if fish {
			items, err = parseFishItems(b, path, home)
		} else {
			items, err = parseShItems(b, path, home)
		}
		if err != nil {
			r.Errors = append(r.Errors, err)
		}
		for _, it := range items {
			if it.src != nil {
				// /etc/profile sources /etc/bash.bashrc only when the
				// shell is bash, behind a test that cannot be read here.
				if it.src.Path != "" && !(shell != "bash" && it.src.Cond && strings.Contains(filepath.Base(it.src.Path), "bash")) {
					read(it.src.Path, fish, cond || it.src.Cond, depth+1)
				}
				continue
			}
			a := it.a
			if a.prefix {
				continue
			}
			a.Shell = shell
			a.Cond = a.Cond || cond
			if a.Var == "ENV" && a.Literal && a.Value != "" && !fish {
				env = a.Value
			}
			if a.Op == OpExport && !a.Literal && a.Raw == "" {
				// export NAME: the value it had.
				for i := len(r.Assignments) - 1; i >= 0; i-- {
					if r.Assignments[i].Var == a.Var {
						a.Value, a.Literal = r.Assignments[i].Value, r.Assignments[i].Literal
						break
					}
				}
			}
			if Wanted(a.Var) {
				r.Assignments = append(r.Assignments, a)
			}
		}
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for _, f := range StartupFiles(shell, mode, home, getenv) {
		if !f.Read {
			continue
		}
		if shell == "fish" && f.Path == filepath.Join(fishDataDir(), "config.fish") {
			// fish's own set-up, not configuration: it only applies
			// fish_user_paths, which is attributed where it is set.
			r.Files = append(r.Files, f.Path)
			continue
		}
		if shell == "fish" && filepath.Base(f.Path) == "fish_variables" {
			r.Assignments = append(r.Assignments, readFishVariables(f.Path)...)
			r.Files = append(r.Files, f.Path)
			continue
		}
		read(f.Path, f.Fish, false, 0)
	}
	switch shell {
	case "ksh", "mksh", "dash", "sh":
		if env != "" && getenv("ENV") == "" {
			read(expandTilde(env, home), false, false, 0)
		}
	}
	return r
}
