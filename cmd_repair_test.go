package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/doctor"
	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/setup"
)

// These tests build the broken setups people really have in a temporary
// HOME, start the real shells fresh (through doctor's shellenv tracer),
// and check that doctor names the right file and line, that repair fixes
// it in every fresh shell, and that uninstall afterwards gives back every
// byte of the user's files.

// brokenHome is a temporary HOME and the environment gosetup runs in.
type brokenHome struct {
	t    *testing.T
	home string
	env  map[string]string
}

func newBrokenHome(t *testing.T) *brokenHome {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix shells")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatal("bash not installed (GOSETUP_TEST_REQUIRE=all; .ci/run installs it)")
		}
		t.Skip("bash not installed")
	}
	home := t.TempDir()
	return &brokenHome{t: t, home: home, env: map[string]string{
		"HOME": home, "PATH": "/usr/bin:/bin", "SHELL": "/bin/bash",
		"GOSETUP_CACHE": filepath.Join(t.TempDir(), "cache"),
	}}
}

func (h *brokenHome) path(rel string) string { return filepath.Join(h.home, rel) }

func (h *brokenHome) write(rel, content string) {
	h.t.Helper()
	p := h.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *brokenHome) appendTo(rel, content string) {
	h.t.Helper()
	b, _ := os.ReadFile(h.path(rel))
	h.write(rel, string(b)+content)
}

// fakeGo puts a go command under rel reporting version; go env -json
// answers from its environment and the Go env file, as the go command does.
func (h *brokenHome) fakeGo(rel, version string) string {
	h.t.Helper()
	script := `#!/bin/sh
root=$(cd "$(dirname "$0")/.." && pwd)
envfile=${GOENV:-${XDG_CONFIG_HOME:-$HOME/.config}/go/env}
val() {
	eval "v=\${$1:-}"
	if [ -z "$v" ] && [ -f "$envfile" ]; then v=$(sed -n "s/^$1=//p" "$envfile" | tail -n 1); fi
	[ -z "$v" ] && v=$2
	printf '%s' "$v"
}
case "$1" in
version) echo "go version @V@ linux/amd64" ;;
env) printf '{"GOVERSION":"@V@","GOROOT":"%s","GOPATH":"%s","GOPROXY":"%s","GOSUMDB":"%s"}\n' "${GOROOT:-$root}" "$(val GOPATH "$HOME/go")" "$(val GOPROXY https://proxy.golang.org,direct)" "$(val GOSUMDB sum.golang.org)" ;;
*) exit 2 ;;
esac
`
	h.write(rel+"/bin/go", strings.ReplaceAll(script, "@V@", version))
	os.Chmod(h.path(rel+"/bin/go"), 0o755)
	h.write(rel+"/VERSION", version+"\n")
	return h.path(rel + "/bin")
}

// install records a toolchain as gosetup install does: its bin and
// GOPATH's bin first on PATH through gosetup's blocks.
func (h *brokenHome) install(dir string) {
	h.t.Helper()
	os.MkdirAll(h.path("go/bin"), 0o755)
	f := &setup.Flow{Env: envwriter.Env{Getenv: func(k string) string { return h.env[k] }}}
	if _, err := f.WriteInstallSettings(context.Background(), setup.SettingsRequest{Scope: envwriter.ScopeShell}, dir); err != nil {
		h.t.Fatalf("install settings: %v", err)
	}
}

// snapshot reads every regular file under HOME outside the directories
// that the shells and the go command write on their own (histories, fish's
// universal variables, telemetry) and gosetup's own config dir.
func (h *brokenHome) snapshot() map[string]string {
	h.t.Helper()
	out := map[string]string{}
	filepath.WalkDir(h.home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(h.home, p)
		if d.IsDir() {
			switch rel {
			case ".local", ".cache", filepath.Join(".config", "go", "telemetry"), filepath.Join(".config", "gosetup"), filepath.Join(".config", "fish"):
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, "_history") || !d.Type().IsRegular() {
			return nil
		}
		b, _ := os.ReadFile(p)
		out[rel] = string(b)
		return nil
	})
	return out
}

func (h *brokenHome) gosetup(args ...string) (int, string, string) {
	h.t.Helper()
	return runApp(h.t, h.env, args...)
}

type doctorOut struct {
	Findings []doctor.Finding `json:"findings"`
	Shells   []doctor.ShellSummary
}

func (h *brokenHome) doctor(checks ...string) doctorOut {
	h.t.Helper()
	_, out, stderr := h.gosetup(append([]string{"doctor", "--json", "--offline"}, checks...)...)
	var d doctorOut
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		h.t.Fatalf("doctor --json: %v\n%s\n%s", err, out, stderr)
	}
	return d
}

