package toolchain

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseModuleList(t *testing.T) {
	in := "v0.0.1-go1.22.5.linux-amd64\n" +
		"v0.0.1-go1.22.5.darwin-arm64 2024-07-02T00:00:00Z\n" + // list lines may carry a time
		"\n  v0.0.1-go1.23rc1.linux-amd64  \r\n" +
		"v0.0.1-go1.22.5.linux-amd64\n" + // duplicate
		"v0.0.1-go1.21.0.linux-arm\n" +
		"v1.0.0\n" + // not a toolchain version
		"v0.0.1-gox.linux-amd64\n" +
		"garbage\n"
	got, err := ParseModuleList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"go1.22.5":  {"linux/amd64", "darwin/arm64"},
		"go1.23rc1": {"linux/amd64"},
		"go1.21.0":  {"linux/arm"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestParseModuleListRejects(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "no golang.org/toolchain versions",
		"v1.0.0\nv1.1.0\n":                  "no golang.org/toolchain versions",
		"<html><body>blocked</body></html>": "HTML",
	} {
		if _, err := ParseModuleList([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseModuleList(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestModuleListURL(t *testing.T) {
	if got := ModuleListURL("https://goproxy.cn/"); got != "https://goproxy.cn/golang.org/toolchain/@v/list" {
		t.Error(got)
	}
}
