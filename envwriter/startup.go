package envwriter

import (
	"os"
	"path/filepath"
	"slices"
)

// StartupRole names a startup file's part in the shells' start-up (which
// shells read it), as a stable key a face can translate; Why is its
// English text.
type StartupRole string

// The startup files' roles, as StartupFiles gives them.
const (
	RoleProfile       StartupRole = "profile"        // ~/.profile
	RoleBashLogin     StartupRole = "bash-login"     // ~/.bash_profile, ~/.bash_login
	RoleBashRC        StartupRole = "bashrc"         // ~/.bashrc
	RoleZshenv        StartupRole = "zshenv"         // ~/.zshenv
	RoleZshenvZDOTDIR StartupRole = "zshenv-zdotdir" // $ZDOTDIR/.zshenv
	RoleZprofile      StartupRole = "zprofile"       // macOS: .zprofile
	RoleKshrc         StartupRole = "kshrc"          // ~/.kshrc
	RoleFish          StartupRole = "fish"           // fish/conf.d/gosetup.fish
)

// StartupRoles lists every role, for a face that maps each one.
func StartupRoles() []StartupRole {
	return []StartupRole{RoleProfile, RoleBashLogin, RoleBashRC, RoleZshenv, RoleZshenvZDOTDIR, RoleZprofile, RoleKshrc, RoleFish}
}

// Why names, in English, the shells that read a file of this role.
func (r StartupRole) Why() string {
	switch r {
	case RoleProfile:
		return "sh, dash, ksh and bash login shells"
	case RoleBashLogin:
		return "bash login shells (they skip ~/.profile when this exists)"
	case RoleBashRC:
		return "bash interactive shells"
	case RoleZshenv:
		return "every zsh"
	case RoleZshenvZDOTDIR:
		return "every zsh ($ZDOTDIR)"
	case RoleZprofile:
		return "zsh login shells, after macOS's path_helper"
	case RoleKshrc:
		return "ksh interactive shells"
	case RoleFish:
		return "fish"
	}
	return string(r)
}

// Target is a startup file that gets a managed block sourcing an env script.
type Target struct {
	Path string
	// Role is which shells read the file; Why says it in English, for the
	// list shown before writing.
	Role StartupRole
	Why  string
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
	t = append(t, Target{Path: filepath.Join(home, ".profile"), Role: RoleProfile, Why: RoleProfile.Why(), Create: true})
	for _, f := range []string{".bash_profile", ".bash_login"} {
		if p := filepath.Join(home, f); exists(p) {
			t = append(t, Target{Path: p, Role: RoleBashLogin, Why: RoleBashLogin.Why()})
		}
	}
	if p := filepath.Join(home, ".bashrc"); has("bash") || exists(p) {
		t = append(t, Target{Path: p, Role: RoleBashRC, Why: RoleBashRC.Why(), Create: true})
	}
	if p := filepath.Join(home, ".zshenv"); has("zsh") || exists(p) {
		t = append(t, Target{Path: p, Role: RoleZshenv, Why: RoleZshenv.Why(), Create: true})
		z := e.Getenv("ZDOTDIR")
		if filepath.IsAbs(z) && filepath.Clean(z) != filepath.Clean(home) {
			t = append(t, Target{Path: filepath.Join(z, ".zshenv"), Role: RoleZshenvZDOTDIR, Why: RoleZshenvZDOTDIR.Why(), Create: true})
		} else {
			z = home
		}
		if e.GOOS == "darwin" {
			// macOS's /etc/zprofile runs path_helper after .zshenv, which
			// moves the system directories (and a Homebrew go) in front of
			// ours in every login zsh; sourcing again from .zprofile, which
			// runs after it, puts the chosen go first again.
			t = append(t, Target{Path: filepath.Join(z, ".zprofile"), Role: RoleZprofile, Why: RoleZprofile.Why(), Create: true})
		}
	}
	if p := filepath.Join(home, ".kshrc"); has("ksh") && exists(p) {
		t = append(t, Target{Path: p, Role: RoleKshrc, Why: RoleKshrc.Why()})
	}
	fishDir := filepath.Join(e.xdgConfigHome(), "fish")
	if has("fish") || exists(fishDir) {
		t = append(t, Target{Path: filepath.Join(fishDir, "conf.d", "gosetup.fish"), Role: RoleFish, Why: RoleFish.Why(), Fish: true, Create: true})
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
