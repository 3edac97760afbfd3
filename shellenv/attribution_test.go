package shellenv

import (
	"path/filepath"
	"strings"
	"testing"
)

// posixFixture covers each case attribution must get right. Line numbers
// are asserted below, so keep them in step.
const posixFixture = `echo "junk on stdout" gsfakebegin
echo "junk on stderr" >&2
. "$HOME/.config/myenv.sh"
if true; then
  export GOROOT=/stale/go
fi
true && export GOFLAGS=-mod=mod
export A=1 GOPRIVATE=x.example GONOSUMDB=y.example
GOSUMDB=off
export GOSUMDB
PATH="$HOME/go/bin:$PATH"
PATH=$PATH:/opt/tail
if false; then export GOTOOLCHAIN=local; fi
( export GOBIN=/sub )
x=$(GOBIN=/cmdsubst; echo)
GOFLAGS=-prefix true
export GOPATH=/srv/gp; unset GOPATH
export PATH
. ~/.config/tilde.sh
`

var fixtureFiles = map[string]string{
	".config/myenv.sh": "# sourced from the startup file\nexport GOPROXY=https://sourced.example\n",
	".config/tilde.sh": "export GOINSECURE=tilde.example\n",
}

// rcFile is the startup file of sh in mode that the fixture goes in, and
// the extra environment that makes the shell read it.
func rcFile(sh string, m Mode) (string, []string) {
	switch sh {
	case "bash":
		if m == Login {
			return ".bash_profile", nil
		}
		return ".bashrc", nil
	case "zsh":
		return ".zshrc", nil
	case "ksh":
		if m == Login {
			return ".profile", nil
		}
		return ".kshrc", nil
	}
	if m == Login {
		return ".profile", nil
	}
	return ".shrc", []string{"ENV=$HOME/.shrc"}
}

func TestAttributionPOSIX(t *testing.T) {
	for _, name := range []string{"bash", "zsh", "ksh", "dash"} {
		for _, m := range Modes {
			t.Run(name+"/"+string(m), func(t *testing.T) {
				t.Parallel()
				sh := need(t, name)
				home := realHome(t)
				rc, extra := rcFile(name, m)
				for i := range extra {
					extra[i] = strings.ReplaceAll(extra[i], "$HOME", home)
				}
				files := map[string]string{rc: posixFixture}
				for k, v := range fixtureFiles {
					files[k] = v
				}
				writeFiles(t, home, files)
				r := run(t, sh, m, testOpts(home, extra...))
				checkPOSIX(t, r, filepath.Join(home, rc), home, sh.Traceable())
			})
		}
	}
}

func checkPOSIX(t *testing.T, r Result, rc, home string, traced bool) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("Err = %v\nstdout: %s\nstderr: %s", r.Err, r.Stdout, r.Stderr)
	}
	if r.Traced != traced {
		t.Errorf("Traced = %v, want %v", r.Traced, traced)
	}
	if r.TraceNote != "" {
		t.Errorf("TraceNote = %q", r.TraceNote)
	}
	if !strings.Contains(r.Stdout, "junk on stdout") {
		t.Errorf("stdout chatter lost: %q", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "junk on stderr") {
		t.Errorf("stderr chatter lost: %q", r.Stderr)
	}
	wantEnv := map[string]string{
		"GOPROXY": "https://sourced.example", "GOROOT": "/stale/go", "GOFLAGS": "-mod=mod",
		"GOPRIVATE": "x.example", "GONOSUMDB": "y.example", "GOSUMDB": "off", "GOINSECURE": "tilde.example",
	}
	for k, v := range wantEnv {
		if r.GoEnv[k] != v {
			t.Errorf("GoEnv[%s] = %q, want %q", k, r.GoEnv[k], v)
		}
	}
	for _, k := range []string{"GOPATH", "GOTOOLCHAIN", "GOBIN"} {
		if v, ok := r.GoEnv[k]; ok {
			t.Errorf("GoEnv[%s] = %q, want unset", k, v)
		}
	}
	if len(r.Path) < 3 || r.Path[0] != filepath.Join(home, "go/bin") || r.Path[len(r.Path)-1] != "/opt/tail" {
		t.Errorf("Path = %q, want %s/go/bin first and /opt/tail last", r.Path, home)
	}

	type want struct {
		v    string
		file string
		line int
		op   Op
		val  string
	}
	myenv := filepath.Join(home, ".config/myenv.sh")
	tilde := filepath.Join(home, ".config/tilde.sh")
	wants := []want{
		{"GOPROXY", myenv, 2, OpExport, "https://sourced.example"},
		{"GOROOT", rc, 5, OpExport, "/stale/go"},
		{"GOFLAGS", rc, 7, OpExport, "-mod=mod"},
		{"GOPRIVATE", rc, 8, OpExport, "x.example"},
		{"GONOSUMDB", rc, 8, OpExport, "y.example"},
		{"GOSUMDB", rc, 9, OpSet, "off"},
		{"GOSUMDB", rc, 10, OpExport, "off"},
		{"PATH", rc, 11, OpPrepend, ""},
		{"PATH", rc, 12, OpAppend, ""},
		{"GOPATH", rc, 17, OpExport, "/srv/gp"},
		{"GOPATH", rc, 17, OpUnset, ""},
		{"PATH", rc, 18, OpExport, ""},
		{"GOINSECURE", tilde, 1, OpExport, "tilde.example"},
	}
	for _, w := range wants {
		got := find(r.Assignments, w.v, w.file, w.line)
		ok := false
		for _, a := range got {
			if a.Op == w.op && (w.val == "" || a.Value == w.val) {
				ok = true
				if a.Traced != traced {
					t.Errorf("%s: Traced = %v", a, a.Traced)
				}
				if (w.op == OpExport) != a.Export && w.op != OpSet && w.op != OpUnset && w.v != "PATH" {
					t.Errorf("%s: Export = %v", a, a.Export)
				}
				if a.Word.End <= a.Word.Start || a.Stmt.End <= a.Stmt.Start {
					t.Errorf("%s: no byte range (Word %v, Stmt %v)", a, a.Word, a.Stmt)
				}
			}
		}
		if !ok {
			t.Errorf("missing %s %s=%q at %s:%d; got there %v", w.op, w.v, w.val, w.file, w.line, got)
		}
		if len(got) > 2 || len(got) == 2 && w.line != 17 {
			t.Errorf("%s:%d: %d assignments of %s, want one: %v", w.file, w.line, len(got), w.v, got)
		}
	}
	if a := find(r.Assignments, "GOROOT", rc, 5); len(a) == 1 && !a[0].Cond {
		t.Errorf("GOROOT inside if: Cond = false")
	}
	if a := find(r.Assignments, "GOFLAGS", rc, 7); len(a) == 1 && !a[0].Cond {
		t.Errorf("GOFLAGS after &&: Cond = false")
	}
	// What never ran or did not last must not be reported as if it had.
	if traced && has(r.Assignments, "GOTOOLCHAIN") {
		t.Errorf("GOTOOLCHAIN in a false branch reported by a trace")
	}
	if !traced {
		a := find(r.Assignments, "GOTOOLCHAIN", rc, 13)
		if len(a) != 1 || !a[0].Cond {
			t.Errorf("static GOTOOLCHAIN in an if: %v, want one, Cond", a)
		}
	}
	if has(r.Assignments, "GOBIN") {
		t.Errorf("GOBIN set in a subshell or command substitution reported")
	}
	if len(find(r.Assignments, "GOFLAGS", rc, 16)) != 0 {
		t.Errorf("prefix assignment GOFLAGS=-prefix true reported")
	}
}
