package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/toolchain"
	"github.com/gosetup/gosetup/tui"
)

// TestWizardWithoutTerminal: without a terminal on stdin or stdout the
// wizard does not start (Bubble Tea would open /dev/tty); gosetup prints
// the commands that do the same job and exits 2.
func TestWizardWithoutTerminal(t *testing.T) {
	cases := []struct {
		name       string
		term       func(f any) bool
		env        map[string]string
		args       []string
		want, lack string
	}{
		{"no stdin", func(f any) bool { return !isReader(f) }, nil, nil, "gosetup install --yes --proxy auto", "最新"},
		{"no stdout", func(f any) bool { return isReader(f) }, nil, nil, "gosetup uninstall", ""},
		{"chinese locale", func(any) bool { return false }, map[string]string{"LANG": "zh_CN.UTF-8"}, nil, "向导需要", "The wizard"},
		{"--lang en wins", func(any) bool { return false }, map[string]string{"LC_ALL": "zh_CN.UTF-8"}, []string{"--lang", "en"}, "the wizard needs a terminal", "向导"},
		{"--lang=zh", func(any) bool { return false }, nil, []string{"--lang=zh"}, "向导需要", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
				getenv: func(k string) string { return c.env[k] }, isTerminal: c.term}
			code := a.run(context.Background(), c.args)
			if code != exitUsage || !strings.Contains(errb.String(), c.want) || (c.lack != "" && strings.Contains(errb.String(), c.lack)) {
				t.Errorf("exit %d, stderr %q; want 2 with %q", code, errb.String(), c.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

func isReader(f any) bool { _, ok := f.(*strings.Reader); return ok }

func TestWizardFlagsUsage(t *testing.T) {
	for _, args := range [][]string{{"--lang", "fr"}, {"--lang=de"}, {"--accessible", "extra"}} {
		code, _, stderr := runApp(t, nil, args...)
		if code != exitUsage {
			t.Errorf("gosetup %v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}

// TestWizardChooseTakesTheRecommendation: what the wizard preselects is
// what --proxy auto writes, and a picked row replaces it.
func TestWizardChooseTakesTheRecommendation(t *testing.T) {
	rep := &probe.Report{
		Results: []probe.Result{
			{Kind: catalog.KindArchive, Name: "dead", URL: "https://dead.example/", OK: false},
			{Kind: catalog.KindArchive, Name: "fast", URL: "https://fast.example/", OK: true},
			{Kind: catalog.KindArchive, Name: "slow", URL: "https://slow.example/", OK: true},
			{Kind: catalog.KindProxy, Name: "p1", URL: "https://p1.example", OK: true},
			{Kind: catalog.KindProxy, Name: "p2", URL: "https://p2.example", OK: true},
		},
		Recommendation: probe.Recommendation{GOPROXY: "https://p1.example|https://p2.example,direct", GOSUMDB: "sum.golang.org"},
	}
	b := &wizardBackend{}
	m := b.Choose(rep, tui.Picks{})
	if m.Source != toolchain.SourceArchive || m.Mirror != "fast" || m.ArchiveURL != "https://fast.example/" ||
		m.GOPROXY != rep.Recommendation.GOPROXY || m.GOSUMDB != "sum.golang.org" || m.ProxyURL != "https://p1.example" {
		t.Errorf("recommendation: %+v", m)
	}
	m = b.Choose(rep, tui.Picks{Archive: "https://slow.example/", Proxy: "https://p2.example"})
	if m.Mirror != "slow" || m.GOPROXY != "https://p2.example,direct" || m.ProxyURL != "https://p2.example" {
		t.Errorf("picks: %+v", m)
	}
	// No archive mirror answered: the module channel through the proxy.
	rep.Results = rep.Results[3:]
	if m = b.Choose(rep, tui.Picks{}); m.Source != toolchain.SourceModule || m.Mirror != "https://p1.example" {
		t.Errorf("no archive: %+v", m)
	}
}

func TestFishWord(t *testing.T) {
	for in, want := range map[string]string{
		"/home/ada/.config/gosetup/env.fish": "/home/ada/.config/gosetup/env.fish",
		"/home/a b/env.fish":                 `'/home/a b/env.fish'`,
		`/home/it's\x/env.fish`:              `'/home/it\'s\\x/env.fish'`,
	} {
		if got := fishWord(in); got != want {
			t.Errorf("fishWord(%q) = %q, want %q", in, got, want)
		}
	}
}
