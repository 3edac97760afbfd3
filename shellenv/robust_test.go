package shellenv

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rcFor is the file each shell reads in mode, in that shell's syntax.
func rcFor(sh string, m Mode) (string, []string) {
	if sh == "fish" {
		return ".config/fish/config.fish", nil
	}
	return rcFile(sh, m)
}

// Startup files that misbehave: the shell is reported, never hangs the
// caller, and what the files print cannot forge the results.
func TestMisbehavingStartupFiles(t *testing.T) {
	cases := []struct {
		name    string
		body    string // POSIX and fish alike
		timeout time.Duration
		check   func(t *testing.T, r Result)
	}{
		{"prints junk", "echo gsbegin; printf 'PATH=/evil\\000GOPROXY=evil\\000'; printf 'x\\000' >&2; export GOPROXY=https://real.example\n", 0, func(t *testing.T, r Result) {
			if r.Err != nil || r.GoEnv["GOPROXY"] != "https://real.example" || r.PathValue == "/evil" {
				t.Errorf("Err=%v GOPROXY=%q PATH=%q", r.Err, r.GoEnv["GOPROXY"], r.PathValue)
			}
		}},
		{"exits", "export GOPROXY=https://before.example\nexit 3\nexport GOPROXY=https://after.example\n", 0, func(t *testing.T, r Result) {
			if r.Shell == "fish" {
				// fish's exit in a sourced file ends only that file.
				if r.Err != nil || r.GoEnv["GOPROXY"] != "https://before.example" {
					t.Errorf("Err=%v GOPROXY=%q", r.Err, r.GoEnv["GOPROXY"])
				}
				return
			}
			if r.Err == nil || !strings.Contains(r.Err.Error(), "exit") {
				t.Errorf("Err = %v, want it to say the shell exited", r.Err)
			}
			if !has(r.Assignments, "GOPROXY") {
				t.Errorf("the assignment before exit is lost")
			}
		}},
		{"hangs", "export GOPROXY=https://before.example\nsleep 1000\n", 2 * time.Second, func(t *testing.T, r Result) {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "did not finish") {
				t.Errorf("Err = %v, want a timeout", r.Err)
			}
			if r.Duration > 6*time.Second {
				t.Errorf("took %v with a 2s timeout", r.Duration)
			}
		}},
		{"reads stdin", "read line\nexport GOPROXY=https://after.example\n", 0, func(t *testing.T, r Result) {
			if r.Err != nil || r.GoEnv["GOPROXY"] != "https://after.example" {
				t.Errorf("Err=%v GOPROXY=%q", r.Err, r.GoEnv["GOPROXY"])
			}
		}},
		{"silences its output", "exec >/dev/null 2>&1\nexport GOPROXY=https://quiet.example\n", 0, func(t *testing.T, r Result) {
			if r.Err != nil || r.GoEnv["GOPROXY"] != "https://quiet.example" {
				t.Errorf("Err=%v GOPROXY=%q", r.Err, r.GoEnv["GOPROXY"])
			}
			// zsh and ksh trace to stderr: with it gone, the result says
			// the trace is incomplete rather than that nothing was set.
			if (r.Shell == "zsh" || r.Shell == "ksh") && r.TraceNote == "" && !has(r.Assignments, "GOPROXY") {
				t.Errorf("trace lost without a TraceNote")
			}
			if r.Shell == "bash" && !has(r.Assignments, "GOPROXY") {
				t.Errorf("bash traces to its own fd: the assignment must be there")
			}
		}},
		{"turns xtrace off", "set +x\nexport GOPROXY=https://untraced.example\n", 0, func(t *testing.T, r Result) {
			if r.Err != nil || r.GoEnv["GOPROXY"] != "https://untraced.example" {
				t.Errorf("Err=%v GOPROXY=%q", r.Err, r.GoEnv["GOPROXY"])
			}
			if r.Traced && r.TraceNote == "" {
				t.Errorf("trace ended early without a TraceNote")
			}
		}},
		{"background job holds the pipes", "sleep 1000 &\nexport GOPROXY=https://bg.example\n", 0, func(t *testing.T, r Result) {
			if r.Err != nil || r.GoEnv["GOPROXY"] != "https://bg.example" || r.Duration > 8*time.Second {
				t.Errorf("Err=%v GOPROXY=%q after %v", r.Err, r.GoEnv["GOPROXY"], r.Duration)
			}
		}},
	}
	for _, name := range []string{"bash", "zsh", "ksh", "dash", "fish"} {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				sh := need(t, name)
				home := realHome(t)
				rc, extra := rcFor(name, Interactive)
				for i := range extra {
					extra[i] = strings.ReplaceAll(extra[i], "$HOME", home)
				}
				body := c.body
				if name == "fish" {
					body = strings.ReplaceAll(body, "export GOPROXY=", "set -gx GOPROXY ")
					body = strings.ReplaceAll(body, "echo gsbegin;", "echo gsbegin\n")
					body = strings.ReplaceAll(body, "sleep 1000 &", "sleep 1000 &")
				}
				writeFiles(t, home, map[string]string{rc: body})
				opts := testOpts(home, extra...)
				if c.timeout > 0 {
					opts.Timeout = c.timeout
				}
				r := run(t, sh, Interactive, opts)
				c.check(t, r)
			})
		}
	}
}

func TestContextCancelStopsShell(t *testing.T) {
	sh := need(t, "bash")
	home := realHome(t)
	writeFiles(t, home, map[string]string{".bashrc": "sleep 1000\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := Run(ctx, sh, Interactive, testOpts(home))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "stopped") {
		t.Errorf("Err = %v", r.Err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Run returned %v after the context ended", d)
	}
}

// The classic fault: gosetup's block in ~/.profile, which bash login
// shells never read because ~/.bash_profile exists.
func TestBashProfileHidesProfile(t *testing.T) {
	sh := need(t, "bash")
	home := realHome(t)
	writeFiles(t, home, map[string]string{
		".profile":      "export GOPROXY=https://profile.example\n",
		".bash_profile": "# the user's own\nexport EDITOR=vi\n",
	})
	r := run(t, sh, Login, testOpts(home))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if _, ok := r.GoEnv["GOPROXY"]; ok || has(r.Assignments, "GOPROXY") {
		t.Errorf("bash login read ~/.profile: GoEnv=%v", r.GoEnv)
	}
	var profile *StartupFile
	for _, f := range StartupFiles("bash", Login, home, nil) {
		if f.Path == filepath.Join(home, ".profile") {
			profile = &f
		}
	}
	if profile == nil || profile.Read || !profile.Exists || !strings.Contains(profile.Why, ".bash_profile") {
		t.Errorf("StartupFiles on ~/.profile: %+v, want it existing, skipped, because of ~/.bash_profile", profile)
	}
	// dash and ksh login shells do read it.
	for _, name := range []string{"dash", "ksh"} {
		r := run(t, need(t, name), Login, testOpts(home))
		if r.GoEnv["GOPROXY"] != "https://profile.example" {
			t.Errorf("%s login: GOPROXY = %q", name, r.GoEnv["GOPROXY"])
		}
	}
}
