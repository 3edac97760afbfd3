package doctor

// perView runs fn on every view that could be read and merges the
// findings that say the same thing: one finding, with the union of the
// sources and the list of shells where it holds. A problem seen in bash
// login and zsh interactive alike is one line, not two.
func (f *Facts) perView(fn func(v *View) []Finding) []Finding {
	var out []Finding
	index := map[string]int{}
	fresh := false
	for _, v := range f.Views[1:] {
		fresh = fresh || v.Err == ""
	}
	for _, v := range f.Views {
		if v.Err != "" || v.isProcess() && f.opts.FreshOnly && fresh {
			continue
		}
		for _, fd := range fn(v) {
			key := string(fd.Severity) + "\x00" + fd.Message
			i, seen := index[key]
			if !seen {
				index[key] = len(out)
				fd.Shells = nil
				if !v.isProcess() {
					fd.Shells = []string{v.Name}
				}
				out = append(out, fd)
				continue
			}
			m := &out[i]
			if !v.isProcess() {
				m.Shells = appendUnique(m.Shells, v.Name)
			}
			for _, s := range fd.Sources {
				m.Sources = appendSource(m.Sources, s)
			}
			if m.Repair != nil && fd.Repair != nil {
				m.Repair.Lines = appendLineFixes(m.Repair.Lines, fd.Repair.Lines)
				for _, d := range fd.Repair.DropPath {
					m.Repair.DropPath = appendUnique(m.Repair.DropPath, d)
				}
			}
		}
	}
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// appendSource adds s unless the same place is already listed (the same
// file line seen from two shells is one source).
func appendSource(list []Source, s Source) []Source {
	for _, x := range list {
		if x.Kind == s.Kind && x.File == s.File && x.Line == s.Line && x.Key == s.Key && (x.File != "" || x.Shell == s.Shell) {
			return list
		}
	}
	return append(list, s)
}

func appendLineFixes(list, add []LineFix) []LineFix {
	for _, a := range add {
		dup := false
		for _, x := range list {
			if x.File == a.File && x.Line == a.Line && x.Name == a.Name {
				dup = true
			}
		}
		if !dup {
			list = append(list, a)
		}
	}
	return list
}

// fileSources keeps the file sources of ss.
func fileSources(ss []Source) []Source {
	var out []Source
	for _, s := range ss {
		if s.Kind == SourceFile && s.File != "" && s.Line > 0 {
			out = append(out, s)
		}
	}
	return out
}

// lineFixes turns the startup-file sources of an assignment of name into
// the lines repair removes.
func lineFixes(ss []Source, name string) []LineFix {
	var out []LineFix
	for _, s := range fileSources(ss) {
		out = append(out, LineFix{File: s.File, Line: s.Line, Name: name})
	}
	return out
}
