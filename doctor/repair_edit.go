package doctor

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gosetup/gosetup/shellenv"
)

// The edits repair makes to lines it does not own. Each one parses the
// file with a real shell parser (shellenv's mvdan.cc/sh walker, or its fish
// scanner), finds the assignment by variable and line, and changes exactly
// the bytes of that assignment: the whole line when the line holds nothing
// else, else just the word (export A=1 GOPROXY=x keeps A=1), or a ":" in
// place of a command that is part of a larger one (if ...; then export
// GOROOT=x; fi). The result must parse again, or nothing is written.

func isFish(path string) bool { return filepath.Ext(path) == ".fish" }

func parseFile(text []byte, path, home string) ([]shellenv.Assignment, error) {
	if isFish(path) {
		as, _ := shellenv.ParseFish(text, path, home)
		return as, nil
	}
	as, _, err := shellenv.ParseSh(text, path, home)
	return as, err
}

// removeAssignments is an edit that takes out every assignment of name on
// line of the file.
func removeAssignments(path, home, name string, line int) func([]byte) ([]byte, error) {
	return func(text []byte) ([]byte, error) {
		as, perr := parseFile(text, path, home)
		var hits []shellenv.Assignment
		for _, a := range as {
			if a.Var == name && a.Line == line && a.Op != shellenv.OpUnset {
				hits = append(hits, a)
			}
		}
		if len(hits) == 0 {
			return nil, fmt.Errorf("line %d no longer sets %s; run gosetup doctor again", line, name)
		}
		// From the end, so the earlier byte ranges stay right.
		sort.Slice(hits, func(i, j int) bool { return hits[i].Word.Start > hits[j].Word.Start })
		for _, a := range hits {
			text = removeOne(text, a)
		}
		return checkParses(text, path, home, perr)
	}
}

func removeOne(text []byte, a shellenv.Assignment) []byte {
	others := 0
	for _, n := range a.Names {
		if n != a.Var {
			others++
		}
	}
	if others > 0 && !isFish(a.File) {
		s, e := a.Word.Start, a.Word.End
		for s > 0 && (text[s-1] == ' ' || text[s-1] == '\t') {
			s--
		}
		return append(text[:s:s], text[e:]...)
	}
	s, e := a.Stmt.Start, a.Stmt.End
	// The parser's statement includes its terminator (export X=1;), which
	// the rest of the line needs.
	for e > s && (text[e-1] == ' ' || text[e-1] == '\t') {
		e--
	}
	if e > s && (text[e-1] == ';' || text[e-1] == '&') && !isFish(a.File) {
		e--
	}
	ls := bytes.LastIndexByte(text[:s], '\n') + 1
	le := len(text)
	if i := bytes.IndexByte(text[e:], '\n'); i >= 0 {
		le = e + i + 1
	}
	before := strings.TrimSpace(string(text[ls:s]))
	after := strings.TrimSpace(strings.TrimRight(string(text[e:le]), "\r\n"))
	if before == "" && (after == "" || after == ";" || strings.HasPrefix(after, "#")) {
		return append(text[:ls:ls], text[le:]...)
	}
	repl := ":"
	if isFish(a.File) {
		repl = "true"
	}
	return append(append(text[:s:s], repl...), text[e:]...)
}

func checkParses(text []byte, path, home string, before error) ([]byte, error) {
	if before != nil || isFish(path) {
		return text, nil
	}
	if _, _, err := shellenv.ParseSh(text, path, home); err != nil {
		return nil, fmt.Errorf("the edited file would not parse (%v); edit it by hand", err)
	}
	return text, nil
}

