package envwriter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStateLockHelperProcess is not a test: run by TestConcurrentRunsKeepEveryRecord
// as a separate process (GOSETUP_LOCK_HELPER=goenv|shell), it writes
// settings as `gosetup env` does, many times over, and prints one line per
// attempt: ok, or the error.
func TestStateLockHelperProcess(t *testing.T) {
	mode := os.Getenv("GOSETUP_LOCK_HELPER")
	if mode == "" {
		t.Skip("helper process")
	}
	home := os.Getenv("HOME")
	env := testEnv(home, []string{"bash", "zsh"}, map[string]string{"GOENV": filepath.Join(home, "goenv")})
	n, _ := strconv.Atoi(os.Getenv("GOSETUP_LOCK_ROUNDS"))
	for i := 0; i < n; i++ {
		opts := Options{Env: env, Settings: Settings{Path: []string{"/opt/go/bin"}}}
		if mode == "goenv" {
			opts.Scope = ScopeGoEnv
			opts.Settings.GOPRIVATE = fmt.Sprintf("p%d.example", i)
		} else {
			opts.Settings.GOPROXY = fmt.Sprintf("https://proxy%d.example", i)
		}
		p, err := PlanEnv(context.Background(), opts)
		if err == nil {
			err = p.Apply(context.Background())
		}
		if err != nil {
			fmt.Println("error:", err)
		} else {
			fmt.Println("ok")
		}
	}
}

// Two processes write settings at once, one to the Go env file and one to
// the shells, over and over. Each attempt either succeeds or fails saying
// another run got in its way; none may lose the other's record. The proof
// is the user's view: afterwards uninstall gives back the Go env file's
// own values and the startup files' exact bytes.
func TestConcurrentRunsKeepEveryRecord(t *testing.T) {
	if os.Getenv("GOSETUP_LOCK_HELPER") != "" {
		t.Skip("in the helper")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "export EDITOR=vi\n", ".bashrc": "alias ll='ls -l'\n"})
	goenv := "GOFLAGS=-mod=mod\nGOPRIVATE=mine.example\n"
	if err := os.WriteFile(filepath.Join(home, "goenv"), []byte(goenv), 0o644); err != nil {
		t.Fatal(err)
	}
	// A home has its ~/.config already, as real ones do. In an empty home
	// one window remains: a failed run removing the ~/.config it made
	// while the other plans; the other then sees an empty ~/.config that
	// may as well be the user's, and leaves it (TestLeftLockDirIsRecorded
	// covers the config dir itself).
	if err := os.MkdirAll(filepath.Join(home, ".config", "user"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, home)
	const rounds = 40
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 2)
	for i, mode := range []string{"goenv", "shell"} {
		cmd := exec.Command(exe, "-test.run=^TestStateLockHelperProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "HOME="+home, "GOSETUP_LOCK_HELPER="+mode, "GOSETUP_LOCK_ROUNDS="+strconv.Itoa(rounds))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); cmd.Wait() }()
	}
	wg.Wait()
	oks := 0
	for i := range outs {
		for _, l := range strings.Split(outs[i].String(), "\n") {
			switch {
			case l == "ok":
				oks++
			case strings.HasPrefix(l, "error:"):
				// Allowed only when it says another run got in the way.
				if !strings.Contains(l, "another gosetup") && !strings.Contains(l, "while gosetup was running") {
					t.Errorf("an attempt failed for another reason: %s", l)
				}
			}
		}
	}
	if oks < rounds {
		t.Errorf("only %d of %d attempts succeeded; the lock should make most wait, not fail:\n%s\n%s", oks, 2*rounds, outs[0].String(), outs[1].String())
	}
	if p := mustUninstall(t, UninstallOptions{Env: testEnv(home, []string{"bash", "zsh"}, map[string]string{"GOENV": filepath.Join(home, "goenv")})}); len(p.Skipped) > 0 {
		t.Errorf("uninstall skipped %+v", p.Skipped)
	}
	after := snapshot(t, home)
	got := ParseGoEnv([]byte(strings.TrimPrefix(after["goenv"], "-rw-r--r--:")))
	if got["GOPRIVATE"] != "mine.example" || got["GOFLAGS"] != "-mod=mod" || len(got) != 2 {
		t.Errorf("after uninstall the Go env file holds %v, want the user's GOFLAGS and GOPRIVATE only", got)
	}
	delete(before, "goenv")
	delete(after, "goenv")
	diffSnapshots(t, "uninstall after concurrent runs", before, after)
}

