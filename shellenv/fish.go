package shellenv

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseFish scans a fish startup file for the commands that set
// variables: set (with its scope, export, erase, append and prepend
// flags), fish_add_path (PATH, prepending unless -a), fish's export
// NAME=value, and the files it sources. It tokenizes as fish does (quotes,
// escapes, comments, ; and line continuations), so several commands on a
// line and commands inside if, and, or and functions are told apart.
// set -l and set -q change nothing lasting and are left out.
func ParseFish(text []byte, file, home string) ([]Assignment, []Source) {
	items, _ := parseFishItems(text, file, home)
	var as []Assignment
	var srcs []Source
	for _, it := range items {
		if it.src != nil {
			srcs = append(srcs, *it.src)
		} else {
			as = append(as, it.a)
		}
	}
	return as, srcs
}

// fishTok is one word of a fish command.
type fishTok struct {
	val     string
	literal bool // no variable (but $HOME, $PATH), command substitution, glob or brace
	start   int
	end     int
}

type fishCmd struct {
	toks  []fishTok
	start int
	end   int
	line  int
	cond  bool
}

func parseFishItems(text []byte, file, home string) ([]item, error) {
	var items []item
	depth := 0 // inside if, while, for, switch or function
	var blocks []bool
	for _, c := range fishCommands(text, home) {
		if len(c.toks) == 0 {
			continue
		}
		name := c.toks[0].val
		args := c.toks[1:]
		cond := c.cond || depth > 0
		switch name {
		case "if", "while", "for", "switch", "function":
			blocks = append(blocks, true)
			depth++
			if name == "if" || name == "while" {
				// The condition is a command of its own: if set -q X.
				c.toks = args
				if len(args) > 0 {
					name, args = args[0].val, args[1:]
				}
			}
		case "begin":
			blocks = append(blocks, false)
			continue
		case "end":
			if n := len(blocks); n > 0 {
				if blocks[n-1] {
					depth--
				}
				blocks = blocks[:n-1]
			}
			continue
		case "else":
			if len(args) > 1 && args[0].val == "if" {
				name, args = args[1].val, args[2:]
			} else {
				continue
			}
		}
		rng := Range{c.start, c.end}
		mk := func(v, value string, op Op, export, literal bool, raw string) Assignment {
			return Assignment{Var: v, Value: value, File: file, Line: c.line, Op: op, Export: export, Shell: "fish",
				Raw: raw, Literal: literal, Cond: cond, Word: rng, Stmt: rng, Names: []string{v}}
		}
		switch name {
		case "set":
			if a, ok := fishSet(args, mk); ok {
				items = append(items, item{a: a})
			}
		case "fish_add_path":
			op := OpPrepend
			var paths []string
			literal := true
			for _, t := range args {
				switch {
				case t.val == "--append" || strings.HasPrefix(t.val, "-") && !strings.HasPrefix(t.val, "--") && strings.Contains(t.val, "a"):
					op = OpAppend
				case strings.HasPrefix(t.val, "-"):
				default:
					paths = append(paths, t.val)
					literal = literal && t.literal
				}
			}
			if len(paths) > 0 {
				items = append(items, item{a: mk("PATH", strings.Join(paths, ":"), op, true, literal, string(text[c.start:c.end]))})
			}
		case "export":
			for _, t := range args {
				k, v, ok := strings.Cut(t.val, "=")
				if !validName(k) {
					continue
				}
				if !ok {
					v = ""
				}
				op := pathOp(OpExport, v)
				items = append(items, item{a: mk(k, strings.ReplaceAll(v, pathMark, "$PATH"), op, true, t.literal && ok && !strings.Contains(v, pathMark), t.val)})
			}
		case "source", ".":
			if len(args) > 0 {
				src := &Source{Raw: args[0].val, Line: c.line, Cond: cond}
				if args[0].literal {
					p := args[0].val
					if !filepath.IsAbs(p) {
						p = filepath.Join(home, p)
					}
					src.Path = p
				}
				items = append(items, item{src: src})
			}
		}
	}
	return items, nil
}