// dropPathEntries is an edit that takes the given entries out of the PATH
// assignment on line: PATH=$HOME/old::$PATH:. loses "" and "." and keeps
// the rest as written.
func dropPathEntries(path, home string, line int, drop []string) func([]byte) ([]byte, error) {
	return func(text []byte) ([]byte, error) {
		if isFish(path) {
			return dropFishPathEntries(text, path, home, line, drop)
		}
		as, perr := parseFile(text, path, home)
		var hits []shellenv.Assignment
		for _, a := range as {
			if a.Var == "PATH" && a.Line == line && a.Raw != "" {
				hits = append(hits, a)
			}
		}
		sort.Slice(hits, func(i, j int) bool { return hits[i].Word.Start > hits[j].Word.Start })
		changed := false
		for _, a := range hits {
			word := string(text[a.Word.Start:a.Word.End])
			i := strings.LastIndex(word, a.Raw)
			if i < 0 {
				continue
			}
			newRaw, ok := dropSegments(a.Raw, home, drop)
			if !ok {
				continue
			}
			start := a.Word.Start + i
			text = append(text[:start:start], append([]byte(newRaw), text[start+len(a.Raw):]...)...)
			changed = true
		}
		if !changed {
			return nil, fmt.Errorf("line %d: no PATH assignment there adds %s as a plain list entry; edit it by hand", line, strings.Join(quoteAll(drop), ", "))
		}
		return checkParses(text, path, home, perr)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quoteEntry(s)
	}
	return out
}

// dropSegments removes the entries of drop from a PATH value as written
// (raw, possibly quoted as a whole), comparing each segment with $HOME and
// ~ expanded. ok is false when nothing matched or nothing would be left.
func dropSegments(raw, home string, drop []string) (string, bool) {
	q, inner := "", raw
	if len(raw) >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[len(raw)-1] == raw[0] && !strings.ContainsRune(raw[1:len(raw)-1], rune(raw[0])) {
		q, inner = raw[:1], raw[1:len(raw)-1]
	} else if strings.ContainsAny(raw, "\"'`") {
		return "", false
	}
	segs := strings.Split(inner, ":")
	var keep []string
	removed := false
	for _, seg := range segs {
		exp := seg
		for _, h := range []string{"${HOME}", "$HOME"} {
			if strings.HasPrefix(exp, h) {
				exp = home + exp[len(h):]
			}
		}
		if strings.HasPrefix(exp, "~/") && q != "'" && q != `"` {
			exp = home + exp[1:]
		}
		hit := false
		for _, d := range drop {
			if exp == d || d != "" && filepath.Clean(exp) == filepath.Clean(d) && exp != "" {
				hit = true
			}
		}
		if hit {
			removed = true
			continue
		}
		keep = append(keep, seg)
	}
	if !removed || len(keep) == 0 {
		return "", false
	}
	return q + strings.Join(keep, ":") + q, true
}

// dropFishPathEntries takes the given entries out of the fish commands on
// line that list PATH word by word (set -gx PATH /old/go/bin $PATH,
// fish_add_path /old/go/bin): the matching words go, the others stay as
// written; a command left adding nothing but $PATH itself goes whole.
func dropFishPathEntries(text []byte, path, home string, line int, drop []string) ([]byte, error) {
	lists := shellenv.FishPathLists(text, home, line)
	changed := false
	// From the end, so the earlier byte ranges stay right.
	for li := len(lists) - 1; li >= 0; li-- {
		l := lists[li]
		var gone []shellenv.FishWord
		left := 0
		for _, w := range l.Words {
			hit := false
			for _, d := range drop {
				if w.Literal && !w.Self && (w.Value == d || d != "" && filepath.Clean(w.Value) == filepath.Clean(d)) {
					hit = true
				}
			}
			switch {
			case hit:
				gone = append(gone, w)
			case !w.Self:
				left++
			}
		}
		if len(gone) == 0 {
			continue
		}
		changed = true
		if left == 0 {
			text = removeOne(text, shellenv.Assignment{File: path, Stmt: l.Cmd, Word: l.Cmd})
			continue
		}
		for i := len(gone) - 1; i >= 0; i-- {
			s, e := gone[i].Range.Start, gone[i].Range.End
			for s > 0 && (text[s-1] == ' ' || text[s-1] == '\t') {
				s--
			}
			text = append(text[:s:s], text[e:]...)
		}
	}
	if !changed {
		return nil, fmt.Errorf("line %d: no fish command there lists %s as a plain PATH entry; edit it by hand", line, strings.Join(quoteAll(drop), ", "))
	}
	return text, nil
}
