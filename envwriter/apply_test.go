package envwriter

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var allShells = []string{"bash", "dash", "fish", "ksh", "sh", "zsh"}

// userFiles writes a home directory with a user's own startup files.
func userFiles(t *testing.T, home string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

var userStartup = map[string]string{
	".profile":      "# ~/.profile\nexport EDITOR=vi\n",
	".bashrc":       "alias ll='ls -l'\n[ -z \"$PS1\" ] && return\n",
	".bash_profile": "[ -f ~/.bashrc ] && . ~/.bashrc\n",
	".zshenv":       "setopt no_beep",
}

func TestApplyIdempotentAndUninstallRoundTrip(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, userStartup)
	env := testEnv(home, allShells, nil)
	before := snapshot(t, home)
	s := Settings{GOPROXY: "https://goproxy.cn,direct", GOSUMDB: "sum.golang.google.cn", Path: []string{"/opt/go/bin", filepath.Join(home, "go", "bin")}}

	p := mustApply(t, Options{Settings: s, Env: env})
	var names []string
	for _, c := range p.Changed() {
		names = append(names, strings.TrimPrefix(c.Path, home+"/"))
	}
	want := []string{".config/gosetup/env", ".config/gosetup/env.fish", ".profile", ".bash_profile", ".bashrc", ".zshenv", ".config/fish/conf.d/gosetup.fish"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("changed files = %q, want %q", names, want)
	}
	// .bash_login does not exist, so it must not be created.
	if _, err := os.Stat(filepath.Join(home, ".bash_login")); err == nil {
		t.Error(".bash_login was created")
	}
	// Mode is kept.
	if fi, _ := os.Stat(filepath.Join(home, ".bashrc")); fi.Mode().Perm() != 0o640 {
		t.Errorf(".bashrc mode = %v, want 0640", fi.Mode().Perm())
	}
	// Lines outside the block are byte for byte the user's.
	for name, text := range userStartup {
		b, _ := os.ReadFile(filepath.Join(home, name))
		stripped, found, err := RemoveBlock(b)
		if !found || err != nil || string(stripped) != text {
			t.Errorf("%s outside the block = %q, want %q", name, stripped, text)
		}
	}

	after1 := snapshot(t, home)
	p2 := mustApply(t, Options{Settings: s, Env: env})
	if len(p2.Changed()) != 0 {
		t.Errorf("second run would change %d files", len(p2.Changed()))
	}
	diffSnapshots(t, "second run", after1, snapshot(t, home))

	// A later run with one new value keeps the others.
	mustApply(t, Options{Settings: Settings{GOPRIVATE: "corp.example.com"}, Env: env})
	sh, _ := os.ReadFile(filepath.Join(home, ".config/gosetup/env"))
	for _, w := range []string{"GOPROXY='https://goproxy.cn,direct'", "GOSUMDB='sum.golang.google.cn'", "GOPRIVATE='corp.example.com'", "'/opt/go/bin'"} {
		if !strings.Contains(string(sh), w) {
			t.Errorf("env script lacks %s:\n%s", w, sh)
		}
	}

	mustUninstall(t, UninstallOptions{Env: env})
	diffSnapshots(t, "uninstall", before, snapshot(t, home))
}

func TestUninstallKeepsLaterUserEdits(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, userStartup)
	env := testEnv(home, allShells, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "https://goproxy.io,direct"}, Env: env})
	// The user edits .bashrc after gosetup, and adds to the created conf.d
	// file.
	rc := filepath.Join(home, ".bashrc")
	b, _ := os.ReadFile(rc)
	os.WriteFile(rc, append(b, "export MINE=1\n"...), 0o640)
	fishConf := filepath.Join(home, ".config/fish/conf.d/gosetup.fish")
	fb, _ := os.ReadFile(fishConf)
	os.WriteFile(fishConf, append(fb, "set -gx MINE 1\n"...), 0o644)

	p := mustUninstall(t, UninstallOptions{Env: env})
	got, _ := os.ReadFile(rc)
	if want := userStartup[".bashrc"] + "export MINE=1\n"; string(got) != want {
		t.Errorf(".bashrc after uninstall = %q, want %q", got, want)
	}
	got, _ = os.ReadFile(fishConf)
	if string(got) != "set -gx MINE 1\n" {
		t.Errorf("conf.d file after uninstall = %q", got)
	}
	notes := 0
	for _, c := range p.Changes {
		if c.Note != "" {
			notes++
		}
	}
	if notes != 2 {
		t.Errorf("uninstall noted %d edited files, want 2", notes)
	}
	// The untouched files are back to their exact bytes.
	for _, n := range []string{".profile", ".bash_profile", ".zshenv"} {
		got, _ := os.ReadFile(filepath.Join(home, n))
		if string(got) != userStartup[n] {
			t.Errorf("%s = %q, want %q", n, got, userStartup[n])
		}
	}
	if _, err := os.Stat(filepath.Join(home, ".config/gosetup")); err == nil {
		t.Error("gosetup's config dir is still there")
	}
}

