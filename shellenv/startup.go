package shellenv

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// StartupFile is a file a shell may read when it starts.
type StartupFile struct {
	Path string
	// Read is true when the shell reads it as things stand: it exists and
	// no other file takes its place.
	Read bool
	// Exists is true when the file is there (a dangling link is not).
	Exists bool
	// System is true for files under /etc or the shell's own data
	// directory, which the user does not normally edit.
	System bool
	// Fish is true for fish syntax; otherwise POSIX sh (or bash, zsh, ksh).
	Fish bool
	// Why says when the shell reads it, or why it is skipped.
	Why string
}

// Getenv looks up a variable of the environment a shell starts with.
type Getenv func(string) string

// StartupFiles lists, in reading order, the files shell (bash, zsh, fish,
// dash, sh, ksh, mksh) reads when started in mode with the home directory
// home and the environment getenv (nil: none). Files that would be read
// if they existed are listed too, with Read false, and so are files the
// shell skips because another one takes their place (the classic case:
// ~/.profile, skipped by bash login shells when ~/.bash_profile exists).
//
// The rules, for login shells that are interactive (Login) and for
// interactive shells that are not login shells (Interactive):
//
//	bash   Login: /etc/profile, then the first of ~/.bash_profile,
//	       ~/.bash_login, ~/.profile. Interactive: /etc/bash.bashrc
//	       (Debian's build), ~/.bashrc.
//	zsh    /etc/zsh/zshenv, $ZDOTDIR/.zshenv; Login: zprofile; both: zshrc;
//	       Login: zlogin (/etc/zsh/ on Debian, else /etc/; $ZDOTDIR
//	       defaults to HOME).
//	ksh    Login: /etc/profile, ~/.profile; both: /etc/ksh.kshrc, then
//	       $ENV, else ~/.kshrc.
//	mksh   as ksh, with ~/.mkshrc.
//	dash, sh  Login: /etc/profile, ~/.profile; both: $ENV when set.
//	fish   every mode: the data dir's config.fish, conf.d snippets
//	       (~/.config/fish/conf.d, /etc/fish/conf.d, vendor_conf.d; by
//	       name, the first of a name wins), /etc/fish/config.fish,
//	       ~/.config/fish/config.fish, and the universal variables in
//	       ~/.config/fish/fish_variables.
//
// $ENV is used as given by getenv; a startup file that sets ENV itself is
// followed by Static, not here.
func StartupFiles(shell string, mode Mode, home string, getenv Getenv) []StartupFile {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var l fileList
	switch shell {
	case "bash":
		if mode == Login {
			l.add("/etc/profile", true, "bash login shells")
			l.firstOf([]string{
				filepath.Join(home, ".bash_profile"),
				filepath.Join(home, ".bash_login"),
				filepath.Join(home, ".profile"),
			}, "bash login shells read only the first of ~/.bash_profile, ~/.bash_login and ~/.profile that exists")
		} else {
			l.add("/etc/bash.bashrc", true, "bash interactive shells that are not login shells")
			l.add(filepath.Join(home, ".bashrc"), false, "bash interactive shells that are not login shells")
		}
	case "zsh":
		etc := "/etc"
		if isDir("/etc/zsh") {
			etc = "/etc/zsh"
		}
		zdot := home
		if z := getenv("ZDOTDIR"); filepath.IsAbs(z) {
			zdot = z
		}
		l.add(filepath.Join(etc, "zshenv"), true, "every zsh")
		l.add(filepath.Join(zdot, ".zshenv"), false, "every zsh")
		if mode == Login {
			l.add(filepath.Join(etc, "zprofile"), true, "zsh login shells")
			l.add(filepath.Join(zdot, ".zprofile"), false, "zsh login shells")
		}
		l.add(filepath.Join(etc, "zshrc"), true, "interactive zsh")
		l.add(filepath.Join(zdot, ".zshrc"), false, "interactive zsh")
		if mode == Login {
			l.add(filepath.Join(etc, "zlogin"), true, "zsh login shells, last")
			l.add(filepath.Join(zdot, ".zlogin"), false, "zsh login shells, last")
		}
	case "ksh", "mksh", "dash", "sh":
		if mode == Login {
			l.add("/etc/profile", true, shell+" login shells")
			l.add(filepath.Join(home, ".profile"), false, shell+" login shells")
		}
		if shell == "ksh" {
			l.add("/etc/ksh.kshrc", true, "interactive ksh93")
		}
		if env := getenv("ENV"); env != "" {
			l.add(expandTilde(env, home), false, "interactive "+shell+" ($ENV)")
		} else if shell == "ksh" {
			l.add(filepath.Join(home, ".kshrc"), false, "interactive ksh (ENV is not set)")
		} else if shell == "mksh" {
			l.add(filepath.Join(home, ".mkshrc"), false, "interactive mksh (ENV is not set)")
		}
	case "fish":
		fishFiles(&l, home, getenv)
	}
	return l.files
}

