package envwriter

import (
	"os"
	"path/filepath"
	"slices"
)

// Target is a startup file that gets a managed block sourcing an env script.
type Target struct {
	Path string
	// Why names the shells that read the file, for the list shown before
	// writing.
	Why string
	// Fish is true for fish syntax (conf.d); otherwise POSIX sh.
	Fish bool
	// Create allows creating the file when it is missing; otherwise a
	// missing file is skipped.
	Create bool
}

// StartupFiles lists the startup files to edit for the shells installed
// (e.Shells), following each shell's own rules for which file it reads:
//
//	~/.profile                 sh, dash, ksh and bash login shells (created if missing)
//	~/.bash_profile, ~/.bash_login  when they exist: bash login shells then skip ~/.profile
//	~/.bashrc                  bash interactive non-login shells
//	~/.zshenv                  every zsh; and $ZDOTDIR/.zshenv when ZDOTDIR is elsewhere
//	~/.zprofile                macOS only: zsh login shells, after path_helper
//	~/.kshrc                   ksh interactive shells, when it exists
//	$XDG_CONFIG_HOME/fish/conf.d/gosetup.fish   fish
//
// zsh gets ~/.zshenv even with ZDOTDIR set, because ZDOTDIR is often set
// in ~/.zshenv itself, and then $ZDOTDIR/.zshenv is never read.
func StartupFiles(e Env) []Target {
	has := func(s string) bool { return slices.Contains(e.Shells, s) }
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	home := e.Home
	var t []Target
	t = append(t, Target{Path: filepath.Join(home, ".profile"), Why: "sh, dash, ksh and bash login shells", Create: true})
	for _, f := range []string{".bash_profile", ".bash_login"} {
		if p := filepath.Join(home, f); exists(p) {
			t = append(t, Target{Path: p, Why: "bash login shells (they skip ~/.profile when this exists)"})
		}
	}
	if p := filepath.Join(home, ".bashrc"); has("bash") || exists(p) {
		t = append(t, Target{Path: p, Why: "bash interactive shells", Create: true})
	}
	if p := filepath.Join(home, ".zshenv"); has("zsh") || exists(p) {
		t = append(t, Target{Path: p, Why: "every zsh", Create: true})
		z := e.Getenv("ZDOTDIR")
		if filepath.IsAbs(z) && filepath.Clean(z) != filepath.Clean(home) {
			t = append(t, Target{Path: filepath.Join(z, ".zshenv"), Why: "every zsh ($ZDOTDIR)", Create: true})
		} else {
			z = home
		}
		if e.GOOS == "darwin" {
			// macOS's /etc/zprofile runs path_helper after .zshenv, which
			// moves the system directories (and a Homebrew go) in front of
			// ours in every login zsh; sourcing again from .zprofile, which
			// runs after it, puts the chosen go first again.
			t = append(t, Target{Path: filepath.Join(z, ".zprofile"), Why: "zsh login shells, after macOS's path_helper", Create: true})
		}
	}
	if p := filepath.Join(home, ".kshrc"); has("ksh") && exists(p) {
		t = append(t, Target{Path: p, Why: "ksh interactive shells"})
	}
	fishDir := filepath.Join(e.xdgConfigHome(), "fish")
	if has("fish") || exists(fishDir) {
		t = append(t, Target{Path: filepath.Join(fishDir, "conf.d", "gosetup.fish"), Why: "fish", Fish: true, Create: true})
	}
	return t
}

// sourceBlock is the managed block's body for a startup file. The source
// line ends in a comment so that in a file with CRLF line endings the CR
// falls into the comment instead of breaking the command.
func sourceBlock(script string, fish bool) []string {
	if fish {
		return []string{
			blockComment,
			"if test -f " + fishQuote(script) + "; source " + fishQuote(script) + "; end # gosetup",
		}
	}
	return []string{
		blockComment,
		"if [ -f " + shQuote(script) + " ]; then . " + shQuote(script) + "; fi # gosetup",
	}
}