// fishSet reads a set command's flags, name and values.
func fishSet(args []fishTok, mk func(v, value string, op Op, export, literal bool, raw string) Assignment) (Assignment, bool) {
	var export, erase, app, pre, local, skip bool
	i := 0
	for ; i < len(args); i++ {
		t := args[i].val
		if t == "--" {
			i++
			break
		}
		if !strings.HasPrefix(t, "-") || t == "-" {
			break
		}
		if strings.HasPrefix(t, "--") {
			switch t {
			case "--export":
				export = true
			case "--erase":
				erase = true
			case "--append":
				app = true
			case "--prepend":
				pre = true
			case "--local", "--function":
				local = true
			case "--query", "--names", "--show":
				skip = true
			}
			continue
		}
		for _, f := range t[1:] {
			switch f {
			case 'x':
				export = true
			case 'e':
				erase = true
			case 'a':
				app = true
			case 'p':
				pre = true
			case 'l', 'f':
				local = true
			case 'q', 'n', 'S':
				skip = true
			}
		}
	}
	if skip || local || i >= len(args) {
		return Assignment{}, false
	}
	name := args[i].val
	if !validName(name) || !args[i].literal {
		return Assignment{}, false
	}
	vals := args[i+1:]
	v := name
	if name == "fish_user_paths" {
		// fish puts fish_user_paths in front of PATH.
		v, export = "PATH", true
		if !app {
			pre = true
		}
	}
	if erase {
		if v != name {
			return Assignment{}, false
		}
		return mk(v, "", OpUnset, false, true, ""), true
	}
	sepr := " "
	if strings.HasSuffix(v, "PATH") {
		sepr = ":"
	}
	var parts []string
	literal := true
	for _, t := range vals {
		parts = append(parts, t.val)
		literal = literal && t.literal
	}
	value := strings.Join(parts, sepr)
	op := OpSet
	if export {
		op = OpExport
	}
	switch {
	case app:
		op, literal, value = OpAppend, false, "$"+name+sepr+value
	case pre:
		op, literal, value = OpPrepend, false, value+sepr+"$"+name
	case v == "PATH":
		op = pathOp(op, value)
	}
	if strings.Contains(value, pathMark) {
		literal = false
		value = strings.ReplaceAll(value, pathMark, "$PATH")
	}
	raw := ""
	if len(vals) > 0 {
		raw = value
	}
	return mk(v, value, op, export, literal, raw), true
}

// fishCommands splits fish text into commands, with their words unquoted
// and $HOME, ~ and $PATH expanded.
func fishCommands(text []byte, home string) []fishCmd {
	var cmds []fishCmd
	var cur fishCmd
	cur.start = -1
	line := 1
	condNext := false
	flush := func(end int) {
		if len(cur.toks) > 0 {
			// The command ends with its last word, before any blanks or
			// comment.
			cur.end = min(end, cur.toks[len(cur.toks)-1].end)
			// and/or/not lead to a conditional command.
			for len(cur.toks) > 0 && (cur.toks[0].val == "and" || cur.toks[0].val == "or" || cur.toks[0].val == "not" || cur.toks[0].val == "!") {
				if cur.toks[0].val != "not" && cur.toks[0].val != "!" {
					cur.cond = true
				}
				cur.toks = cur.toks[1:]
			}
			cmds = append(cmds, cur)
		}
		cur = fishCmd{start: -1}
	}
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\n':
			flush(i)
			line++
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		case c == ';':
			flush(i)
			i++
			continue
		case c == '&' && i+1 < len(text) && text[i+1] == '&', c == '|' && i+1 < len(text) && text[i+1] == '|':
			flush(i)
			condNext = true
			i += 2
			continue
		case c == '|' || c == '&':
			// A pipeline or a background job: its commands are not this
			// shell's (fish runs builtins of a pipeline in-process, but
			// set in a pipeline is rare and odd); drop the rest.
			flush(i)
			i++
			continue
		case c == '\\' && i+1 < len(text) && text[i+1] == '\n':
			i += 2
			line++
			continue
		}
		if cur.start < 0 {
			cur.start = i
			cur.line = line
			cur.cond = condNext
			condNext = false
		}
		t, n, nl := fishWord(text[i:], home)
		t.start, t.end = i, i+n
		line += nl
		cur.toks = append(cur.toks, t)
		i += n
	}
	flush(len(text))
	return cmds
}

