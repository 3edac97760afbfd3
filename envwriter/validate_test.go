package envwriter

import (
	"strings"
	"testing"
)

func TestValidateVar(t *testing.T) {
	good := map[string][]string{
		"GOPROXY": {"https://proxy.golang.org,direct", "https://goproxy.cn|https://goproxy.io,direct", "off", "direct",
			"http://127.0.0.1:8080/athens", "https://mirrors.aliyun.com/goproxy/,direct", " https://a.example , direct"},
		"GOSUMDB": {"sum.golang.org", "off", "sum.golang.google.cn", "sum.golang.org https://sum.golang.google.cn",
			"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
			"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8 https://goproxy.cn/sumdb/sum.golang.org"},
		"GOPRIVATE": {"corp.example.com", "*.corp.example.com,github.com/org/[a-z]*", "corp.example.com/", "gitlab.example.com/team/*,", "*"},
		"GONOPROXY": {"github.com/me"},
		"GONOSUMDB": {"a.example,b.example/x"},
	}
	bad := map[string][]struct{ v, want string }{
		"GOPROXY": {
			{"goproxy.cn", "did you mean https://goproxy.cn"},
			{"ftp://x.example", "not http or https"},
			{"https://a.example,,direct", "empty"},
			{"https://a.example,", "empty"},
			{"", "empty"},
			{"https://a.example direct", "white space"},
			{"https://a.example\nexport X=1", "line break"},
			{"https://user@a.example", "user"},
			{"https:///path", "no host"},
			{"file:///srv/proxy", "not http or https"},
		},
		"GOSUMDB": {
			{"https://sum.golang.org", "database name, not a URL"},
			{"sum.example.com", "does not know the key"},
			{"sum.golang.org https://a.example extra", "3 fields"},
			{"sum.golang.org ftp://x", "not http or https"},
			{"sum.golang.google.cn https://x.example", "shorthand"},
			{"sum.golang.org+bad+key", "not a valid verifier key"},
			{"sum\x00.golang.org", "NUL"},
		},
		"GOPRIVATE": {
			{"corp example.com", "white space"},
			{"https://corp.example.com", "is a URL"},
			{"corp.example.com/[", "not a valid glob"},
			{"$(touch)", "cannot match a module path"},
			{"corp.example.com;touch", "cannot match a module path"},
			{",", "no patterns"},
		},
	}
	for name, vals := range good {
		for _, v := range vals {
			if err := ValidateVar(name, v); err != nil {
				t.Errorf("%s=%q: unexpected error %v", name, v, err)
			}
		}
	}
	for name, cases := range bad {
		for _, c := range cases {
			err := ValidateVar(name, c.v)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: error %v, want one naming %s and saying %q", name, c.v, err, name, c.want)
			}
		}
	}
}

func TestValidatePathDir(t *testing.T) {
	for _, d := range []string{"/usr/local/go/bin", "/home/a b/go/bin", "/x'$(y)`z`/bin"} {
		if err := ValidatePathDir(d, "linux"); err != nil {
			t.Errorf("%q: %v", d, err)
		}
	}
	for _, c := range []struct{ d, want string }{
		{"", "empty"}, {"go/bin", "not absolute"}, {"/a:b/bin", "separator"}, {"/a\nb", "line break"},
		{"/a/b/", "clean form"}, {"/a/../b", "clean form"}, {"/a\x00b", "NUL"},
	} {
		if err := ValidatePathDir(c.d, "linux"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.d, err, c.want)
		}
	}
	for _, d := range []string{`C:\Go\bin`, `D:/go/bin`, `\\server\share\go\bin`} {
		if err := ValidatePathDir(d, "windows"); err != nil {
			t.Errorf("windows %q: %v", d, err)
		}
	}
	for _, d := range []string{`go\bin`, `C:\a;b`, `/usr/bin`} {
		if err := ValidatePathDir(d, "windows"); err == nil {
			t.Errorf("windows %q: no error", d)
		}
	}
}

func TestSettingsValidateJoinsErrors(t *testing.T) {
	err := Settings{GOPROXY: "x", GOSUMDB: "https://y", Path: []string{"rel"}}.Validate("linux")
	for _, w := range []string{"GOPROXY", "GOSUMDB", "PATH"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not mention %s", err, w)
		}
	}
}
