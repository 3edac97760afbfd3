//go:build unix

package envwriter

import (
	"os"
	"path/filepath"
	"testing"
)

// Root working on another user's home (sudo with their HOME) must not edit
// or delete a system file that the user points it at: a startup file
// symlinked to a root-owned file, or a root-owned path planted in the
// state record that the user owns.
func TestRootChangesOnlyTheHomeOwnersFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can act on another user's home")
	}
	const uid, gid = 54321, 54322
	root := t.TempDir()
	system := filepath.Join(root, "etc-passwd")
	if err := os.WriteFile(system, []byte("root:x:0:0::/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(root, "home")
	userFiles(t, home, map[string]string{".bashrc": "b\n"})
	if err := os.Symlink(system, filepath.Join(home, ".profile")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{home, filepath.Join(home, ".bashrc")} {
		if err := os.Lchown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	env := testEnv(home, []string{"bash"}, nil)
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "off"}, Env: env}, "belongs to user id 0")
	if b, _ := os.ReadFile(system); string(b) != "root:x:0:0::/root:/bin/sh\n" {
		t.Fatalf("the system file was changed: %q", b)
	}

	// The state record is the user's: a path planted in it must not make
	// root delete (or overwrite) a root-owned file.
	os.Remove(filepath.Join(home, ".profile"))
	userFiles(t, home, map[string]string{".profile": "p\n"})
	os.Lchown(filepath.Join(home, ".profile"), uid, gid)
	mustApply(t, Options{Settings: Settings{GOPROXY: "off"}, Env: env})
	cfg, _ := ConfigDir(env)
	st, err := LoadState(StatePath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	sys, _ := os.ReadFile(system)
	st.Files = append(st.Files, FileRecord{Path: system, Created: true, Written: hashBytes(sys), Mode: 0o644})
	if err := st.Save(StatePath(cfg)); err != nil {
		t.Fatal(err)
	}
	p := mustUninstall(t, UninstallOptions{Env: env})
	if len(p.Skipped) != 1 || p.Skipped[0].Path != system || !p.Skipped[0].Refused {
		t.Errorf("uninstall with a planted system path: Skipped = %+v", p.Skipped)
	}
	if _, err := os.Stat(system); err != nil {
		t.Errorf("the system file is gone: %v", err)
	}
}