// fishWord reads one word from the start of b: its value, its length in
// bytes, and the newlines inside it.
func fishWord(b []byte, home string) (fishTok, int, int) {
	var v strings.Builder
	t := fishTok{literal: true}
	nl := 0
	i := 0
	if bytes.HasPrefix(b, []byte("~/")) || len(b) == 1 && b[0] == '~' || len(b) > 1 && b[0] == '~' && strings.IndexByte(" \t\n;", b[1]) >= 0 {
		v.WriteString(home)
		i = 1
	}
	for i < len(b) {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '\r' || c == '|' || c == '&' && (i+1 >= len(b) || b[i+1] == '&' || b[i+1] == ' ' || b[i+1] == '\n'):
			t.val = v.String()
			return t, i, nl
		case c == '#' && i == 0:
			t.val = v.String()
			return t, i, nl
		case c == '\'':
			i++
			for i < len(b) && b[i] != '\'' {
				if b[i] == '\\' && i+1 < len(b) && (b[i+1] == '\'' || b[i+1] == '\\') {
					i++
				}
				if b[i] == '\n' {
					nl++
				}
				v.WriteByte(b[i])
				i++
			}
			i++
		case c == '"':
			i++
			for i < len(b) && b[i] != '"' {
				switch {
				case b[i] == '\\' && i+1 < len(b) && strings.IndexByte("\"\\$\n", b[i+1]) >= 0:
					i++
					if b[i] == '\n' {
						nl++
						i++
						continue
					}
					v.WriteByte(b[i])
					i++
				case b[i] == '$':
					n, val, ok := fishVar(b[i:], home)
					v.WriteString(val)
					t.literal = t.literal && ok
					i += n
				case b[i] == '(' && i > 0 && b[i-1] == '$':
					t.literal = false
					v.WriteByte(b[i])
					i++
				default:
					if b[i] == '\n' {
						nl++
					}
					v.WriteByte(b[i])
					i++
				}
			}
			i++
		case c == '\\' && i+1 < len(b):
			i++
			switch b[i] {
			case 'n':
				v.WriteByte('\n')
			case 't':
				v.WriteByte('\t')
			case '\n':
				nl++
			default:
				v.WriteByte(b[i])
			}
			i++
		case c == '$':
			n, val, ok := fishVar(b[i:], home)
			v.WriteString(val)
			t.literal = t.literal && ok
			i += n
		case c == '(':
			// A command substitution, to its closing parenthesis.
			t.literal = false
			d := 0
			for i < len(b) {
				if b[i] == '(' {
					d++
				} else if b[i] == ')' {
					d--
				} else if b[i] == '\n' {
					nl++
				}
				v.WriteByte(b[i])
				i++
				if d == 0 {
					break
				}
			}
		case c == '*' || c == '?' || c == '{':
			t.literal = false
			v.WriteByte(c)
			i++
		default:
			v.WriteByte(c)
			i++
		}
	}
	t.val = v.String()
	return t, i, nl
}

// fishVar reads $NAME at the start of b: $HOME expands, $PATH becomes
// pathMark, anything else is kept as written and is not literal.
func fishVar(b []byte, home string) (int, string, bool) {
	j := 1
	for j < len(b) && (b[j] == '_' || b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z' || b[j] >= '0' && b[j] <= '9') {
		j++
	}
	name := string(b[1:j])
	if j < len(b) && b[j] == '[' {
		return j, string(b[:j]), false
	}
	switch name {
	case "HOME":
		if home != "" {
			return j, home, true
		}
	case "PATH":
		return j, pathMark, true
	}
	return j, string(b[:j]), false
}

