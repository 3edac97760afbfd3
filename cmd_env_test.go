package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/toolchain"
)

// envApp runs gosetup in-process for a fresh home directory; terminal and
// stdin stand for the user at a keyboard.
func envApp(t *testing.T, home string, terminal bool, stdin string, args ...string) (int, string, string) {
	t.Helper()
	env := map[string]string{"HOME": home, "PATH": "/usr/bin:/bin", "SHELL": "/bin/bash", "GOENV": filepath.Join(home, "goenv")}
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, isTerminal: func(any) bool { return terminal }}
	code := a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

// homeFiles reads every file under home, for before/after comparisons.
func homeFiles(t *testing.T, home string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(home, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			m[p] = fi.Mode().String() + string(b)
		} else if err == nil {
			m[p] = "dir"
		}
		return nil
	})
	return m
}

func sameFiles(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d paths before, %d after", what, len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %s changed", what, k)
		}
	}
}

func newHome(t *testing.T) string {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".profile"), []byte("export EDITOR=vi\n"), 0o644)
	os.WriteFile(filepath.Join(home, ".bashrc"), []byte("alias ll='ls -l'\n"), 0o600)
	return home
}

func TestEnvRefusesWithoutTerminalOrYes(t *testing.T) {
	home := newHome(t)
	before := homeFiles(t, home)
	code, stdout, stderr := envApp(t, home, false, "", "env", "--proxy", "https://goproxy.cn,direct")
	if code != exitFailure || !strings.Contains(stderr, "stdin is not a terminal") || !strings.Contains(stderr, "--yes") {
		t.Errorf("exit %d, stderr %q: want a refusal naming the terminal and --yes", code, stderr)
	}
	// The list of files is shown before refusing.
	if !strings.Contains(stdout, "~/.profile") || !strings.Contains(stdout, "~/.bashrc") {
		t.Errorf("stdout does not list the files:\n%s", stdout)
	}
	sameFiles(t, "refused", before, homeFiles(t, home))
}