// A second process waits for the lock a bounded time, then fails saying
// another gosetup is writing, and writes nothing.
func TestStateLockBusy(t *testing.T) {
	home := t.TempDir()
	env := testEnv(home, []string{"bash"}, nil)
	p, err := PlanEnv(context.Background(), Options{Env: env, Settings: Settings{GOPROXY: "https://goproxy.cn"}})
	if err != nil {
		t.Fatal(err)
	}
	// Hold the lock from another process: flock in a shell.
	lockFile := filepath.Join(p.ConfigDir, lockName)
	os.MkdirAll(p.ConfigDir, 0o755)
	flock := need(t, "flock")
	holder := exec.Command(flock, lockFile, "sleep", "60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	// Wait until the holder has it.
	for i := 0; i < 500 && exec.Command(flock, "-n", lockFile, "true").Run() == nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	waited := false
	p.OnLockWait = func() { waited = true }
	err = p.Apply(ctx)
	if err == nil || !waited {
		t.Fatalf("Apply with the lock held elsewhere: %v (waited %v)", err, waited)
	}
	if _, err := os.Stat(filepath.Join(home, ".bashrc")); err == nil {
		t.Error(".bashrc was written while another process held the lock")
	}
	var busy *BusyError
	if !errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &busy) {
		t.Errorf("error %v, want a wait that ends with the context or a BusyError", err)
	}
}

// A run that fails (busy, stale) after making the config dir for its lock
// cannot remove it while another run holds that lock, and records
// nothing. The run that does write must record the directories as
// gosetup's, or uninstall leaves ~/.config behind (seen in CI under load).
func TestLeftLockDirIsRecorded(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".config", "gosetup")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, lockName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv(home, []string{"bash"}, nil)
	mustApply(t, Options{Env: env, Settings: Settings{GOPROXY: "https://goproxy.cn,direct"}})
	st, err := LoadState(filepath.Join(cfg, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{cfg, filepath.Dir(cfg)}; !slices.Equal(st.Dirs, want) {
		t.Errorf("recorded dirs %q, want %q (never the home or above)", st.Dirs, want)
	}
	os.Remove(filepath.Join(cfg, lockName)) // the other run lets go
	mustUninstall(t, UninstallOptions{Env: env})
	if _, err := os.Lstat(filepath.Join(home, ".config")); err == nil {
		t.Error("uninstall left ~/.config, made by gosetup runs")
	}
	// A ~/.config of the user's own stays.
	if err := os.MkdirAll(filepath.Join(home, ".config", "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustApply(t, Options{Env: env, Settings: Settings{GOPROXY: "https://goproxy.cn,direct"}})
	mustUninstall(t, UninstallOptions{Env: env})
	if _, err := os.Lstat(filepath.Join(home, ".config", "other")); err != nil {
		t.Errorf("the user's ~/.config/other: %v", err)
	}
}

// An XDG_CONFIG_HOME outside the home: gosetup's config dir there is made
// by gosetup, but its parents outside the home are not recorded (uninstall
// refuses to remove them, so the record would never go away).
// The faces leave Env.Home empty, to be found from $HOME: the parents are
// judged against that home, not against an empty one that every absolute
// path is inside.
func TestConfigDirOutsideHomeUninstallsCleanly(t *testing.T) {
	for _, found := range []bool{false, true} {
		t.Run(fmt.Sprintf("home found %v", found), func(t *testing.T) {
			home := t.TempDir()
			xdg := filepath.Join(t.TempDir(), "data", "cfg")
			env := testEnv(home, []string{"bash"}, map[string]string{"XDG_CONFIG_HOME": xdg})
			if found {
				env.Home = ""
			}
			p := mustApply(t, Options{Env: env, Settings: Settings{GOPROXY: "https://goproxy.cn,direct"}})
			u := mustUninstall(t, UninstallOptions{Env: env})
			if len(u.Skipped) > 0 {
				t.Errorf("uninstall skipped %v", u.Skipped)
			}
			if _, err := os.Stat(p.StatePath); err == nil {
				b, _ := os.ReadFile(p.StatePath)
				t.Errorf("the state record is still there after uninstall: %s", b)
			}
		})
	}
}
