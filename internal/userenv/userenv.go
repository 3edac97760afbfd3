// Package userenv answers two questions every part of gosetup asks about
// the user's world, from an environment given as a getenv function (the
// process's, or a test's, or the wizard's) rather than the process's own:
// where is the home directory, and which program does PATH find. There is
// exactly one implementation of each, so the install, the settings writer
// and the doctor never disagree.
package userenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Home is the user's home directory: %USERPROFILE% on Windows, $HOME
// elsewhere, as the go command and os.UserHomeDir read them. When the
// variable is unset and goos is this machine's, the operating system's
// answer is used (os.UserHomeDir); otherwise it is an error.
func Home(goos string, getenv func(string) string) (string, error) {
	v := "HOME"
	if goos == "windows" {
		v = "USERPROFILE"
	}
	if h := getenv(v); h != "" {
		return h, nil
	}
	if goos == runtime.GOOS {
		if h, err := os.UserHomeDir(); err == nil && h != "" {
			return h, nil
		}
	}
	return "", fmt.Errorf("cannot find the home directory: $%s is not set", v)
}

// ErrNotFound is returned by LookPath when no directory on PATH holds
// the program.
var ErrNotFound = errors.New("not found on PATH")

// LookPath is the first executable called name on getenv("PATH"), as the
// shell (or, on Windows, the command processor) would run it.
func LookPath(getenv func(string) string, name string) (string, error) {
	if all := lookPath(getenv, name, true); len(all) > 0 {
		return all[0], nil
	}
	return "", fmt.Errorf("%s: %w", name, ErrNotFound)
}

// LookPathAll is every executable called name on PATH, in PATH order (the
// first is the one that runs; the rest are shadowed). A directory listed
// twice, or two names of one file, count once.
func LookPathAll(getenv func(string) string, name string) []string {
	return lookPath(getenv, name, false)
}

func lookPath(getenv func(string) string, name string, first bool) []string {
	var out []string
	seen := map[string]bool{}
	exts := executableExts(getenv, name)
	for _, dir := range filepath.SplitList(getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			// A relative PATH entry runs whatever the current directory
			// holds; the go command refuses those too (exec.ErrDot).
			continue
		}
		for _, ext := range exts {
			p := filepath.Join(dir, name+ext)
			fi, err := os.Stat(p)
			if err != nil || !isExecutable(fi) {
				continue
			}
			key := p
			if real, err := filepath.EvalSymlinks(p); err == nil {
				key = real
			}
			if runtime.GOOS == "windows" {
				key = strings.ToLower(key)
			}
			if seen[key] {
				break
			}
			seen[key] = true
			out = append(out, p)
			if first {
				return out
			}
			break
		}
	}
	return out
}

// executableExts are the suffixes to try: on Windows those of %PATHEXT%
// (".COM;.EXE;.BAT;.CMD" when unset), or none when name already ends in
// one of them; elsewhere only the name itself.
func executableExts(getenv func(string) string, name string) []string {
	if runtime.GOOS != "windows" {
		return []string{""}
	}
	pe := getenv("PATHEXT")
	if pe == "" {
		pe = ".COM;.EXE;.BAT;.CMD"
	}
	var exts []string
	for _, e := range strings.Split(strings.ToLower(pe), ";") {
		if e == "" {
			continue
		}
		if e[0] != '.' {
			e = "." + e
		}
		if strings.HasSuffix(strings.ToLower(name), e) {
			return []string{""}
		}
		exts = append(exts, e)
	}
	return exts
}

func isExecutable(fi fs.FileInfo) bool {
	if fi.IsDir() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode()&0o111 != 0
}