// A user edit between two gosetup runs must survive uninstall even though
// the second run rewrote the file.
func TestEditBetweenRunsSurvivesUninstall(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "A=1\n"})
	env := testEnv(home, []string{"sh"}, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "https://goproxy.io"}, Env: env})
	p := filepath.Join(home, ".profile")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append([]byte("B=2\n"), b...), 0o644)
	// A different config dir makes the second run rewrite the block.
	env2 := testEnv(home, []string{"sh"}, map[string]string{"XDG_CONFIG_HOME": filepath.Join(home, "cfg")})
	cfg1, _ := ConfigDir(env)
	os.MkdirAll(filepath.Join(home, "cfg"), 0o755)
	os.Rename(cfg1, filepath.Join(home, "cfg", "gosetup"))
	mustApply(t, Options{Settings: Settings{GOPROXY: "https://goproxy.io"}, Env: env2})
	mustUninstall(t, UninstallOptions{Env: env2})
	got, _ := os.ReadFile(p)
	if string(got) != "B=2\nA=1\n" {
		t.Errorf(".profile = %q, want the user's edit kept", got)
	}
}

func TestSymlinkedRCFileIsWrittenThrough(t *testing.T) {
	home := t.TempDir()
	dots := filepath.Join(home, "dotfiles")
	userFiles(t, home, map[string]string{"dotfiles/bashrc": "# managed by my dotfiles\n"})
	link := filepath.Join(home, ".bashrc")
	if err := os.Symlink("dotfiles/bashrc", link); err != nil {
		t.Fatal(err)
	}
	env := testEnv(home, []string{"bash"}, nil)
	before := snapshot(t, home)
	p := mustApply(t, Options{Settings: Settings{GOPROXY: "direct"}, Env: env})
	if l, err := os.Readlink(link); err != nil || l != "dotfiles/bashrc" {
		t.Fatalf(".bashrc is no longer the same symlink: %q %v", l, err)
	}
	b, _ := os.ReadFile(filepath.Join(dots, "bashrc"))
	if !HasBlock(b) {
		t.Errorf("the link's target has no block: %q", b)
	}
	shown := false
	for _, c := range p.Changes {
		if c.Link == link && strings.Contains(c.Display(), "->") {
			shown = true
		}
	}
	if !shown {
		t.Error("the plan does not show the symlink")
	}
	mustUninstall(t, UninstallOptions{Env: env})
	diffSnapshots(t, "uninstall", before, snapshot(t, home))
}

// checkNothingChanged applies opts, expects an error containing want, and
// checks that no file under home changed.
func checkNothingChanged(t *testing.T, home string, opts Options, want string) {
	t.Helper()
	before := snapshot(t, home)
	_, err := Apply(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Apply error = %v, want one containing %q", err, want)
	}
	diffSnapshots(t, "after a failed run", before, snapshot(t, home))
}

func TestReadOnlyRCFileChangesNothing(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, userStartup)
	rc := filepath.Join(home, ".zshenv")
	os.Chmod(rc, 0o444)
	env := testEnv(home, allShells, nil)
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "direct"}, Env: env}, "read-only")
}

func TestBadValueChangesNothing(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, userStartup)
	env := testEnv(home, allShells, nil)
	for _, s := range []Settings{
		{GOPROXY: "goproxy.cn"},
		{GOPROXY: "https://ok.example", GOSUMDB: "https://sum.golang.org"},
		{GOPRIVATE: "corp example"},
		{Path: []string{"relative/bin"}},
		{Path: []string{"/opt/go:evil/bin"}},
		{GOPROXY: "https://x.example\nexport EVIL=1"},
	} {
		checkNothingChanged(t, home, Options{Settings: s, Env: env}, "nothing was written")
	}
}

