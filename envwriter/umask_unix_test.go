//go:build unix

package envwriter

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A new file gets the mode the user's umask gives, as `go env -w` (and
// every editor) would create it: with umask 077 a new Go env file or
// ~/.profile is 0600, not readable by others. An existing file keeps its
// own mode whatever the umask.
func TestNewFilesFollowTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	// The real go command's Go env file, for comparison.
	ref := t.TempDir()
	quietGo(t, filepath.Join(ref, ".config"))
	runGo(t, ref, nil, "env", "-w", "GOPROXY=off")
	fi, err := os.Stat(filepath.Join(ref, ".config", "go", "env"))
	if err != nil {
		t.Fatal(err)
	}
	want := fi.Mode().Perm()

	home := t.TempDir()
	quietGo(t, filepath.Join(home, ".config"))
	userFiles(t, home, map[string]string{".bashrc": "b\n"})
	os.Chmod(filepath.Join(home, ".bashrc"), 0o644)
	env := testEnv(home, []string{"bash"}, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "off", Path: []string{"/opt/go/bin"}}, Scope: ScopeGoEnv, Env: env})
	for name, mode := range map[string]os.FileMode{".config/go/env": want, ".profile": 0o600, ".config/gosetup/env": 0o600, ".bashrc": 0o644} {
		fi, err := os.Stat(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
}
