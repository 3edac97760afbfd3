package shellenv

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// bash (whose PS4 is not imported as root) and ksh (whose LINENO is wrong
// in the profiles it reads itself) are traced with their startup files
// read by our script, in their order. Check that against the shells
// reading their own files: the same PATH and GO* either way, for the
// attribution fixture and for the classic hidden ~/.profile.
func TestReadOrderMatchesTheShells(t *testing.T) {
	homes := map[string]map[string]string{
		"fixture": nil,
		"hidden profile": {
			".profile":      "export GOPROXY=https://profile.example\n",
			".bash_profile": "export GOSUMDB=off\n",
			".kshrc":        "export GOFLAGS=-kshrc\n",
			".bashrc":       "export GOFLAGS=-bashrc\n",
		},
		"ENV set in profile": {
			".profile": "export ENV=$HOME/.myenv\nexport GOPROXY=https://p.example\n",
			".myenv":   "export GOFLAGS=-env\n",
		},
	}
	for _, name := range []string{"bash", "ksh", "zsh", "dash", "fish"} {
		for hname, files := range homes {
			for _, m := range Modes {
				t.Run(name+"/"+hname+"/"+string(m), func(t *testing.T) {
					t.Parallel()
					sh := need(t, name)
					home := realHome(t)
					// files is shared by the parallel subtests of both
					// modes: build this one's own map, never assign to it.
					files := files
					if files == nil {
						rc, _ := rcFor(name, m)
						files = map[string]string{rc: posixFixture}
						if name == "fish" {
							files = map[string]string{rc: fishFixture, ".config/fish/myenv.fish": "set -gx GOPROXY x\n"}
						}
						for k, v := range fixtureFiles {
							files[k] = v
						}
					}
					writeFiles(t, home, files)
					opts := testOpts(home)
					r := run(t, sh, m, opts)
					if r.Err != nil {
						t.Fatal(r.Err)
					}
					args := []string{"-i", "-c", "printf '%s\\0' gosetup-mark; env -0"}
					if m == Login {
						args = append([]string{"-l"}, args...)
					}
					cmd := exec.Command(sh.Program, args...)
					cmd.Env = append(opts.Env, "HOME="+home)
					cmd.Dir = home
					setProcAttr(cmd)
					out, err := cmd.Output()
					if err != nil {
						t.Fatalf("%s %v: %v", sh.Program, args, err)
					}
					_, out, _ = bytes.Cut(out, []byte("gosetup-mark\x00"))
					real := map[string]string{}
					for _, kv := range bytes.Split(out, []byte{0}) {
						if k, v, ok := strings.Cut(string(kv), "="); ok && Wanted(k) {
							real[k] = v
						}
					}
					got := map[string]string{}
					for k, v := range r.Env {
						if Wanted(k) {
							got[k] = v
						}
					}
					if len(real) != len(got) {
						t.Errorf("traced %v\nreal   %v", got, real)
					}
					for k, v := range real {
						if got[k] != v {
							t.Errorf("%s: traced %q, the shell on its own %q", k, got[k], v)
						}
					}
				})
			}
		}
	}
}
