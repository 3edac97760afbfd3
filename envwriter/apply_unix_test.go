//go:build unix

package envwriter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestNonRegularFileRefused(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "x\n"})
	if err := syscall.Mkfifo(filepath.Join(home, ".bashrc"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	env := testEnv(home, []string{"bash"}, nil)
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "direct"}, Env: env}, "not a regular file")
	os.Remove(filepath.Join(home, ".bashrc"))
	os.Mkdir(filepath.Join(home, ".bashrc"), 0o755)
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "direct"}, Env: env}, "not a regular file")
}

// TestFullDiskRollsBack runs Apply in a child process whose file size limit
// (RLIMIT_FSIZE) is below the size of one startup file: that write fails
// with EFBIG, as on a full disk, after others succeeded. Every file must be
// back as it was.
func TestFullDiskRollsBack(t *testing.T) {
	if os.Getenv("GOSETUP_FULLDISK_CHILD") != "" {
		var lim syscall.Rlimit
		lim.Cur, lim.Max = 64<<10, 64<<10
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		home := os.Getenv("GOSETUP_FULLDISK_CHILD")
		_, err := Apply(context.Background(), Options{Settings: Settings{GOPROXY: "direct"}, Env: testEnv(home, allShells, nil)})
		if err == nil {
			t.Fatal("Apply succeeded past the file size limit")
		}
		os.WriteFile(filepath.Join(home, "..", "err"), []byte(err.Error()), 0o644)
		return
	}
	root := t.TempDir()
	home := filepath.Join(root, "home")
	big := strings.Repeat("# a long comment line in a big zshenv\n", 3000) // > 64 KiB
	userFiles(t, home, map[string]string{".profile": "x\n", ".bashrc": "y\n", ".zshenv": big})
	before := snapshot(t, home)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFullDiskRollsBack$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOSETUP_FULLDISK_CHILD="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	msg, _ := os.ReadFile(filepath.Join(root, "err"))
	if !strings.Contains(string(msg), "file too large") || !strings.Contains(string(msg), "put back") {
		t.Errorf("error = %q, want the write error and that files were put back", msg)
	}
	diffSnapshots(t, "after a failed write", before, snapshot(t, home))
}

// Run as root (sudo) for a user's home, the files and directories gosetup
// creates belong to that user, like the home directory, and an edited file
// keeps its owner.
func TestCreatedFilesBelongToTheHomeOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can create files for another user")
	}
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "x\n"})
	const uid, gid = 54321, 54322
	for _, p := range []string{home, filepath.Join(home, ".profile")} {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	env := testEnv(home, allShells, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "direct"}, Env: env})
	filepath.Walk(home, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s is owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
		return nil
	})
}