func TestEnvConfirmAtTerminal(t *testing.T) {
	home := newHome(t)
	before := homeFiles(t, home)
	code, _, stderr := envApp(t, home, true, "n\n", "env", "--proxy", "https://goproxy.cn,direct")
	if code != exitFailure || !strings.Contains(stderr, "not confirmed") {
		t.Errorf("answer n: exit %d, %q", code, stderr)
	}
	sameFiles(t, "answered no", before, homeFiles(t, home))
	code, stdout, stderr := envApp(t, home, true, "y\n", "env", "--proxy", "https://goproxy.cn,direct")
	if code != exitOK || !strings.Contains(stdout, "done") {
		t.Fatalf("answer y: exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(home, ".config/gosetup/env"))
	if !strings.Contains(string(b), "GOPROXY='https://goproxy.cn,direct'\nexport GOPROXY\n") {
		t.Errorf("env script:\n%s", b)
	}
}

func TestEnvDryRunShowsDiffAndWritesNothing(t *testing.T) {
	home := newHome(t)
	before := homeFiles(t, home)
	code, stdout, stderr := envApp(t, home, false, "", "env", "--proxy", "https://goproxy.cn,direct", "--path", "/opt/go/bin", "--dry-run")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"--- " + filepath.Join(home, ".profile"), "+++ " + filepath.Join(home, ".profile"), " export EDITOR=vi", "+# >>> gosetup >>>", "--- /dev/null", "+GOPROXY='https://goproxy.cn,direct'", "dry run"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
	sameFiles(t, "dry run", before, homeFiles(t, home))
}

func TestEnvBadValueIsUsageError(t *testing.T) {
	home := newHome(t)
	before := homeFiles(t, home)
	for _, args := range [][]string{
		{"--proxy", "goproxy.cn"},
		{"--sumdb", "https://sum.golang.org"},
		{"--private", "corp example"},
		{"--path", "/a:b"},
		{"--scope", "system", "--proxy", "direct"},
	} {
		code, _, stderr := envApp(t, home, false, "", append([]string{"env", "--yes"}, args...)...)
		if code != exitUsage || stderr == "" {
			t.Errorf("env %v: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
	sameFiles(t, "bad values", before, homeFiles(t, home))
}

func TestEnvShowsWhereValuesComeFrom(t *testing.T) {
	home := newHome(t)
	os.WriteFile(filepath.Join(home, ".bashrc"), []byte("# x\nexport GOPROXY=https://shadow.example\n"), 0o644)
	os.WriteFile(filepath.Join(home, "goenv"), []byte("GOPROXY=https://goenv.example\nGOPRIVATE=corp.example.com\n"), 0o644)
	code, stdout, stderr := envApp(t, home, false, "", "env")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"GOPROXY=https://shadow.example\n    from: startup file (" + filepath.Join(home, ".bashrc") + ":2)",
		"shadows the Go env file's GOPROXY=https://goenv.example",
		"GOPRIVATE=corp.example.com\n    from: Go env file (" + filepath.Join(home, "goenv") + ":2)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestEnvThenUninstallRoundTrip(t *testing.T) {
	home := newHome(t)
	before := homeFiles(t, home)
	for _, args := range [][]string{
		{"env", "--yes", "--proxy", "https://goproxy.cn,direct", "--sumdb", "sum.golang.google.cn", "--path", "/opt/go/bin"},
		{"env", "--yes", "--private", "corp.example.com", "--scope", "goenv"},
	} {
		if code, stdout, stderr := envApp(t, home, false, "", args...); code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
	}
	goenv, _ := os.ReadFile(filepath.Join(home, "goenv"))
	if !strings.Contains(string(goenv), "GOPRIVATE=corp.example.com\n") || !strings.Contains(string(goenv), "GOPROXY=https://goproxy.cn,direct\n") {
		t.Errorf("Go env file:\n%s", goenv)
	}
	code, _, stderr := envApp(t, home, false, "", "uninstall")
	if code != exitFailure || !strings.Contains(stderr, "--yes") {
		t.Errorf("uninstall without --yes: exit %d %q", code, stderr)
	}
	if code, stdout, stderr := envApp(t, home, false, "", "uninstall", "--yes"); code != exitOK {
		t.Fatalf("uninstall: exit %d\n%s\n%s", code, stdout, stderr)
	}
	sameFiles(t, "uninstall", before, homeFiles(t, home))
	code, stdout, _ := envApp(t, home, false, "", "uninstall", "--yes")
	if code != exitOK || !strings.Contains(stdout, "nothing to undo") {
		t.Errorf("second uninstall: exit %d %q", code, stdout)
	}
}

func TestUninstallToolchain(t *testing.T) {
	for _, keep := range []bool{false, true} {
		home := newHome(t)
		tc := filepath.Join(home, "sdk", "go1.22.12")
		os.MkdirAll(filepath.Join(tc, "bin"), 0o755)
		os.WriteFile(filepath.Join(tc, "bin", "go"), []byte("#!/bin/sh\n"), 0o755)
		os.WriteFile(filepath.Join(tc, "VERSION"), []byte("go1.22.12\ntime 2025-02-04T20:35:57Z\n"), 0o644)
		os.WriteFile(filepath.Join(tc, toolchain.MarkFile), []byte(`{"tool":"gosetup","dir":"`+tc+`"}`), 0o644)
		env := envwriter.Env{Getenv: func(k string) string {
			return map[string]string{"HOME": home, "PATH": "/usr/bin:/bin", "GOENV": filepath.Join(home, "goenv")}[k]
		}}
		if _, err := envwriter.Apply(context.Background(), envwriter.Options{Settings: envwriter.Settings{Path: []string{filepath.Join(tc, "bin")}}, Env: env, Toolchain: tc}); err != nil {
			t.Fatal(err)
		}
		args := []string{"uninstall", "--yes"}
		if keep {
			args = append(args, "--keep-toolchain")
		}
		code, stdout, stderr := envApp(t, home, false, "", args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
		_, err := os.Stat(tc)
		if keep != (err == nil) {
			t.Errorf("keep=%v: toolchain dir exists=%v", keep, err == nil)
		}
		b, _ := os.ReadFile(filepath.Join(home, ".profile"))
		if string(b) != "export EDITOR=vi\n" {
			t.Errorf("keep=%v: .profile = %q", keep, b)
		}
	}
}

func TestEnvProxyAuto(t *testing.T) {
	mirrors := probeFixture(t, true)
	home := newHome(t)
	code, stdout, stderr := envApp(t, home, false, "", "env", "--proxy", "auto", "--mirrors", mirrors, "--yes")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(home, ".config/gosetup/env"))
	if !strings.Contains(string(b), "GOPROXY='http://127.0.0.1:") || !strings.Contains(string(b), "\nexport GOSUMDB\n") {
		t.Errorf("env script after --proxy auto:\n%s\nstderr:\n%s", b, stderr)
	}
	// Every mirror down: a clear error, nothing written.
	home2 := newHome(t)
	before := homeFiles(t, home2)
	code, _, stderr = envApp(t, home2, false, "", "env", "--proxy", "auto", "--mirrors", probeFixture(t, false), "--yes")
	if code != exitFailure || !strings.Contains(stderr, "nothing was written") {
		t.Errorf("all down: exit %d, %q", code, stderr)
	}
	sameFiles(t, "all down", before, homeFiles(t, home2))
}

// --scope alone moves the managed values; with nothing managed it says so.
func TestEnvScopeAloneMovesValues(t *testing.T) {
	home := newHome(t)
	code, _, stderr := envApp(t, home, false, "", "env", "--scope", "goenv", "--yes")
	if code != exitFailure || !strings.Contains(stderr, "nothing to write") || !strings.Contains(stderr, "--proxy") {
		t.Errorf("nothing managed: exit %d %q", code, stderr)
	}
	if code, out, stderr := envApp(t, home, false, "", "env", "--proxy", "https://goproxy.cn", "--yes"); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if code, out, stderr := envApp(t, home, false, "", "env", "--scope", "goenv", "--yes"); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(home, "goenv"))
	if string(b) != "GOPROXY=https://goproxy.cn\n" {
		t.Errorf("Go env file = %q", b)
	}
}
