package envwriter

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gosetup/gosetup/internal/userenv"
)

// knownShells maps a shell program's name to the shell family gosetup
// writes startup files for.
var knownShells = map[string]string{
	"sh": "sh", "dash": "dash", "bash": "bash", "zsh": "zsh", "fish": "fish",
	"ksh": "ksh", "ksh93": "ksh", "mksh": "ksh", "pdksh": "ksh", "oksh": "ksh",
}

// DetectShells lists the shell families installed here: those named in
// /etc/shells, found on PATH, or in $SHELL. Sorted, without duplicates.
func DetectShells(e Env) []string {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.EtcShells == "" {
		e.EtcShells = "/etc/shells"
	}
	if e.LookPath == nil {
		e.LookPath = lookPathFor(e.Getenv)
	}
	seen := map[string]bool{}
	add := func(prog string) {
		if f, ok := knownShells[filepath.Base(prog)]; ok {
			seen[f] = true
		}
	}
	if b, err := os.ReadFile(e.EtcShells); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			l := strings.TrimSpace(sc.Text())
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			// A shell listed but since removed does not count.
			if fi, err := os.Stat(l); err == nil && fi.Mode().IsRegular() {
				add(l)
			}
		}
	}
	for name := range knownShells {
		if _, err := e.LookPath(name); err == nil {
			add(name)
		}
	}
	if sh := e.Getenv("SHELL"); sh != "" {
		add(sh)
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// LoginShell is the family of $SHELL, or "".
func LoginShell(e Env) string {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	return knownShells[filepath.Base(e.Getenv("SHELL"))]
}

// lookPathFor is the one PATH search (internal/userenv) over the PATH
// getenv gives rather than the process's, so an Env with its own PATH is
// searched consistently.
func lookPathFor(getenv func(string) string) func(string) (string, error) {
	return func(name string) (string, error) { return userenv.LookPath(getenv, name) }
}
