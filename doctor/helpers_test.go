package doctor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
)

// world is a temporary HOME with its own environment.
type world struct {
	t    *testing.T
	home string
	env  map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the Unix worlds need a POSIX sh for the fake go commands")
	}
	home := t.TempDir()
	w := &world{t: t, home: home, env: map[string]string{
		"HOME":            home,
		"PATH":            "/usr/bin:/bin",
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
	}}
	return w
}

// write creates a file under HOME (or at an absolute path).
func (w *world) write(rel, content string) string {
	w.t.Helper()
	p := rel
	if !filepath.IsAbs(rel) {
		p = filepath.Join(w.home, rel)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// fakeGo installs a go command under HOME/rel that reports version and
// answers go env -json from its environment as the go command would (the
// environment first, then the Go env file, then the defaults). Its GOROOT
// is its own parent directory, as for a real toolchain.
func (w *world) fakeGo(rel, version string) string {
	w.t.Helper()
	root := filepath.Join(w.home, rel)
	script := `#!/bin/sh
root=$(cd "$(dirname "$0")/.." && pwd)
envfile=${GOENV:-${XDG_CONFIG_HOME:-$HOME/.config}/go/env}
val() { # name default
	eval "v=\${$1:-}"
	if [ -z "$v" ] && [ -f "$envfile" ]; then v=$(sed -n "s/^$1=//p" "$envfile" | tail -n 1); fi
	[ -z "$v" ] && v=$2
	printf '%s' "$v"
}
case "$1" in
version) echo "go version @VERSION@ linux/amd64" ;;
env)
	printf '{"GOVERSION":"@VERSION@","GOROOT":"%s","GOPATH":"%s","GOPROXY":"%s","GOSUMDB":"%s","GOPRIVATE":"%s","GOFLAGS":"%s","GO111MODULE":"%s","GOBIN":"%s"}\n' \
		"${GOROOT:-$root}" "$(val GOPATH "$HOME/go")" "$(val GOPROXY https://proxy.golang.org,direct)" "$(val GOSUMDB sum.golang.org)" \
		"$(val GOPRIVATE '')" "$(val GOFLAGS '')" "$(val GO111MODULE '')" "$(val GOBIN '')" ;;
*) echo "fake go: $*" >&2; exit 2 ;;
esac
`
	script = strings.ReplaceAll(script, "@VERSION@", version)
	p := filepath.Join(root, "bin", "go")
	w.write(p, script)
	if err := os.Chmod(p, 0o755); err != nil {
		w.t.Fatal(err)
	}
	w.write(filepath.Join(root, "VERSION"), version+"\n")
	return filepath.Join(root, "bin")
}

// realGo links the go command running the tests into HOME/rel/bin.
func (w *world) realGo(rel string) string {
	w.t.Helper()
	goroot := runtime.GOROOT()
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		goroot = strings.TrimSpace(string(out))
	}
	dir := filepath.Join(w.home, rel)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.Symlink(goroot, dir); err != nil {
		w.t.Fatal(err)
	}
	return filepath.Join(dir, "bin")
}

func (w *world) setPath(dirs ...string) { w.env["PATH"] = strings.Join(dirs, ":") }

// manage records in gosetup's state that it installed toolchain and put
// its bin first, as gosetup install does.
func (w *world) manage(toolchain string) {
	w.t.Helper()
	cfg, err := envwriter.ConfigDir(w.envw())
	if err != nil {
		w.t.Fatal(err)
	}
	st := &envwriter.State{Toolchain: toolchain, Settings: &envwriter.Settings{Path: []string{filepath.Join(toolchain, "bin")}}}
	if err := st.Save(envwriter.StatePath(cfg)); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) envw() envwriter.Env {
	return envwriter.Env{Getenv: func(k string) string { return w.env[k] }, Home: w.home, GOOS: runtime.GOOS, Shells: []string{"bash", "sh"}}
}

func (w *world) run(opts Options, checks ...string) *Report {
	w.t.Helper()
	opts.Env = w.envw()
	opts.Checks = checks
	if opts.Catalog == nil {
		opts.Catalog = &catalog.Catalog{}
	}
	if !opts.Offline && opts.Client == nil && len(opts.Catalog.Index) == 0 {
		opts.Offline = true
	}
	rep, err := Run(context.Background(), opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

// find returns the findings of check with severity sev.
func find(rep *Report, check string, sev Severity) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Check == check && f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

// must returns the one finding of check with severity sev whose message
// contains substr, or fails the test showing the whole report.
func must(t *testing.T, rep *Report, check string, sev Severity, substr string) Finding {
	t.Helper()
	for _, f := range find(rep, check, sev) {
		if strings.Contains(f.Message, substr) {
			return f
		}
	}
	t.Fatalf("no %s finding of %s containing %q; report:\n%s", sev, check, substr, dump(rep))
	return Finding{}
}

func dump(rep *Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Severity, f.Check, f.Message)
		for _, s := range f.Sources {
			fmt.Fprintf(&b, "      from %s (%s) %s\n", s.String(), s.Kind, s.Text)
		}
	}
	return b.String()
}

// hasSource reports whether f names file:line (line 0: any line).
func hasSource(f Finding, kind, file string, line int) bool {
	for _, s := range f.Sources {
		if s.Kind == kind && (file == "" || s.File == file || s.Key == file) && (line == 0 || s.Line == line) {
			return true
		}
	}
	return false
}

func readState(t *testing.T, w *world) *envwriter.State {
	t.Helper()
	st, err := envwriter.LoadState(filepath.Join(w.home, ".config", "gosetup", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func runWith(t *testing.T, opts Options) (*Report, error) {
	t.Helper()
	return Run(context.Background(), opts)
}