// finding returns the first non-ok finding of check whose message has
// substr, failing with the report when there is none.
func (d doctorOut) finding(t *testing.T, check, substr string) doctor.Finding {
	t.Helper()
	for _, f := range d.Findings {
		if f.Check == check && f.Severity != doctor.OK && strings.Contains(f.Message, substr) {
			return f
		}
	}
	t.Fatalf("no %s finding with %q:\n%s", check, substr, d.dump())
	return doctor.Finding{}
}

// has reports whether a fresh shell still shows a problem of check.
func (d doctorOut) has(check, substr string) bool {
	for _, f := range d.Findings {
		if f.Check == check && f.Severity != doctor.OK && strings.Contains(f.Message, substr) && (len(f.Shells) > 0 || f.Check == "startup.blocks") {
			return true
		}
	}
	return false
}

func (d doctorOut) dump() string {
	var b strings.Builder
	for _, f := range d.Findings {
		if f.Severity == doctor.OK {
			continue
		}
		b.WriteString("  " + string(f.Severity) + " " + f.Check + ": " + f.Message + "\n")
		for _, s := range f.Sources {
			b.WriteString("      from " + s.String() + " " + s.Shell + "\n")
		}
	}
	return b.String()
}

func sourceAt(f doctor.Finding, file string, line int) bool {
	for _, s := range f.Sources {
		if s.File == file && s.Line == line {
			return true
		}
	}
	return false
}

