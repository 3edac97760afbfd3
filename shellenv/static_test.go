package shellenv

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseShRangesAndForms(t *testing.T) {
	src := `export A=1 GOPROXY='https://a.example' GOSUMDB="sum.example"  # three on a line
GONOSUMDB=x.example; export GONOSUMDB
declare -x GOPRIVATE=p.example
typeset -x GOFLAGS=-mod=mod
local GOBIN=/local
GOFLAGS=-v go build
PATH=~/bin:$PATH
export PATH="$PATH:$HOME/go/bin"
f() { export GOROOT=/in/func; }
[ -d /x ] && export GOTOOLCHAIN=local
export "GOENV=/q/env"
unset GOPATH
echo $(export GOWORK=off) | cat
`
	as, srcs, err := ParseSh([]byte(src), "rc", "/h")
	if err != nil || len(srcs) != 0 {
		t.Fatal(err, srcs)
	}
	var got []string
	for _, a := range as {
		if !Wanted(a.Var) {
			continue
		}
		s := a.Var + " " + string(a.Op) + " " + a.Value + " @" + strconv.Itoa(a.Line) + " [" + src[a.Word.Start:a.Word.End] + "]"
		if a.Cond {
			s += " cond"
		}
		got = append(got, s)
	}
	want := []string{
		"GOPROXY export https://a.example @1 [GOPROXY='https://a.example']",
		"GOSUMDB export sum.example @1 [GOSUMDB=\"sum.example\"]",
		"GONOSUMDB set x.example @2 [GONOSUMDB=x.example]",
		"GONOSUMDB export  @2 [GONOSUMDB]",
		"GOPRIVATE export p.example @3 [GOPRIVATE=p.example]",
		"GOFLAGS export -mod=mod @4 [GOFLAGS=-mod=mod]",
		"PATH prepend /h/bin:$PATH @7 [PATH=~/bin:$PATH]",
		"PATH append $PATH:/h/go/bin @8 [PATH=\"$PATH:$HOME/go/bin\"]",
		"GOROOT export /in/func @9 [GOROOT=/in/func] cond",
		"GOTOOLCHAIN export local @10 [GOTOOLCHAIN=local] cond",
		"GOENV export /q/env @11 [\"GOENV=/q/env\"]",
		"GOPATH unset  @12 [GOPATH]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The statement range covers the whole command, for removing it.
	if a := as[1]; src[a.Stmt.Start:a.Stmt.End] != `export A=1 GOPROXY='https://a.example' GOSUMDB="sum.example"` || len(a.Names) != 3 {
		t.Errorf("Stmt of GOPROXY = %q, Names %v", src[a.Stmt.Start:a.Stmt.End], a.Names)
	}
}

func itoaT(n int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n/10)) + string(rune('0'+n%10)))
}

func TestParseShPartialOnError(t *testing.T) {
	src := "export GOPROXY=a.example\nif then fi (\n"
	as, _, err := ParseSh([]byte(src), "rc", "")
	if err == nil {
		t.Fatal("want a parse error")
	}
	if len(as) != 1 || as[0].Var != "GOPROXY" {
		t.Errorf("what precedes the error: %v", as)
	}
}

func TestStaticFollowsSources(t *testing.T) {
	home := realHome(t)
	writeFiles(t, home, map[string]string{
		".profile":     ". ~/.config/a.sh\nif [ -f \"$HOME/.config/b.sh\" ]; then . \"$HOME/.config/b.sh\"; fi\nexport ENV=$HOME/.shrc\n. $UNKNOWN/c.sh\n",
		".config/a.sh": "export GOPROXY=https://a.example\n. ~/.profile\n",
		".config/b.sh": "export GOSUMDB=off\n",
		".shrc":        "export GOFLAGS=-mod=mod\n",
	})
	r := Static("dash", Login, home, nil)
	if len(r.Errors) != 0 {
		t.Errorf("errors: %v", r.Errors)
	}
	want := []string{".profile", ".config/a.sh", ".config/b.sh", ".shrc"}
	var files []string
	for _, f := range r.Files {
		if strings.HasPrefix(f, home) {
			files = append(files, f)
		}
	}
	r.Files = files
	if len(r.Files) != len(want) {
		t.Fatalf("files %q, want %q", r.Files, want)
	}
	for i, w := range want {
		if !strings.HasSuffix(r.Files[i], w) && r.Files[i] != filepath.Join(home, w) {
			t.Errorf("file %d = %s, want %s", i, r.Files[i], w)
		}
	}
	var vars []string
	for _, a := range r.Assignments {
		if strings.HasPrefix(a.File, home) {
			vars = append(vars, a.Var+"@"+filepath.Base(a.File))
			if a.Var == "GOSUMDB" && !a.Cond {
				t.Errorf("GOSUMDB sourced inside an if: not Cond")
			}
		}
	}
	if strings.Join(vars, " ") != "GOPROXY@a.sh GOSUMDB@b.sh GOFLAGS@.shrc" {
		t.Errorf("assignments %v", vars)
	}
}
