package envwriter

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The settings every real-shell test writes: a hostile (but valid) GOPROXY
// that would run code if any shell evaluated it, and a toolchain directory
// whose name is hostile too.
const hostileProxy = "https://proxy.example/a'$(touch${IFS}pwned)`touch${IFS}pwned2`\"b;c|direct"

// shellCase is one way a user opens a new shell.
type shellCase struct {
	name string
	prog string
	args []string
}

var shellCases = []shellCase{
	{"bash login", "bash", []string{"-l", "-c"}},
	{"bash interactive", "bash", []string{"-i", "-c"}},
	{"zsh", "zsh", []string{"-c"}},
	{"zsh login", "zsh", []string{"-l", "-c"}},
	{"fish", "fish", []string{"-c"}},
	{"fish login", "fish", []string{"-l", "-c"}},
	{"dash as sh (login)", "dash", []string{"-l", "-c"}},
	{"ksh login", "ksh", []string{"-l", "-c"}},
}

// realSetup makes a home directory with a toolchain directory (a link to
// the real GOROOT under a hostile name) and a decoy "distribution" go that
// the inherited PATH puts first.
func realSetup(t *testing.T) (home, tcBin, gopathBin, decoy string) {
	t.Helper()
	home = t.TempDir()
	quietGo(t, filepath.Join(home, ".config"))
	sdk := filepath.Join(home, "sdk", "go x'$(touch pwned3)`id`")
	if err := os.MkdirAll(filepath.Dir(sdk), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(realGoroot(t), sdk); err != nil {
		t.Fatal(err)
	}
	tcBin = filepath.Join(sdk, "bin")
	gopathBin = filepath.Join(home, "go", "bin")
	decoy = filepath.Join(home, "decoy", "bin")
	if err := os.MkdirAll(decoy, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(decoy, "go"), []byte("#!/bin/sh\necho decoy\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return
}

// runShell starts sc fresh: env -i with only HOME, PATH and TERM, with the
// decoy go and the toolchain dir (not first) already on PATH, and prints
// PATH and `go env GOPROXY`.
func runShell(t *testing.T, sc shellCase, home, inheritedPath, script string) (string, string) {
	t.Helper()
	prog := need(t, sc.prog)
	args := append(append([]string{}, sc.args...), script)
	cmd := exec.Command(prog, args...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + inheritedPath, "TERM=dumb"}
	cmd.Dir = home
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", sc.name, err, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

func TestRealShellsSeeSettings(t *testing.T) {
	home, tcBin, gopathBin, decoy := realSetup(t)
	shells := []string{"bash", "dash", "fish", "ksh", "sh", "zsh"}
	env := testEnv(home, shells, nil)
	s := Settings{GOPROXY: hostileProxy, GOSUMDB: "sum.golang.org", GOPRIVATE: "*.corp.example.com,github.com/org/[a-z]*", Path: []string{tcBin, gopathBin}}
	mustApply(t, Options{Settings: s, Env: env})

	// The inherited PATH already has the toolchain, but behind the decoy:
	// it must be moved to the front, not left where it is.
	inherited := strings.Join([]string{decoy, "/usr/bin", "/bin", tcBin}, ":")
	const script = `printf 'PATH=%s\n' "$PATH"; printf 'GOPROXY=%s\n' "$(go env GOPROXY)"; printf 'GOPRIVATE=%s\n' "$(go env GOPRIVATE)"`
	const fishScript = `printf 'PATH=%s\n' (string join : $PATH); printf 'GOPROXY=%s\n' (go env GOPROXY); printf 'GOPRIVATE=%s\n' (go env GOPRIVATE)`
	for _, sc := range shellCases {
		t.Run(sc.name, func(t *testing.T) {
			sh := script
			if sc.prog == "fish" {
				sh = fishScript
			}
			out, stderr := runShell(t, sc, home, inherited, sh)
			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					got[k] = v
				}
			}
			checkPathFirst(t, got["PATH"], tcBin, gopathBin)
			if stderr != "" {
				t.Logf("stderr: %s", stderr)
			}
			if got["GOPROXY"] != hostileProxy {
				t.Errorf("go env GOPROXY = %q, want %q", got["GOPROXY"], hostileProxy)
			}
			if got["GOPRIVATE"] != s.GOPRIVATE {
				t.Errorf("go env GOPRIVATE = %q, want %q", got["GOPRIVATE"], s.GOPRIVATE)
			}
			for _, f := range []string{"pwned", "pwned2", "pwned3"} {
				if _, err := os.Stat(filepath.Join(home, f)); err == nil {
					t.Errorf("a hostile value ran code: %s exists", f)
				}
			}
		})
	}
}

// checkPathFirst checks that PATH starts with dirs, holds each of them only
// once, and that the first go on it is in dirs[0]: the chosen go wins over
// any other, whatever the login scripts put on PATH after us.
func checkPathFirst(t *testing.T, path string, dirs ...string) {
	t.Helper()
	list := strings.Split(path, ":")
	if len(list) < len(dirs) {
		t.Fatalf("PATH = %q, want it to start with %q", path, dirs)
	}
	for i, d := range dirs {
		if list[i] != d {
			t.Errorf("PATH entry %d = %q, want %q (PATH = %q)", i, list[i], d, path)
		}
		n := 0
		for _, e := range list {
			if e == d {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q is on PATH %d times, want once (PATH = %q)", d, n, path)
		}
	}
	for _, d := range list {
		if fi, err := os.Stat(filepath.Join(d, "go")); err == nil && fi.Mode()&0o111 != 0 {
			if d != dirs[0] {
				t.Errorf("the first go on PATH is in %q, want %q", d, dirs[0])
			}
			return
		}
	}
	t.Errorf("no go on PATH %q", path)
}

// TestRealShellsWithUsersFiles: a CRLF ~/.profile without a final newline,
// an existing ~/.bash_profile (so bash login skips ~/.profile) and a
// symlinked ~/.zshenv; each real shell still sees the settings, the user's
// own lines still run, and uninstall puts back identical bytes.
func TestRealShellsWithUsersFiles(t *testing.T) {
	home, tcBin, gopathBin, decoy := realSetup(t)
	userFiles(t, home, map[string]string{
		".profile":        "# CRLF profile\r\nexport FROM_PROFILE=yes\r\nexport EDITOR=vi",
		".bash_profile":   "export FROM_BASH_PROFILE=yes\n",
		"dotfiles/zshenv": "export FROM_ZSHENV=yes\n",
	})
	if err := os.Symlink(filepath.Join(home, "dotfiles/zshenv"), filepath.Join(home, ".zshenv")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, home)
	env := testEnv(home, []string{"bash", "dash", "ksh", "zsh"}, nil)
	s := Settings{GOPROXY: "https://goproxy.cn,direct", Path: []string{tcBin, gopathBin}}
	mustApply(t, Options{Settings: s, Env: env})
	inherited := decoy + ":/usr/bin:/bin"
	const script = `printf 'PATH=%s\n' "$PATH"; printf 'GOPROXY=%s\n' "$(go env GOPROXY)"; printf 'MINE=%s%s%s\n' "$FROM_PROFILE" "$FROM_BASH_PROFILE" "$FROM_ZSHENV"`
	for _, tc := range []struct {
		sc   shellCase
		mine string
	}{
		{shellCase{"bash login via .bash_profile", "bash", []string{"-l", "-c"}}, "yes"},
		{shellCase{"dash login via CRLF .profile", "dash", []string{"-l", "-c"}}, "yes"},
		{shellCase{"ksh login via CRLF .profile", "ksh", []string{"-l", "-c"}}, "yes"},
		{shellCase{"zsh via symlinked .zshenv", "zsh", []string{"-c"}}, "yes"},
	} {
		t.Run(tc.sc.name, func(t *testing.T) {
			out, stderr := runShell(t, tc.sc, home, inherited, script)
			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					got[k] = strings.TrimRight(v, "\r")
				}
			}
			checkPathFirst(t, got["PATH"], tcBin, gopathBin)
			if got["GOPROXY"] != s.GOPROXY {
				t.Errorf("go env GOPROXY = %q, want %q (stderr %s)", got["GOPROXY"], s.GOPROXY, stderr)
			}
			if got["MINE"] != tc.mine {
				t.Errorf("the user's own startup lines did not run: %q", got["MINE"])
			}
		})
	}
	mustUninstall(t, UninstallOptions{Env: env})
	diffSnapshots(t, "uninstall", before, snapshot(t, home))
}
