package shellenv

import (
	"os"
	"path/filepath"
)

// Shell is an installed shell program.
type Shell struct {
	// Name is the shell's family: bash, zsh, fish, dash, ksh, mksh, or sh
	// for a /bin/sh that is none of the others found.
	Name    string
	Program string
}

// Traceable is true for the shells whose xtrace names file and line
// (bash, zsh, ksh93); the others get static attribution.
func (s Shell) Traceable() bool {
	return s.Name == "bash" || s.Name == "zsh" || s.Name == "ksh"
}

// StandardDirs are searched after PATH, since a shell a user can start
// from a terminal need not be on the PATH gosetup runs with.
var standardDirs = []string{"/usr/local/bin", "/usr/bin", "/bin", "/opt/homebrew/bin", "/usr/pkg/bin", "/opt/local/bin"}

// Detect finds the installed shells, searching the directories of
// pathList (a PATH value) and then the standard places. Each family is
// listed once, in the order bash, zsh, fish, dash, ksh, mksh, sh; sh is
// /bin/sh when it is not one of the programs already found (a /bin/sh
// that is bash or dash is covered by that shell, which StartupFiles
// describes in its own mode, so sh gets static attribution).
func Detect(pathList string) []Shell {
	dirs := append(filepath.SplitList(pathList), standardDirs...)
	find := func(names ...string) string {
		for _, d := range dirs {
			if !filepath.IsAbs(d) {
				continue
			}
			for _, n := range names {
				p := filepath.Join(d, n)
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
					return p
				}
			}
		}
		return ""
	}
	var out []Shell
	real := map[string]bool{}
	for _, s := range []struct {
		name  string
		progs []string
	}{
		{"bash", []string{"bash"}},
		{"zsh", []string{"zsh"}},
		{"fish", []string{"fish"}},
		{"dash", []string{"dash"}},
		{"ksh", []string{"ksh93", "ksh"}},
		{"mksh", []string{"mksh"}},
	} {
		p := find(s.progs...)
		if p == "" {
			continue
		}
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			r = p
		}
		// ksh may be a link to mksh (Debian's alternatives); then it is
		// mksh, whose trace cannot name files.
		if s.name == "ksh" && filepath.Base(r) == "mksh" {
			continue
		}
		if real[r] {
			continue
		}
		real[r] = true
		out = append(out, Shell{Name: s.name, Program: p})
	}
	if r, err := filepath.EvalSymlinks("/bin/sh"); err == nil && !real[r] {
		out = append(out, Shell{Name: "sh", Program: "/bin/sh"})
	}
	return out
}