func TestDamagedBlockChangesNothing(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "x\n", ".bashrc": "# >>> gosetup >>>\nleft over\n"})
	env := testEnv(home, []string{"bash"}, nil)
	checkNothingChanged(t, home, Options{Settings: Settings{GOPROXY: "direct"}, Env: env}, "by hand")
}

func TestStartupFilesPerShell(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".bash_login": "", ".kshrc": ""})
	names := func(env Env) string {
		var out []string
		for _, tg := range StartupFiles(env) {
			out = append(out, strings.TrimPrefix(tg.Path, home+"/"))
		}
		return strings.Join(out, " ")
	}
	env := testEnv(home, []string{"sh"}, nil)
	if got := names(env); got != ".profile .bash_login" {
		t.Errorf("sh only: %q", got)
	}
	env = testEnv(home, allShells, map[string]string{"ZDOTDIR": filepath.Join(home, "zdot"), "XDG_CONFIG_HOME": filepath.Join(home, "xdg")})
	if got := names(env); got != ".profile .bash_login .bashrc .zshenv zdot/.zshenv .kshrc xdg/fish/conf.d/gosetup.fish" {
		t.Errorf("all shells: %q", got)
	}
	env.GOOS = "darwin"
	if got := names(env); !strings.Contains(got, "zdot/.zshenv zdot/.zprofile") {
		t.Errorf("darwin: %q, want .zprofile after path_helper", got)
	}
	// Each file names its role, a key a face can translate, with the
	// role's English text as Why; here every role is present once.
	var roles []StartupRole
	for _, tg := range StartupFiles(env) {
		if tg.Role == "" || tg.Why != tg.Role.Why() {
			t.Errorf("%s: Why %q, role %q", tg.Path, tg.Why, tg.Role)
		}
		roles = append(roles, tg.Role)
	}
	if !slices.Equal(roles, StartupRoles()) {
		t.Errorf("roles %q, want %q", roles, StartupRoles())
	}
	// A plan's startup-file changes carry the role.
	p, err := PlanEnv(context.Background(), Options{Settings: Settings{GOPROXY: "direct"}, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Kind == KindStartup && (c.Role == "" || c.Why != c.Role.Why()) {
			t.Errorf("%s: role %q, Why %q", c.Path, c.Role, c.Why)
		}
	}
}

// With the state record lost, uninstall still removes every managed block.
func TestUninstallWithoutRecordRemovesBlocks(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, userStartup)
	env := testEnv(home, allShells, nil)
	mustApply(t, Options{Settings: Settings{GOPROXY: "direct"}, Env: env})
	cfg, _ := ConfigDir(env)
	os.Remove(StatePath(cfg))
	p := mustUninstall(t, UninstallOptions{Env: env})
	for name, text := range userStartup {
		b, _ := os.ReadFile(filepath.Join(home, name))
		if string(b) != text {
			t.Errorf("%s = %q, want %q", name, b, text)
		}
	}
	fb, _ := os.ReadFile(filepath.Join(home, ".config/fish/conf.d/gosetup.fish"))
	if HasBlock(fb) {
		t.Error("the fish conf.d block is still there")
	}
	if len(p.Changes) == 0 || p.Changes[0].Note == "" {
		t.Error("no note about the missing record")
	}
}

// Switching from shell to goenv scope moves the GO* values out of the env
// scripts (where they would shadow the Go env file) into the Go env file.
func TestScopeSwitch(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "p\n"})
	env := testEnv(home, []string{"sh"}, map[string]string{"GOENV": filepath.Join(home, "goenv")})
	before := snapshot(t, home)
	mustApply(t, Options{Settings: Settings{GOPROXY: "https://a.example", Path: []string{"/opt/go/bin"}}, Env: env})
	mustApply(t, Options{Settings: Settings{GOSUMDB: "off"}, Scope: ScopeGoEnv, Env: env})
	sh, _ := os.ReadFile(filepath.Join(home, ".config/gosetup/env"))
	if strings.Contains(string(sh), "GOPROXY") || !strings.Contains(string(sh), "/opt/go/bin") {
		t.Errorf("env script after the switch:\n%s", sh)
	}
	ge, _ := os.ReadFile(filepath.Join(home, "goenv"))
	if string(ge) != "GOPROXY=https://a.example\nGOSUMDB=off\n" {
		t.Errorf("Go env file = %q", ge)
	}
	mustUninstall(t, UninstallOptions{Env: env})
	diffSnapshots(t, "uninstall", before, snapshot(t, home))
}