// repairAndUninstall runs repair --yes, checks that no fresh shell still
// shows any of gone, then uninstalls and checks that every user file has
// its bytes from before the repair, without gosetup's block: what the user
// wrote, and nothing of gosetup's. A file gosetup created and the user
// never touched is gone.
func (h *brokenHome) repairAndUninstall(s1 map[string]string, gone ...[2]string) {
	h.t.Helper()
	before := map[string]string{}
	for name, content := range s1 {
		stripped, _, err := envwriter.RemoveBlock([]byte(content))
		if err != nil {
			h.t.Fatal(err)
		}
		if len(stripped) == 0 && content != "" {
			continue // gosetup's own file
		}
		before[name] = string(stripped)
	}
	code, out, stderr := h.gosetup("repair", "--yes")
	if code != exitOK {
		h.t.Errorf("repair --yes: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "before -> after:") {
		h.t.Errorf("repair printed no before/after:\n%s", out)
	}
	after := h.doctor()
	for _, g := range gone {
		if after.has(g[0], g[1]) {
			h.t.Errorf("after repair, still %s %q:\n%s\nrepair said:\n%s", g[0], g[1], after.dump(), out)
		}
	}
	for _, sh := range after.Shells {
		if sh.Error != "" {
			h.t.Errorf("%s %s: %s", sh.Shell, sh.Mode, sh.Error)
		}
	}
	code, out, stderr = h.gosetup("uninstall", "--yes", "--keep-toolchain")
	if code != exitOK {
		h.t.Fatalf("uninstall: exit %d\n%s\n%s", code, out, stderr)
	}
	now := h.snapshot()
	for name, want := range before {
		if got, ok := now[name]; !ok {
			h.t.Errorf("after uninstall, %s is gone", name)
		} else if got != want {
			h.t.Errorf("after uninstall, %s differs:\n%s", name, envwriter.UnifiedDiff("before", "after", []byte(want), []byte(got)))
		}
	}
	for name := range now {
		if _, ok := before[name]; !ok && !strings.HasPrefix(name, "go/") {
			h.t.Errorf("after uninstall, %s is left behind:\n%s", name, now[name])
		}
	}
}

func TestRepairOldGoEarlierOnPath(t *testing.T) {
	h := newBrokenHome(t)
	ours := h.fakeGo(".local/share/gosetup/go", "go1.26.3")
	h.install(filepath.Dir(ours))
	before := h.snapshot()
	old := h.fakeGo("old", "go1.20.1")
	h.appendTo(".bashrc", "export PATH="+old+":$PATH\n")
	before = h.snapshotWith(before, ".bashrc", "old/bin/go", "old/VERSION")
	line := strings.Count(before[".bashrc"], "\n")

	d := h.doctor()
	f := d.finding(t, "path.go-shadowed", "bash interactive finds "+filepath.Join(old, "go")+" (go1.20.1), not gosetup's")
	if !sourceAt(f, h.path(".bashrc"), line) {
		t.Errorf("want ~/.bashrc:%d:\n%s", line, d.dump())
	}
	h.repairAndUninstall(before, [2]string{"path.go-shadowed", "not gosetup's"})
}

// snapshotWith refreshes the named files of a snapshot.
func (h *brokenHome) snapshotWith(s map[string]string, names ...string) map[string]string {
	now := h.snapshot()
	for _, n := range names {
		s[n] = now[n]
	}
	return s
}

func TestRepairStaleGorootInBashrc(t *testing.T) {
	h := newBrokenHome(t)
	ours := h.fakeGo(".local/share/gosetup/go", "go1.26.3")
	h.install(filepath.Dir(ours))
	h.fakeGo("go-1.19", "go1.19.13")
	h.write(".bashrc", "# my settings\nalias ll='ls -l'\nexport GOROOT=$HOME/go-1.19\n"+h.read(".bashrc"))
	before := h.snapshot()

	d := h.doctor("goroot.exported")
	f := d.finding(t, "goroot.exported", "GOROOT="+h.path("go-1.19")+" is exported, but the go on PATH")
	if !sourceAt(f, h.path(".bashrc"), 3) || f.Severity != doctor.Fail {
		t.Errorf("want a fail at ~/.bashrc:3:\n%s", d.dump())
	}
	h.repairAndUninstall(before, [2]string{"goroot.exported", "GOROOT="})
}

func (h *brokenHome) read(rel string) string {
	b, _ := os.ReadFile(h.path(rel))
	return string(b)
}

func TestRepairGoproxyShadowsGoEnvFile(t *testing.T) {
	for _, sourced := range []bool{false, true} {
		name := "in .bashrc"
		if sourced {
			name = "in a file .bashrc sources"
		}
		t.Run(name, func(t *testing.T) {
			h := newBrokenHome(t)
			ours := h.fakeGo(".local/share/gosetup/go", "go1.26.3")
			h.install(filepath.Dir(ours))
			h.write(".config/go/env", "GOPROXY=https://goproxy.cn,direct\n")
			file, line := ".bashrc", 2
			if sourced {
				h.write(".config/myenv.sh", "# work settings\nif [ -n \"$HOME\" ]; then export A=1 GOPROXY=https://goproxy.io; fi\n")
				h.write(".bashrc", "# rc\n. ~/.config/myenv.sh\n"+h.read(".bashrc"))
				file = ".config/myenv.sh"
			} else {
				h.write(".bashrc", "# rc\nexport GOPROXY=https://goproxy.io\n"+h.read(".bashrc"))
			}
			before := h.snapshot()
			d := h.doctor("env.shadowed")
			f := d.finding(t, "env.shadowed", "GOPROXY=https://goproxy.io from "+h.path(file)+":"+itoa(line)+" shadows the Go env file's GOPROXY=https://goproxy.cn,direct")
			if !sourceAt(f, h.path(file), line) || !sourceAt(f, h.path(".config/go/env"), 1) {
				t.Errorf("sources:\n%s", d.dump())
			}
			h.repairAndUninstall(before, [2]string{"env.shadowed", "GOPROXY"})
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRepairPathWithEmptyDotAndMissing(t *testing.T) {
	h := newBrokenHome(t)
	ours := h.fakeGo(".local/share/gosetup/go", "go1.26.3")
	h.install(filepath.Dir(ours))
	h.write(".bashrc", h.read(".bashrc")+"export PATH=\"$PATH::$HOME/no/such/bin:.\"\n")
	before := h.snapshot()
	line := strings.Count(before[".bashrc"], "\n")
	d := h.doctor("security.path-cwd", "path.hygiene")
	for _, want := range []struct{ check, msg string }{
		{"security.path-cwd", "an empty entry"},
		{"security.path-cwd", `"."`},
		{"path.hygiene", h.path("no/such/bin") + `" does not exist`},
	} {
		f := d.finding(t, want.check, want.msg)
		if !sourceAt(f, h.path(".bashrc"), line) {
			t.Errorf("%s %s: want ~/.bashrc:%d:\n%s", want.check, want.msg, line, d.dump())
		}
	}
	h.repairAndUninstall(before, [2]string{"security.path-cwd", "PATH has"}, [2]string{"path.hygiene", "no/such"})
}

func TestRepairBashProfileHidesProfile(t *testing.T) {
	h := newBrokenHome(t)
	ours := h.fakeGo(".local/share/gosetup/go", "go1.26.3")
	h.install(filepath.Dir(ours))
	// Made after gosetup wrote its block to ~/.profile.
	h.write(".bash_profile", "export EDITOR=vi\n")
	before := h.snapshot()
	d := h.doctor("startup.blocks", "shell.fresh", "go.found")
	d.finding(t, "startup.blocks", ".bash_profile exists, so bash login shells read it instead of ~/.profile")
	f := d.finding(t, "go.found", "gosetup installed Go in "+filepath.Dir(ours))
	if len(f.Shells) == 0 || f.Shells[0] != "bash login" {
		t.Errorf("want it in bash login only: %v", f.Shells)
	}
	h.repairAndUninstall(before, [2]string{"startup.blocks", ".bash_profile"}, [2]string{"go.found", "command not found"})
}

func TestDoctorThirdPartyProxyOnGo1262(t *testing.T) {
	h := newBrokenHome(t)
	ours := h.fakeGo(".local/share/gosetup/go", "go1.26.2")
	h.install(filepath.Dir(ours))
	h.appendTo(".profile", "export GOPROXY=https://goproxy.cn,direct\n")
	line := strings.Count(h.read(".profile"), "\n")
	d := h.doctor("security.cve-2026-42501")
	f := d.finding(t, "security.cve-2026-42501", "go1.26.2 with the third-party GOPROXY https://goproxy.cn")
	if f.Severity != doctor.Fail || !sourceAt(f, h.path(".profile"), line) || !strings.Contains(f.Fix, "go1.26.3") {
		t.Errorf("%+v\n%s", f, d.dump())
	}
}

// TestRepairFishConfig: config.fish puts an old go first with
// fish_add_path and a stale GOROOT's bin with set -gx PATH inside an if. fish reads gosetup's
// conf.d file first, so repair must take the entries out of those lines;
// a fresh real fish then finds gosetup's go, and uninstall gives back
// config.fish byte for byte.
func TestRepairFishConfig(t *testing.T) {
	h := newBrokenHome(t)
	if _, err := exec.LookPath("fish"); err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatal("fish not installed")
		}
		t.Skip("fish not installed")
	}
	ours := h.fakeGo(".local/share/gosetup/go", "go1.26.3")
	h.install(filepath.Dir(ours))
	old := h.fakeGo("old", "go1.20.1")
	config := "# my fish\nset -gx EDITOR vi\nfish_add_path -g " + old + "\nif status is-interactive\n    set -gx PATH $HOME/go-1.19/bin ~/bin $PATH\nend\n"
	h.write(".config/fish/config.fish", config)
	os.MkdirAll(h.path("bin"), 0o755)

	d := h.doctor("path.go-shadowed", "path.hygiene")
	f := d.finding(t, "path.go-shadowed", "fish login finds "+filepath.Join(old, "go")+" (go1.20.1), not gosetup's")
	if !sourceAt(f, h.path(".config/fish/config.fish"), 3) {
		t.Errorf("want config.fish:3:\n%s", d.dump())
	}
	f = d.finding(t, "path.hygiene", h.path("go-1.19/bin")+`" does not exist`)
	if !sourceAt(f, h.path(".config/fish/config.fish"), 5) {
		t.Errorf("want config.fish:5:\n%s", d.dump())
	}

	code, out, stderr := h.gosetup("repair", "--yes")
	if code != exitOK {
		t.Fatalf("repair --yes: exit %d\n%s\n%s", code, out, stderr)
	}
	want := "# my fish\nset -gx EDITOR vi\nif status is-interactive\n    set -gx PATH ~/bin $PATH\nend\n"
	if got := h.read(".config/fish/config.fish"); got != want {
		t.Errorf("config.fish after repair:\n%s", envwriter.UnifiedDiff("want", "got", []byte(want), []byte(got)))
	}
	// A fresh real fish, as a new terminal starts it.
	for _, mode := range []string{"-l", "-i"} {
		cmd := exec.Command("fish", mode, "-c", "command -v go; string join : $PATH")
		cmd.Env = []string{"HOME=" + h.home, "PATH=/usr/bin:/bin", "TERM=dumb"}
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("fish %s: %v", mode, err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != filepath.Join(ours, "go") || strings.Contains(string(b), "go-1.19") || strings.Contains(string(b), old) {
			t.Errorf("fish %s after repair: %s", mode, b)
		}
	}
	after := h.doctor("path.go-shadowed", "path.hygiene")
	if after.has("path.go-shadowed", "not gosetup's") || after.has("path.hygiene", "go-1.19") {
		t.Errorf("after repair:\n%s", after.dump())
	}
	if code, out, stderr = h.gosetup("uninstall", "--yes", "--keep-toolchain"); code != exitOK {
		t.Fatalf("uninstall: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := h.read(".config/fish/config.fish"); got != config {
		t.Errorf("config.fish after uninstall:\n%s", envwriter.UnifiedDiff("before", "after", []byte(config), []byte(got)))
	}
}
