package doctor

import (
	"strings"
	"testing"
)

func TestRemoveAssignments(t *testing.T) {
	cases := []struct {
		name, file, text, v string
		line                int
		want                string
	}{
		{"whole line", "/h/.bashrc", "a=1\nexport GOROOT=/old/go\nb=2\n", "GOROOT", 2, "a=1\nb=2\n"},
		{"with a comment", "/h/.bashrc", "export GOROOT=/old # from the old installer\nb=2\n", "GOROOT", 1, "b=2\n"},
		{"one of several", "/h/.bashrc", "export A=1 GOPROXY=https://goproxy.io B=2\n", "GOPROXY", 1, "export A=1 B=2\n"},
		{"inside if", "/h/.bashrc", "if true; then export GOPROXY=x; fi\n", "GOPROXY", 1, "if true; then :; fi\n"},
		{"after &&", "/h/.bashrc", "[ -d /x ] && export GOROOT=/x\n", "GOROOT", 1, "[ -d /x ] && :\n"},
		{"split set then export", "/h/.bashrc", "GOPROXY=x\nexport GOPROXY\n", "GOPROXY", 1, "export GOPROXY\n"},
		{"two on a line", "/h/.bashrc", "export GOROOT=/a; export GOROOT=/b\n", "GOROOT", 1, ":; :\n"},
		{"no final newline", "/h/.bashrc", "a=1\nexport GOROOT=/x", "GOROOT", 2, "a=1\n"},
		{"fish set -gx", "/h/.config/fish/config.fish", "set -gx EDITOR vi\nset -gx GOPROXY https://goproxy.io\n", "GOPROXY", 2, "set -gx EDITOR vi\n"},
	}
	for _, c := range cases {
		got, err := removeAssignments(c.file, "/h", c.v, c.line)([]byte(c.text))
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := removeAssignments("/h/.bashrc", "/h", "GOROOT", 1)([]byte("a=1\n")); err == nil || !strings.Contains(err.Error(), "doctor again") {
		t.Errorf("a moved line: %v", err)
	}
}

func TestDropPathEntries(t *testing.T) {
	cases := []struct {
		name, text string
		drop       []string
		want       string
	}{
		{"empty and dot", "export PATH=$HOME/bin::$PATH:.\n", []string{"", "."}, "export PATH=$HOME/bin:$PATH\n"},
		{"quoted", "PATH=\"$PATH:.:/opt/x/bin\"\n", []string{"."}, "PATH=\"$PATH:/opt/x/bin\"\n"},
		{"home expanded", "export PATH=$HOME/gone/bin:$PATH\n", []string{"/h/gone/bin"}, "export PATH=$PATH\n"},
		{"braced home", "export PATH=${HOME}/gone/bin:$PATH\n", []string{"/h/gone/bin"}, "export PATH=$PATH\n"},
		{"append form", "PATH+=:.\n", []string{".", ""}, ""},
		{"inside if", "if true; then export PATH=.:$PATH; fi\n", []string{"."}, "if true; then export PATH=$PATH; fi\n"},
	}
	for _, c := range cases {
		got, err := dropPathEntries("/h/.bashrc", "/h", 1, c.drop)([]byte(c.text))
		if c.want == "" {
			if err == nil {
				t.Errorf("%s: got %q, want an error (nothing would be left)", c.name, got)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := dropPathEntries("/h/.bashrc", "/h", 1, []string{"/elsewhere"})([]byte("export PATH=$PATH:/x\n")); err == nil {
		t.Error("an entry the line does not add: no error")
	}
}

func TestDropFishPathEntries(t *testing.T) {
	cases := []struct {
		name, text string
		drop       []string
		want       string
	}{
		{"set list", "set -gx PATH /old/go/bin $PATH /opt/x/bin\n", []string{"/old/go/bin"}, "set -gx PATH $PATH /opt/x/bin\n"},
		{"only self left", "set -gx PATH /old/go/bin $PATH\necho hi\n", []string{"/old/go/bin"}, "echo hi\n"},
		{"fish_add_path", "fish_add_path -g /old/go/bin\n", []string{"/old/go/bin"}, ""},
		{"home expanded, quoted", "fish_add_path \"$HOME/gone/bin\" ~/bin\n", []string{"/h/gone/bin"}, "fish_add_path ~/bin\n"},
		{"inside if", "if status is-login; set -gx PATH /old/go/bin $PATH; end\n", []string{"/old/go/bin"}, "if status is-login; true; end\n"},
		{"fish_user_paths", "set -U fish_user_paths /old/go/bin /x $fish_user_paths\n", []string{"/old/go/bin"}, "set -U fish_user_paths /x $fish_user_paths\n"},
	}
	for _, c := range cases {
		got, err := dropPathEntries("/h/.config/fish/config.fish", "/h", 1, c.drop)([]byte(c.text))
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	for _, text := range []string{"set -l PATH /old/go/bin $PATH\n", "set -gx PATH $GOROOT/bin $PATH\n", "set -gx PATH /other $PATH\n"} {
		if got, err := dropPathEntries("/h/.config/fish/config.fish", "/h", 1, []string{"/old/go/bin"})([]byte(text)); err == nil {
			t.Errorf("%q: got %q, want an error", text, got)
		}
	}
}
