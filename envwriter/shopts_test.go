package envwriter

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// prependRef is what the env script must do to PATH, in Go: dirs first, in
// order, every other copy of them removed, everything else (empty entries
// included) kept in order. An empty PATH becomes just dirs.
func prependRef(path string, dirs []string) string {
	out := strings.Join(dirs, ":")
	if path == "" {
		return out
	}
	for _, e := range strings.Split(path, ":") {
		keep := true
		for _, d := range dirs {
			if e == d {
				keep = false
			}
		}
		if keep {
			out += ":" + e
		}
	}
	return out
}

// shFamily are the POSIX-family shells that source the sh env script, each
// started as a user's would be.
var shFamily = []struct{ name, prog string }{
	{"bash", "bash"}, {"dash", "dash"}, {"zsh", "zsh"}, {"ksh", "ksh"}, {"busybox sh", "busybox"},
}

func shArgs(prog string, args ...string) []string {
	if filepath.Base(prog) == "busybox" {
		return append([]string{"sh"}, args...)
	}
	return args
}

// sourceScript runs a fresh shell (env -i, HOME in a temp dir, PATH as
// given) that runs prelude, sources the env script, and runs after; it
// fails the test rather than hang when the script loops.
func sourceScript(t *testing.T, prog, home, path, script, prelude, after string, limit time.Duration) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	code := prelude + "\n. " + shQuote(script) + "\n" + after
	cmd := exec.CommandContext(ctx, prog, shArgs(prog, "-c", code)...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + path}
	cmd.Dir = home
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish sourcing the env script within %s (prelude %q)", prog, limit, prelude)
	}
	if err != nil {
		t.Fatalf("%s (prelude %q): %v\nstdout: %s\nstderr: %s", prog, prelude, err, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

func writeScript(t *testing.T, dir string, dirs []string) string {
	t.Helper()
	p := filepath.Join(dir, "env")
	if err := os.WriteFile(p, ShScript([]Var{{"GOPROXY", "https://goproxy.cn,direct"}}, dirs), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The PATH rule holds in every shell, for every shape of PATH: empty
// entries (the current directory) are kept, a directory that only
// contains ours as a substring or differs in case is someone else's, and
// names with spaces, glob characters and quotes are plain strings.
func TestShScriptPathRule(t *testing.T) {
	home := t.TempDir()
	d0 := "/opt/go x'$(touch pwned)`id`*/bin"
	d1 := "/home/u/go/bin"
	script := writeScript(t, home, []string{d0, d1})
	bin := "/usr/bin:/bin"
	paths := []string{
		"", bin, d0, d1, d1 + ":" + d0, d0 + ":" + d1 + ":" + bin, bin + ":" + d0, "/a:" + d0 + ":/b:" + d0 + ":" + d1,
		":" + d0, d0 + ":", "/a::/b", "/a:" + d0 + "::" + d1 + ":", d0 + ":" + d0 + ":" + d0, ":",
		strings.ToUpper(d0) + ":" + d0 + "x:" + "x" + d0 + ":/[a]*:/p q", "/opt/go x'$(touch pwned)`id`*/bin/:" + bin,
	}
	for _, sh := range shFamily {
		prog := need(t, sh.prog)
		t.Run(sh.name, func(t *testing.T) {
			for _, p := range paths {
				if p == "" && sh.name == "zsh" {
					continue // zsh puts its own default in an empty PATH
				}
				out, stderr := sourceScript(t, prog, home, p, script, "", `printf '%s' "$PATH"`, 20*time.Second)
				if want := prependRef(p, []string{d0, d1}); out != want {
					t.Errorf("PATH %q: got %q, want %q", p, out, want)
				}
				if stderr != "" {
					t.Errorf("PATH %q: stderr %q", p, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(home, "pwned")); err == nil {
				t.Fatal("a directory name ran code")
			}
		})
	}
}

// shellOptions are options a user may set in a startup file before
// gosetup's block. Each must leave the script's result, its silence and
// the options themselves as they would be without it. nocasematch made the
// old script loop for ever: no interactive bash started at all.
var shellOptions = map[string][]string{
	"bash": {
		"shopt -s nocasematch", "shopt -s nocaseglob", "set -u", "set -f", "set -e", "shopt -s extglob",
		"shopt -s failglob", "shopt -s nullglob", "set -o posix", "IFS=/", "unset IFS", "set -a",
		"set -E; trap 'echo ERR trap >&2' ERR", "set -o pipefail", "set -k", "shopt -s globstar dotglob",
		"shopt -s nocasematch nocaseglob extglob failglob; set -eufa; IFS=/",
	},
	"zsh": {
		"setopt ksh_arrays", "setopt sh_word_split", "setopt no_unset", "setopt err_exit", "setopt err_return",
		"setopt no_glob", "setopt extended_glob", "setopt glob_subst", "setopt no_case_glob", "unsetopt case_match",
		"setopt warn_create_global warn_nested_var", "emulate ksh", "emulate sh", "setopt rc_quotes", "setopt all_export",
		"setopt glob_assign", "setopt ksh_glob", "setopt sh_glob", "unsetopt multibyte", "setopt posix_builtins",
		"setopt octal_zeroes c_bases", "setopt null_glob", "setopt no_nomatch", "setopt no_bad_pattern",
		"setopt ksh_typeset typeset_silent", "setopt posix_identifiers", "setopt magic_equal_subst", "IFS=/",
		"setopt ksh_arrays sh_word_split no_unset err_exit glob_subst extended_glob no_case_glob warn_create_global rc_quotes",
	},
	"dash":       {"set -u", "set -f", "set -e", "IFS=/", "unset IFS", "set -a", "set -eufa; IFS=/"},
	"ksh":        {"set -u", "set -f", "set -e", "IFS=/", "unset IFS", "set -a", "set -o pipefail", "set -eufa; IFS=/"},
	"busybox sh": {"set -u", "set -f", "set -e", "IFS=/", "unset IFS", "set -a", "set -eufa; IFS=/"},
}

// optionState prints what the script must not change: the set options,
// IFS, and bash's shopt or zsh's setopt options.
func optionState(name string) string {
	s := `printf '%s|%s|' "$-" "${IFS-(unset)}"; `
	switch name {
	case "bash":
		return s + "shopt -p; set +o"
	case "zsh":
		return s + "setopt"
	}
	return s + "set +o"
}

func TestShScriptUnderShellOptions(t *testing.T) {
	home := t.TempDir()
	d0, d1 := "/opt/go/bin", "/home/u/go/bin"
	script := writeScript(t, home, []string{d0, d1})
	path := "/usr/bin:/OPT/GO/BIN:" + d0 + ":/bin:/o*:" + d1 + "::/x"
	want := prependRef(path, []string{d0, d1})
	for _, sh := range shFamily {
		prog := need(t, sh.prog)
		t.Run(sh.name, func(t *testing.T) {
			for _, opt := range shellOptions[sh.name] {
				state := optionState(sh.name)
				after := `_gosetup_after=$(` + state + `)
printf 'PATH=%s\n' "$PATH"
printf 'GOPROXY=%s\n' "${GOPROXY-}"
if [ "$_gosetup_before" = "$_gosetup_after" ]; then echo options are the same; else printf 'options differ:\n%s\n---\n%s\n' "$_gosetup_before" "$_gosetup_after"; fi`
				out, stderr := sourceScript(t, prog, home, path, script, opt+"\n_gosetup_before=$("+state+")", after, 20*time.Second)
				if !strings.Contains(out, "PATH="+want+"\n") {
					t.Errorf("%s: PATH not as without options, want %q:\n%s", opt, want, out)
				}
				if !strings.Contains(out, "GOPROXY=https://goproxy.cn,direct\n") {
					t.Errorf("%s: GOPROXY not exported:\n%s", opt, out)
				}
				if !strings.Contains(out, "options are the same") {
					t.Errorf("%s: the script changed the shell's options:\n%s", opt, out)
				}
				if stderr != "" {
					t.Errorf("%s: stderr %q", opt, stderr)
				}
			}
		})
	}
}

// A new shell with a PATH of about 100 KB (Nix, some CI images) sources
// the script in linear time. The old script was quadratic and took more
// than a minute in bash, dash and zsh once the directory was on PATH (as it
// is in every nested shell). Timing is for the benchmark
// (.ci/bench/envscript.sh); this test only bounds it far above what a
// linear script needs, and checks the result at that size.
func TestShScriptLongPath(t *testing.T) {
	home := t.TempDir()
	d0, d1 := "/opt/go/bin", "/home/u/go/bin"
	script := writeScript(t, home, []string{d0, d1})
	var entries []string
	for i := 0; len(strings.Join(entries, ":")) < 100_000; i++ {
		entries = append(entries, "/nix/store/"+strings.Repeat("0", 20)+string(rune('a'+i%26))+"-pkg-"+itoa(i)+"/bin")
	}
	mid := len(entries) / 2
	long := strings.Join(entries[:mid], ":") + ":" + d0 + ":" + strings.Join(entries[mid:], ":") + ":" + d1 + ":/usr/bin:/bin"
	for _, sh := range shFamily {
		prog := need(t, sh.prog)
		t.Run(sh.name, func(t *testing.T) {
			for _, p := range []string{long, d0 + ":" + long, strings.Join(entries, ":") + ":/usr/bin"} {
				out, _ := sourceScript(t, prog, home, p, script, "", `printf '%s' "$PATH"`, 15*time.Second)
				if want := prependRef(p, []string{d0, d1}); out != want {
					t.Errorf("long PATH: got %d bytes, want %d (first difference at %d)", len(out), len(want), firstDiff(out, want))
				}
			}
		})
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// fish has no shell options, but a user's config may define a function
// that shadows a builtin the script uses; the PATH rule holds anyway, and
// stays fast with a 100 KB PATH.
func TestFishScriptShadowedBuiltinsAndLongPath(t *testing.T) {
	fish := need(t, "fish")
	home := t.TempDir()
	d0, d1 := "/opt/go/bin", "/home/u/go/bin"
	script := filepath.Join(home, "env.fish")
	if err := os.WriteFile(script, FishScript([]Var{{"GOPROXY", "https://goproxy.cn"}}, []string{d0, d1}), 0o644); err != nil {
		t.Fatal(err)
	}
	var entries []string
	for i := 0; len(strings.Join(entries, ":")) < 100_000; i++ {
		entries = append(entries, "/nix/store/"+strings.Repeat("0", 21)+"-pkg-"+itoa(i)+"/bin")
	}
	for _, tc := range []struct{ prelude, path string }{
		{"function contains; return 1; end", "/usr/bin:" + d0 + ":/bin:" + d1},
		{"", strings.Join(entries, ":") + ":" + d0 + ":/usr/bin"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		cmd := exec.CommandContext(ctx, fish, "--no-config", "-c", tc.prelude+"\nsource "+fishQuote(script)+"\nstring join : $PATH")
		cmd.Env = []string{"HOME=" + home, "PATH=" + tc.path}
		out, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("fish (%q): %v", tc.prelude, err)
		}
		if got, want := strings.TrimSuffix(string(out), "\n"), prependRef(tc.path, []string{d0, d1}); got != want {
			t.Errorf("fish (%q): PATH = %.200q, want %.200q", tc.prelude, got, want)
		}
	}
}
