package doctor

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosetup/gosetup/envwriter"
)

func checkStartupBlocks(ctx context.Context, f *Facts) []Finding {
	st := f.State
	if st == nil || st.Empty() {
		return []Finding{ok("gosetup has written no settings here")}
	}
	var out []Finding
	repair := &RepairHint{Rewrite: true}
	for _, s := range st.Scripts {
		if _, err := os.Stat(s); err != nil {
			out = append(out, Finding{Severity: Fail, Message: "gosetup's env script " + s + " is missing: the startup files source nothing",
				Sources: []Source{{Kind: SourcePath, File: s}}, Fix: "run gosetup repair to write it again", Repairable: true, Repair: repair})
		}
	}
	targets := map[string]bool{}
	for _, t := range envwriter.StartupFiles(f.env) {
		targets[t.Path] = true
	}
	for _, r := range st.Files {
		if !targets[r.Path] && !targets[r.Link] {
			continue // a file repair edited, or the Go env file: no block there
		}
		b, err := os.ReadFile(r.Path)
		switch {
		case err != nil:
			out = append(out, Finding{Severity: Warn, Message: "gosetup wrote its block to " + r.Path + ", which is gone",
				Sources: []Source{{Kind: SourcePath, File: r.Path}}, Fix: "run gosetup repair to write it again", Repairable: true, Repair: repair})
			continue
		case !envwriter.HasBlock(b):
			out = append(out, Finding{Severity: Warn, Message: "gosetup's block is no longer in " + r.Path,
				Sources: []Source{{Kind: SourcePath, File: r.Path}}, Fix: "run gosetup repair to put it back", Repairable: true, Repair: repair})
			continue
		}
		if _, err := envwriter.UpsertBlock(b, nil); err != nil {
			out = append(out, Finding{Severity: Fail, Message: r.Path + ": gosetup's block is damaged: " + err.Error(),
				Sources: []Source{{Kind: SourcePath, File: r.Path}}, Fix: "remove the lines between the gosetup markers by hand, then run gosetup repair"})
		}
	}
	// A startup file a shell reads instead of the one holding the block:
	// ~/.bash_profile makes bash login shells skip ~/.profile.
	if st.Settings != nil && len(st.Scripts) > 0 {
		for _, t := range envwriter.StartupFiles(f.env) {
			b, err := os.ReadFile(t.Path)
			if err != nil || envwriter.HasBlock(b) {
				continue
			}
			if slices.ContainsFunc(st.Files, func(r envwriter.FileRecord) bool { return r.Path == t.Path }) {
				continue // reported above
			}
			msg := t.Path + " has no gosetup block, so " + t.Why + " do not get gosetup's settings"
			if filepath.Base(t.Path) == ".bash_profile" || filepath.Base(t.Path) == ".bash_login" {
				msg = t.Path + " exists, so bash login shells read it instead of ~/.profile, where gosetup's block is"
			}
			out = append(out, Finding{Severity: Fail, Message: msg,
				Sources: []Source{{Kind: SourcePath, File: t.Path}}, Fix: "run gosetup repair to add gosetup's block to it", Repairable: true, Repair: repair})
		}
	}
	if len(out) == 0 {
		out = append(out, ok("gosetup's blocks and env scripts are in place"))
	}
	return out
}

// syntaxCheckers say which shell checks which startup file.
var syntaxCheckers = []struct {
	shell string
	args  []string
	files []string
}{
	{"bash", []string{"-n"}, []string{".bashrc", ".bash_profile", ".bash_login", ".profile"}},
	{"zsh", []string{"-n"}, []string{".zshenv", ".zprofile", ".zshrc", ".zlogin"}},
	{"ksh", []string{"-n"}, []string{".kshrc"}},
	{"fish", []string{"--no-execute"}, []string{".config/fish/config.fish", ".config/fish/conf.d/gosetup.fish"}},
}

// errLine finds the line number in a shell's syntax error message:
// bash "FILE: line 3:", zsh "FILE:3:", fish "FILE (line 3):".
var errLine = regexp.MustCompile(`(?:line |:)(\d+)[:)]`)

