package shellenv

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// zsh's own forms: the path array tied to PATH, typeset -gx, and files
// in ZDOTDIR.
func TestAttributionZshForms(t *testing.T) {
	sh := need(t, "zsh")
	home := realHome(t)
	zdot := filepath.Join(home, "zdot")
	writeFiles(t, home, map[string]string{
		".zshenv":        "export ZDOTDIR=$HOME/zdot\n",
		"zdot/.zshrc":    "path=($HOME/zbin $path)\ntypeset -gx GOPROXY=https://z.example\nf() { typeset -gx GOSUMDB=off; }\nf\npath+=(/opt/zlast)\n",
		"zdot/.zprofile": "export GOFLAGS=-zprofile\n",
	})
	for _, m := range Modes {
		r := run(t, sh, m, testOpts(home))
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		rc := filepath.Join(zdot, ".zshrc")
		check := func(v string, line int, op Op) {
			t.Helper()
			got := find(r.Assignments, v, rc, line)
			if len(got) != 1 || got[0].Op != op {
				t.Errorf("%s: %s at %s:%d = %v, want one %s", m, v, rc, line, got, op)
			}
		}
		check("PATH", 1, OpPrepend)
		check("GOPROXY", 2, OpExport)
		check("GOSUMDB", 3, OpExport) // where the function that runs it is
		if a := find(r.Assignments, "GOSUMDB", rc, 3); len(a) == 1 && (!a[0].Cond || a[0].Word.End == 0) {
			t.Errorf("zsh syntax not parsed for the byte range: %+v", a[0])
		}
		check("PATH", 5, OpAppend)
		if r.Path[0] != filepath.Join(home, "zbin") || r.Path[len(r.Path)-1] != "/opt/zlast" || r.GoEnv["GOSUMDB"] != "off" {
			t.Errorf("%s: Path %q GoEnv %v", m, r.Path, r.GoEnv)
		}
		_, prof := r.GoEnv["GOFLAGS"]
		if prof != (m == Login) {
			t.Errorf("%s: GOFLAGS from .zprofile present = %v", m, prof)
		}
	}
}

func TestSweepAllShells(t *testing.T) {
	home := realHome(t)
	writeFiles(t, home, map[string]string{
		".profile":                 "export GOPROXY=https://sweep.example\n",
		".bashrc":                  "export GOPROXY=https://sweep.example\n",
		".zshenv":                  "export GOPROXY=https://sweep.example\n",
		".kshrc":                   "export GOPROXY=https://sweep.example\n",
		".config/fish/config.fish": "set -gx GOPROXY https://sweep.example\n",
	})
	var shells []Shell
	for _, n := range []string{"bash", "zsh", "fish", "dash", "ksh"} {
		shells = append(shells, need(t, n))
	}
	opts := testOpts(home)
	opts.Shells = shells
	start := time.Now()
	rs := Sweep(context.Background(), opts)
	t.Logf("sweep of %d shells x 2 modes: %v", len(shells), time.Since(start))
	if len(rs) != 2*len(shells) {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if r.Shell != shells[i/2].Name || r.Mode != Modes[i%2] {
			t.Errorf("result %d is %s %s, out of order", i, r.Shell, r.Mode)
		}
		if r.Err != nil {
			t.Errorf("%s %s: %v", r.Shell, r.Mode, r.Err)
			continue
		}
		want := "https://sweep.example"
		if r.Shell == "dash" && r.Mode == Interactive {
			want = "" // dash reads no file without ENV
		}
		if r.GoEnv["GOPROXY"] != want {
			t.Errorf("%s %s: GOPROXY = %q, want %q", r.Shell, r.Mode, r.GoEnv["GOPROXY"], want)
		}
		if want != "" {
			if a, ok := r.Lookup("GOPROXY"); !ok || a.Value != want || a.Line != 1 {
				t.Errorf("%s %s: Lookup(GOPROXY) = %v, %v", r.Shell, r.Mode, a, ok)
			}
		}
	}
	// A cancelled sweep returns at once, every result an error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range Sweep(ctx, opts) {
		if r.Err == nil {
			t.Errorf("%s %s: no error after cancel", r.Shell, r.Mode)
		}
	}
}
