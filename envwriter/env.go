package envwriter

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gosetup/gosetup/internal/userenv"
)

// Env is the part of the outside world envwriter reads: the environment,
// the home directory, the platform and the installed shells. The zero value
// means this process's own; tests and the TUI give their own.
type Env struct {
	Getenv func(string) string
	// Home is the user's home directory ($HOME, or os.UserHomeDir).
	Home string
	// GOOS is the platform whose files are written (runtime.GOOS).
	GOOS string
	// Shells are the names of the installed shells (bash, zsh, fish, ksh,
	// dash, sh); nil means DetectShells.
	Shells []string
	// EtcShells is the list of login shells (/etc/shells).
	EtcShells string
	// LookPath finds a program on PATH (exec.LookPath by default); used
	// for shell detection and to find the go command's GOROOT.
	LookPath func(string) (string, error)
}

// resolved fills in the defaults.
func (e Env) resolved() (Env, error) {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.GOOS == "" {
		e.GOOS = runtime.GOOS
	}
	if e.Home == "" {
		h, err := userenv.Home(e.GOOS, e.Getenv)
		if err != nil {
			return e, err
		}
		e.Home = h
	}
	if e.EtcShells == "" {
		e.EtcShells = "/etc/shells"
	}
	if e.LookPath == nil {
		e.LookPath = lookPathFor(e.Getenv)
	}
	if e.Shells == nil && e.GOOS != "windows" {
		e.Shells = DetectShells(e)
	}
	return e, nil
}

// userConfigDir is os.UserConfigDir computed from e rather than from the
// process, so that tests and a different HOME give the matching answer.
func (e Env) userConfigDir() (string, error) {
	switch e.GOOS {
	case "windows":
		if d := e.Getenv("AppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%AppData% is not set")
	case "darwin", "ios":
		return filepath.Join(e.Home, "Library", "Application Support"), nil
	case "plan9":
		return filepath.Join(e.Home, "lib"), nil
	}
	if d := e.Getenv("XDG_CONFIG_HOME"); d != "" {
		if !filepath.IsAbs(d) {
			return "", errors.New("path in $XDG_CONFIG_HOME is relative")
		}
		return d, nil
	}
	return filepath.Join(e.Home, ".config"), nil
}

// xdgConfigHome is $XDG_CONFIG_HOME when absolute, else ~/.config: the
// directory fish and most Unix tools use, on macOS too.
func (e Env) xdgConfigHome() string {
	if d := e.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(e.Home, ".config")
}

// ConfigDir is gosetup's own directory, holding the env scripts and
// state.json: $XDG_CONFIG_HOME/gosetup or ~/.config/gosetup on every Unix
// (macOS included, so that the path sourced from startup files has no
// space in it), %AppData%\gosetup on Windows.
func ConfigDir(e Env) (string, error) {
	e, err := e.resolved()
	if err != nil {
		return "", err
	}
	if e.GOOS == "windows" {
		d, err := e.userConfigDir()
		if err != nil {
			return "", fmt.Errorf("cannot find gosetup's config dir: %w", err)
		}
		return filepath.Join(d, "gosetup"), nil
	}
	return filepath.Join(e.xdgConfigHome(), "gosetup"), nil
}

// GoEnvFile is the Go env file as the go command finds it
// (cmd/go/internal/cfg.EnvFile): $GOENV, else os.UserConfigDir()/go/env.
// GOENV=off means there is none, and is an error for writing.
func GoEnvFile(e Env) (string, error) {
	e, err := e.resolved()
	if err != nil {
		return "", err
	}
	if f := e.Getenv("GOENV"); f != "" {
		if f == "off" {
			return "", errors.New("GOENV=off disables the Go env file; unset GOENV, or write to the shell scope instead")
		}
		return f, nil
	}
	d, err := e.userConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the Go env file: %w", err)
	}
	return filepath.Join(d, "go", "env"), nil
}
