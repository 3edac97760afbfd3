package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runApp runs gosetup in-process with its own streams and environment.
func runApp(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdin:      strings.NewReader(""),
		stdout:     &out,
		stderr:     &errb,
		getenv:     func(k string) string { return env[k] },
		isTerminal: func(any) bool { return false },
	}
	code = a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestDispatchUsage(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{nil, exitUsage, "gosetup install --yes --proxy auto"},
		{[]string{"help"}, exitOK, "install"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"version", "--bogus"}, exitUsage, "-bogus"},
		{[]string{"help", "nope"}, exitUsage, `"nope"`},
		{[]string{"install", "--connections", "99"}, exitUsage, "--connections 99: use 1"},
		{[]string{"install", "--connections", "-1"}, exitUsage, "--connections -1: use 1"},
	}
	for _, c := range cases {
		code, _, stderr := runApp(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.inStderr) {
			t.Errorf("gosetup %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.inStderr)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runApp(t, nil, "--version")
	if code != exitOK || !strings.HasPrefix(out, "gosetup ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands() {
		code, _, stderr := runApp(t, nil, "help", name)
		if code != exitOK || !strings.Contains(stderr, "Usage: gosetup "+name) {
			t.Errorf("gosetup help %s: exit %d, stderr %q", name, code, stderr)
		}
	}
}