// UserStartupFiles lists every startup file in the home directory (or
// $ZDOTDIR, or the fish config directory) that any of the shells reads in
// any mode, whether or not it exists: the files to scan for lines that set
// a variable. ~/.profile comes first, as most shells read it; zsh's files
// are listed in HOME as well as in a $ZDOTDIR elsewhere, since ZDOTDIR is
// often set in ~/.zshenv itself.
func UserStartupFiles(home string, getenv Getenv) []StartupFile {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	noZdot := func(k string) string {
		if k == "ZDOTDIR" {
			return ""
		}
		return getenv(k)
	}
	var out []StartupFile
	seen := map[string]bool{}
	add := func(fs []StartupFile) {
		for _, f := range fs {
			if f.System || seen[f.Path] {
				continue
			}
			seen[f.Path] = true
			out = append(out, f)
		}
	}
	for _, sh := range []string{"dash", "bash", "zsh", "ksh", "mksh", "fish"} {
		for _, m := range Modes {
			if sh == "zsh" {
				add(StartupFiles(sh, m, home, noZdot))
			}
			add(StartupFiles(sh, m, home, getenv))
		}
	}
	return out
}

type fileList struct{ files []StartupFile }

func (l *fileList) add(path string, system bool, why string) {
	ex := exists(path)
	l.files = append(l.files, StartupFile{Path: path, Read: ex, Exists: ex, System: system, Why: why})
}

func (l *fileList) addFish(path string, system bool, why string) {
	l.add(path, system, why)
	l.files[len(l.files)-1].Fish = true
}

// firstOf adds paths, of which the shell reads only the first that exists.
func (l *fileList) firstOf(paths []string, why string) {
	found := ""
	for _, p := range paths {
		ex := exists(p)
		f := StartupFile{Path: p, Exists: ex, Why: why}
		switch {
		case ex && found == "":
			found = p
			f.Read = true
		case ex:
			f.Why = "skipped: " + why + ", and " + tildePath(found, filepath.Dir(p)) + " does"
		}
		l.files = append(l.files, f)
	}
}

// fishFiles follows fish's share/fish/config.fish: conf.d snippets by
// name (the user's shadow the system's of the same name), then the
// system's and the user's config.fish.
func fishFiles(l *fileList, home string, getenv Getenv) {
	cfg := filepath.Join(home, ".config")
	if d := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		cfg = d
	}
	userDir := filepath.Join(cfg, "fish")
	dataDir := fishDataDir()
	l.addFish(filepath.Join(dataDir, "config.fish"), true, "every fish (fish's own)")
	dirs := []string{filepath.Join(userDir, "conf.d"), "/etc/fish/conf.d"}
	dataDirs := getenv("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share:/usr/share"
	}
	vendor := []string{filepath.Join(dataDir, "vendor_conf.d")}
	for _, d := range filepath.SplitList(dataDirs) {
		if filepath.IsAbs(d) {
			vendor = append(vendor, filepath.Join(d, "fish", "vendor_conf.d"))
		}
	}
	dirs = append(dirs, vendor...)
	type snippet struct{ name, path, dir string }
	var snips []snippet
	seenName := map[string]bool{}
	seenDir := map[string]bool{}
	for _, d := range dirs {
		if seenDir[d] {
			continue
		}
		seenDir[d] = true
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".fish") || seenName[n] {
				continue
			}
			seenName[n] = true
			snips = append(snips, snippet{n, filepath.Join(d, n), d})
		}
	}
	sort.SliceStable(snips, func(i, j int) bool { return snips[i].name < snips[j].name })
	for _, s := range snips {
		l.addFish(s.path, s.dir != filepath.Join(userDir, "conf.d"), "every fish (conf.d snippet)")
	}
	l.addFish("/etc/fish/config.fish", true, "every fish")
	l.addFish(filepath.Join(userDir, "config.fish"), false, "every fish")
	l.addFish(filepath.Join(userDir, "fish_variables"), false, "every fish (universal variables)")
}

// fishDataDir is fish's share directory, next to the fish found on the
// standard PATH.
func fishDataDir() string {
	for _, d := range []string{"/usr/share/fish", "/usr/local/share/fish", "/opt/homebrew/share/fish"} {
		if isDir(d) {
			return d
		}
	}
	return "/usr/share/fish"
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// expandTilde expands a leading ~ or ~/ to home.
func expandTilde(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// tildePath shows p relative to home as ~/p.
func tildePath(p, home string) string {
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") {
		return "~/" + filepath.ToSlash(rel)
	}
	return p
}
