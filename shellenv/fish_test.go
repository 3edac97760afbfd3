package shellenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fishFixture = `echo "junk on stdout"; echo "junk on stderr" >&2
source ~/.config/fish/myenv.fish
if true
    set -gx GOROOT /stale/go
end
true; and set -gx GOFLAGS -mod=mod
set -gx GOPRIVATE x.example; set -x GONOSUMDB 'y.example'
set -g GOSUMDB off
set -gx GOSUMDB $GOSUMDB
fish_add_path -g $HOME/go/bin
set -gx PATH $PATH /opt/tail
if false; set -gx GOTOOLCHAIN local; end
set -l GOBIN /local
export GOINSECURE=i.example
set -e GOPATH
`

func TestAttributionFish(t *testing.T) {
	for _, m := range Modes {
		t.Run(string(m), func(t *testing.T) {
			t.Parallel()
			sh := need(t, "fish")
			home := realHome(t)
			writeFiles(t, home, map[string]string{
				".config/fish/config.fish":    fishFixture,
				".config/fish/myenv.fish":     "set -gx GOPROXY https://sourced.example\n",
				".config/fish/fish_variables": "# This file contains fish universal variable definitions.\n# VERSION: 3.0\nSETUVAR --export GOAMD64:v3\nSETUVAR __fish_initialized:3400\n",
			})
			if err := os.MkdirAll(filepath.Join(home, "go", "bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			r := run(t, sh, m, testOpts(home, "GOPATH=/inherited"))
			if r.Err != nil {
				t.Fatalf("Err = %v\nstdout: %s\nstderr: %s", r.Err, r.Stdout, r.Stderr)
			}
			if !strings.Contains(r.Stdout, "junk on stdout") || !strings.Contains(r.Stderr, "junk on stderr") {
				t.Errorf("chatter lost: stdout %q stderr %q", r.Stdout, r.Stderr)
			}
			for k, v := range map[string]string{"GOPROXY": "https://sourced.example", "GOROOT": "/stale/go", "GOFLAGS": "-mod=mod",
				"GOPRIVATE": "x.example", "GONOSUMDB": "y.example", "GOSUMDB": "off", "GOINSECURE": "i.example", "GOAMD64": "v3"} {
				if r.GoEnv[k] != v {
					t.Errorf("GoEnv[%s] = %q, want %q", k, r.GoEnv[k], v)
				}
			}
			for _, k := range []string{"GOTOOLCHAIN", "GOBIN", "GOPATH"} {
				if v, ok := r.GoEnv[k]; ok {
					t.Errorf("GoEnv[%s] = %q, want unset", k, v)
				}
			}
			if len(r.Path) < 2 || r.Path[0] != filepath.Join(home, "go/bin") || r.Path[len(r.Path)-1] != "/opt/tail" {
				t.Errorf("Path = %q", r.Path)
			}
			cfg := filepath.Join(home, ".config/fish/config.fish")
			type want struct {
				v    string
				file string
				line int
				op   Op
				val  string
				cond bool
			}
			for _, w := range []want{
				{"GOPROXY", filepath.Join(home, ".config/fish/myenv.fish"), 1, OpExport, "https://sourced.example", false},
				{"GOROOT", cfg, 4, OpExport, "/stale/go", true},
				{"GOFLAGS", cfg, 6, OpExport, "-mod=mod", true},
				{"GOPRIVATE", cfg, 7, OpExport, "x.example", false},
				{"GONOSUMDB", cfg, 7, OpExport, "y.example", false},
				{"GOSUMDB", cfg, 8, OpSet, "off", false},
				{"GOSUMDB", cfg, 9, OpExport, "$GOSUMDB", false},
				{"PATH", cfg, 10, OpPrepend, filepath.Join(home, "go/bin"), false},
				{"PATH", cfg, 11, OpAppend, "$PATH:/opt/tail", false},
				{"GOTOOLCHAIN", cfg, 12, OpExport, "local", true},
				{"GOINSECURE", cfg, 14, OpExport, "i.example", false},
				{"GOPATH", cfg, 15, OpUnset, "", false},
				{"GOAMD64", filepath.Join(home, ".config/fish/fish_variables"), 3, OpExport, "v3", false},
			} {
				got := find(r.Assignments, w.v, w.file, w.line)
				if len(got) != 1 || got[0].Op != w.op || got[0].Value != w.val || got[0].Cond != w.cond {
					t.Errorf("%s:%d: %v, want one %s %s=%q cond=%v", w.file, w.line, got, w.op, w.v, w.val, w.cond)
				}
			}
			if has(r.Assignments, "GOBIN") {
				t.Errorf("set -l GOBIN reported")
			}
		})
	}
}

func TestParseFishByteRanges(t *testing.T) {
	src := "set -gx GOPROXY a; set -gx GOSUMDB 'b c' # comment\nset -q GOPATH; or set -gx GOPATH \\\n  ~/go\n"
	as, _ := ParseFish([]byte(src), "f", "/h")
	if len(as) != 3 {
		t.Fatalf("%v", as)
	}
	if g := src[as[0].Stmt.Start:as[0].Stmt.End]; g != "set -gx GOPROXY a" {
		t.Errorf("range 0 = %q", g)
	}
	if g := src[as[1].Stmt.Start:as[1].Stmt.End]; g != "set -gx GOSUMDB 'b c' " && g != "set -gx GOSUMDB 'b c'" {
		t.Errorf("range 1 = %q", g)
	}
	if as[1].Value != "b c" || as[2].Value != "/h/go" || !as[2].Cond || as[2].Line != 2 {
		t.Errorf("%+v %+v", as[1], as[2])
	}
}