func checkStartupSyntax(ctx context.Context, f *Facts) []Finding {
	if f.GOOS == "windows" {
		return nil
	}
	var out []Finding
	checked := 0
	for _, c := range syntaxCheckers {
		if !slices.Contains(f.env.Shells, c.shell) {
			continue
		}
		bin := lookPath(c.shell, f.getenv("PATH"))
		if bin == "" {
			bin, _ = exec.LookPath(c.shell)
		}
		if bin == "" {
			continue
		}
		for _, name := range c.files {
			p := filepath.Join(f.Home, name)
			if c.shell == "fish" {
				p = filepath.Join(f.env.Getenv("XDG_CONFIG_HOME"), strings.TrimPrefix(name, ".config/"))
				if !filepath.IsAbs(f.env.Getenv("XDG_CONFIG_HOME")) {
					p = filepath.Join(f.Home, name)
				}
			}
			if _, err := os.Stat(p); err != nil {
				continue
			}
			checked++
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			cmd := exec.CommandContext(cctx, bin, append(c.args, p)...)
			cmd.Env = []string{"HOME=" + f.Home, "PATH=/usr/bin:/bin"}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			cancel()
			if err == nil {
				continue
			}
			msg := strings.TrimSpace(firstLine(stderr.String()))
			src := Source{Kind: SourceFile, File: p}
			if m := errLine.FindStringSubmatch(msg); m != nil {
				src.Line, _ = strconv.Atoi(m[1])
			}
			out = append(out, Finding{Severity: Fail, Message: c.shell + " cannot parse " + p + ": " + msg,
				Sources: []Source{src}, Fix: "fix the line; every " + c.shell + " that reads this file stops there"})
		}
	}
	if len(out) == 0 {
		out = append(out, ok("every startup file passes its shell's syntax check ("+strconv.Itoa(checked)+" checked)"))
	}
	return out
}

// lookPath finds name in the directories of pathVar.
func lookPath(name, pathVar string) string {
	for _, d := range filepath.SplitList(pathVar) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// pathHelperRe finds the line of /etc/zprofile that runs path_helper.
var pathHelperRe = regexp.MustCompile(`path_helper`)

// zshPathSet matches a line that sets PATH or zsh's path array. This is
// logic for macOS, where no shell can be traced here; the line is shown,
// not edited.
var zshPathSet = regexp.MustCompile(`(^|[\s;])(export\s+)?PATH=|(^|[\s;])path=\(|(^|[\s;])path\+=`)

func checkPathHelper(ctx context.Context, f *Facts) []Finding {
	if f.GOOS != "darwin" {
		return nil
	}
	zp := f.opts.ZProfile
	if zp == "" {
		zp = "/etc/zprofile"
	}
	b, err := os.ReadFile(zp)
	if err != nil || !pathHelperRe.Match(b) {
		return []Finding{ok(zp + " does not run path_helper")}
	}
	helperLine := 0
	for i, l := range strings.Split(string(b), "\n") {
		if pathHelperRe.MatchString(l) && !strings.HasPrefix(strings.TrimSpace(l), "#") {
			helperLine = i + 1
			break
		}
	}
	if helperLine == 0 {
		return []Finding{ok(zp + " does not run path_helper")}
	}
	zdot := f.env.Getenv("ZDOTDIR")
	if !filepath.IsAbs(zdot) {
		zdot = f.Home
	}
	zshenv := filepath.Join(f.Home, ".zshenv")
	zprofile := filepath.Join(zdot, ".zprofile")
	envText, _ := os.ReadFile(zshenv)
	profText, _ := os.ReadFile(zprofile)
	var out []Finding
	helper := Source{Kind: SourceFile, File: zp, Line: helperLine, Text: "path_helper"}
	if envwriter.HasBlock(envText) && !envwriter.HasBlock(profText) {
		out = append(out, Finding{Severity: Fail,
			Message:    "gosetup's PATH is set in ~/.zshenv, but zsh login shells then run path_helper from " + zp + ", which moves the system directories (and any Homebrew go) in front of it",
			Sources:    []Source{{Kind: SourceFile, File: zshenv}, helper},
			Fix:        "run gosetup repair to source gosetup's settings again from ~/.zprofile, which runs after path_helper",
			Repairable: true, Repair: &RepairHint{Rewrite: true}})
	}
	// The user's own PATH lines in .zshenv suffer the same.
	inBlock := false
	for i, l := range strings.Split(string(envText), "\n") {
		t := strings.TrimSpace(l)
		switch t {
		case envwriter.BeginMarker:
			inBlock = true
		case envwriter.EndMarker:
			inBlock = false
		}
		if inBlock || strings.HasPrefix(t, "#") || !zshPathSet.MatchString(t) {
			continue
		}
		out = append(out, Finding{Severity: Warn,
			Message: "~/.zshenv sets PATH, but zsh login shells run path_helper from " + zp + " afterwards, which reorders it",
			Sources: []Source{{Kind: SourceFile, File: zshenv, Line: i + 1, Text: t}, helper},
			Fix:     "move that line to ~/.zprofile, which runs after path_helper"})
		break
	}
	if len(out) == 0 {
		out = append(out, ok("path_helper runs in "+zp+", but nothing in ~/.zshenv sets PATH"))
	}
	return out
}
