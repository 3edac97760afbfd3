package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

func checkPathHygiene(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		var out []Finding
		seen := map[string]string{}
		// GOPATH's bin may not exist yet: go install creates it.
		gobin, _ := f.gopathBin(v)
		for _, e := range pathList(v.Getenv("PATH"), f.GOOS) {
			if e == "" || e == "." {
				continue // security.path-cwd
			}
			key := cleanDir(e, f.GOOS)
			if first, dup := seen[key]; dup {
				if first == e {
					out = append(out, Finding{Severity: Warn, Message: "PATH lists " + quoteEntry(e) + " more than once",
						Sources: []Source{f.pathSource(v, e)}, Fix: "run gosetup repair to keep only its first place",
						Repairable: true, Repair: &RepairHint{DropPath: []string{e}}})
				}
				continue
			}
			seen[key] = e
			switch {
			case !isAbs(e, f.GOOS) && !strings.Contains(e, "%"):
				out = append(out, Finding{Severity: Warn, Message: "PATH entry " + quoteEntry(e) + " is relative: what it finds depends on the current directory",
					Sources: []Source{f.pathSource(v, e)}, Fix: "run gosetup repair to remove it, or give the full path",
					Repairable: true, Repair: &RepairHint{DropPath: []string{e}}})
			case isAbs(e, f.GOOS) && !sameDir(e, gobin, f.GOOS) && cleanDir(e, f.GOOS) != cleanDir(gobin, f.GOOS):
				if fi, err := os.Stat(e); err != nil || !fi.IsDir() {
					out = append(out, Finding{Severity: Warn, Message: "PATH entry " + quoteEntry(e) + " does not exist (or is not a directory)",
						Sources: []Source{f.pathSource(v, e)}, Fix: "run gosetup repair to remove it",
						Repairable: true, Repair: &RepairHint{DropPath: []string{e}}})
				}
			}
		}
		if len(out) == 0 {
			out = append(out, ok("every PATH entry exists, is absolute and appears once"))
		}
		return out
	})
}

// gopathBin is the directory go install writes to in v: GOBIN, else
// GOPATH's first entry plus bin.
func (f *Facts) gopathBin(v *View) (string, []Source) {
	if b := f.effective(v, "GOBIN"); b.Value != "" {
		return b.Value, b.Sources
	}
	gp := v.GoEnv["GOPATH"]
	src := []Source{{Kind: SourceDefault, Key: "GOPATH", Text: "GOPATH=" + gp}}
	if s := f.resolve(v, "GOPATH"); s.Value != "" {
		gp, src = s.Value, s.Sources
	}
	if gp == "" {
		gp = filepath.Join(f.Home, "go")
	}
	list := filepath.SplitList(gp)
	if f.GOOS == "windows" {
		list = strings.Split(gp, ";")
	}
	if len(list) == 0 || list[0] == "" {
		return "", src
	}
	return filepath.Join(list[0], "bin"), src
}

func checkGopathBin(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		if v.Go == "" {
			return nil
		}
		bin, src := f.gopathBin(v)
		if bin == "" {
			return nil
		}
		for _, e := range pathList(v.Getenv("PATH"), f.GOOS) {
			if cleanDir(e, f.GOOS) == cleanDir(bin, f.GOOS) {
				return []Finding{ok("go install's directory " + bin + " is on PATH")}
			}
		}
		return []Finding{{Severity: Warn, Message: "go install puts tools in " + bin + ", which is not on PATH, so they are not found",
			Sources: src, Fix: "run gosetup repair to add it to PATH through gosetup's block",
			Repairable: true, Repair: &RepairHint{AddPath: bin}}}
	})
}

// goRoot is the root of v's go binary (symlinks resolved), "" for none.
func goRoot(v *View) string {
	if v.Go == "" {
		return ""
	}
	real, err := filepath.EvalSymlinks(v.Go)
	if err != nil {
		real = v.Go
	}
	return filepath.Dir(filepath.Dir(real))
}

func sameDir(a, b, goos string) bool {
	if a == "" || b == "" {
		return false
	}
	ra, err := filepath.EvalSymlinks(a)
	if err != nil {
		ra = a
	}
	rb, err := filepath.EvalSymlinks(b)
	if err != nil {
		rb = b
	}
	return cleanDir(ra, goos) == cleanDir(rb, goos)
}

func checkGorootExported(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		val := v.Getenv("GOROOT")
		if val == "" {
			return []Finding{ok("GOROOT is not set; the go command finds its own root")}
		}
		src := f.envOrigin(v, "GOROOT", val)
		hint := &RepairHint{Lines: lineFixes(src, "GOROOT")}
		fixable := len(hint.Lines) > 0
		root := goRoot(v)
		if root != "" && !sameDir(root, val, f.GOOS) {
			return []Finding{{Severity: Fail,
				Message:    "GOROOT=" + val + " is exported, but the go on PATH (" + v.Go + ") is rooted at " + root + ": it builds with the wrong standard library and tools",
				Sources:    append(src, goSource(v)),
				Fix:        "run gosetup repair to remove the export (the go command finds its own root)",
				Repairable: fixable, Repair: hint}}
		}
		return []Finding{{Severity: Warn,
			Message:    "GOROOT=" + val + " is exported; it matches the go on PATH today, but the next upgrade to another directory breaks it",
			Sources:    src,
			Fix:        "run gosetup repair to remove the export (the go command finds its own root)",
			Repairable: fixable, Repair: hint}}
	})
}

func checkGopathInGoroot(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		root := v.GoEnv["GOROOT"]
		if root == "" {
			root = goRoot(v)
		}
		gp := v.GoEnv["GOPATH"]
		s := f.resolve(v, "GOPATH")
		if s.Value != "" {
			gp = s.Value
		}
		if root == "" || gp == "" {
			return nil
		}
		sep := string(os.PathListSeparator)
		if f.GOOS == "windows" {
			sep = ";"
		}
		for _, p := range strings.Split(gp, sep) {
			if p == "" {
				continue
			}
			rel, err := filepath.Rel(cleanDir(root, f.GOOS), cleanDir(p, f.GOOS))
			if sameDir(p, root, f.GOOS) || err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return []Finding{{Severity: Fail, Message: "GOPATH entry " + p + " is GOROOT (" + root + ") or inside it: go install and the module cache would write into the toolchain",
					Sources: s.Sources, Fix: "set GOPATH outside the toolchain (or unset it: the default is ~/go)",
					Repairable: len(fileSources(s.Sources)) > 0, Repair: &RepairHint{Lines: lineFixes(s.Sources, "GOPATH")}}}
			}
		}
		return []Finding{ok("GOPATH " + gp + " is outside GOROOT")}
	})
}