// readFishVariables reads fish's universal variables file: SETUVAR
// [--export] [--path] NAME:VALUE lines (fish 2: SET and SET_EXPORT),
// list items separated by \x1e, bytes escaped as \xNN.
func readFishVariables(path string) []Assignment {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []Assignment
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		// fish 3 writes SETUVAR [--export] and a VERSION: 3.0 header; a
		// file without it is fish 2's, with SET and SET_EXPORT.
		if len(f) < 2 || f[0] != "SETUVAR" && f[0] != "SET" && f[0] != "SET_EXPORT" {
			continue
		}
		export := f[0] == "SET_EXPORT"
		for _, x := range f[1 : len(f)-1] {
			if x == "--export" {
				export = true
			}
		}
		name, val, ok := strings.Cut(f[len(f)-1], ":")
		if !ok {
			continue
		}
		val = fishUnescape(val)
		items := strings.Split(val, "\x1e")
		v, op := name, OpSet
		if export {
			op = OpExport
		}
		sepr := " "
		if name == "fish_user_paths" {
			v, op, export = "PATH", OpPrepend, true
		}
		if strings.HasSuffix(v, "PATH") {
			sepr = ":"
		}
		if !Wanted(v) {
			continue
		}
		out = append(out, Assignment{Var: v, Value: strings.Join(items, sepr), File: path, Line: n, Op: op, Export: export, Shell: "fish", Literal: true, Raw: f[len(f)-1], Names: []string{name}})
	}
	return out
}

func fishUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == 'x' && i+3 < len(s) {
				if x, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
					b.WriteByte(byte(x))
					i += 3
					continue
				}
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FishWord is one word of a fish command that lists PATH entries.
type FishWord struct {
	// Value is the word unquoted, with $HOME and ~ expanded.
	Value string
	Range Range
	// Self is true for $PATH (or $fish_user_paths) itself: the old list.
	Self bool
	// Literal is false when the word has another expansion, so Value is
	// not what fish would compute.
	Literal bool
}

// FishPathList is a fish command on a line that sets PATH from a list of
// words: set [flags] PATH|fish_user_paths WORD..., or fish_add_path
// [flags] DIR...
type FishPathList struct {
	// Cmd is the whole command, as Assignment.Stmt has it.
	Cmd   Range
	Words []FishWord
}

// FishPathLists finds the commands on line of a fish file that list PATH
// entries word by word, so that an edit can take one entry out and keep
// the rest as written. It tokenizes as ParseFish does.
func FishPathLists(text []byte, home string, line int) []FishPathList {
	var out []FishPathList
	for _, c := range fishCommands(text, home) {
		if c.line != line || len(c.toks) == 0 {
			continue
		}
		var words []fishTok
		switch c.toks[0].val {
		case "set":
			args := c.toks[1:]
			i := 0
			for ; i < len(args); i++ {
				t := args[i].val
				if t == "--" {
					i++
					break
				}
				if !strings.HasPrefix(t, "-") || t == "-" {
					break
				}
				if strings.ContainsAny(strings.TrimLeft(t, "-"), "elqnfS") && !strings.HasPrefix(t, "--") ||
					t == "--erase" || t == "--local" || t == "--query" || t == "--names" || t == "--function" || t == "--show" {
					words = nil
					i = len(args)
					break
				}
			}
			if i < len(args) && (args[i].val == "PATH" || args[i].val == "fish_user_paths") {
				words = args[i+1:]
			}
		case "fish_add_path":
			for _, t := range c.toks[1:] {
				if !strings.HasPrefix(t.val, "-") {
					words = append(words, t)
				}
			}
		}
		if len(words) == 0 {
			continue
		}
		l := FishPathList{Cmd: Range{c.start, c.end}}
		for _, t := range words {
			self := t.val == pathMark || t.val == "$fish_user_paths"
			l.Words = append(l.Words, FishWord{Value: t.val, Range: Range{t.start, t.end}, Self: self, Literal: t.literal || self})
		}
		out = append(out, l)
	}
	return out
}
