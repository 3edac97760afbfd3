package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	for _, k := range Kinds {
		if len(c.List(k)) == 0 {
			t.Errorf("built-in catalogue has no %s entries", k)
		}
	}
	if _, ok := c.SumDBKey("sum.golang.org"); !ok {
		t.Error("no key for sum.golang.org")
	}
}

func TestParseModes(t *testing.T) {
	ext, err := Parse([]byte(`{"mode":"extend","proxy":[{"name":"corp","url":"https://athens.corp.example/"}],
		"archive":[{"name":"aliyun","url":"https://mirror.corp.example/golang"}]}`), Default())
	if err != nil {
		t.Fatal(err)
	}
	if ext.Proxy[0].Name != "corp" || ext.Proxy[0].URL != "https://athens.corp.example" {
		t.Errorf("extend: first proxy = %+v, want corp without trailing slash", ext.Proxy[0])
	}
	if len(ext.Proxy) != len(Default().Proxy)+1 {
		t.Errorf("extend: %d proxies", len(ext.Proxy))
	}
	if ext.Archive[0].URL != "https://mirror.corp.example/golang/" || len(ext.Archive) != len(Default().Archive) {
		t.Errorf("extend must redefine same-named entries in place of the built-in: %+v", ext.Archive)
	}
	rep, err := Parse([]byte(`{"mode":"replace","proxy":[{"name":"corp","url":"https://athens.corp.example"}]}`), Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Proxy) != 1 || len(rep.Archive) != 0 {
		t.Errorf("replace kept built-in entries: %+v", rep)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		`{"proxy":[]}`:       "mode",
		`{"mode":"merge"}`:   "merge",
		`{"mode":"replace"}`: "no entries",
		`{"mode":"extend","proxy":[{"name":"x","url":"ftp://h/"}]}`:                                 `proxy entry 0 ("x")`,
		`{"mode":"extend","proxy":[{"name":"","url":"https://h/"}]}`:                                "name",
		`{"mode":"extend","archive":[{"name":"a","url":"https://h/?x=1"}]}`:                         "query",
		`{"mode":"extend","sumdb":[{"name":"sum.corp","url":"https://h"}]}`:                         "sum.corp",
		`{"mode":"extend","sumdb":[{"name":"s","url":"https://h","key":"t+1"}]}`:                    "must start with",
		`{"mode":"extend","proxyy":[]}`:                                                             "proxyy",
		`{"mode":"extend","proxy":[{"name":"a","url":"https://a"},{"name":"a","url":"https://b"}]}`: "twice",
		`{"mode":"extend"} {}`: "after",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in), Default())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) error = %v, want mention of %q", in, err, want)
		}
	}
}

func TestLoadFromEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(p, []byte(`{"mode":"replace","index":[{"name":"local","url":"http://127.0.0.1:1/dl"}]}`), 0o644)
	c, err := Load("", func(k string) string {
		if k == EnvVar {
			return p
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Index) != 1 || c.Index[0].URL != "http://127.0.0.1:1/dl/" {
		t.Errorf("Load from env: %+v", c.Index)
	}
	// The error says which of the two named the file, so that a face can
	// point at the flag or at the variable.
	var re *ReadError
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json"), nil); !errors.As(err, &re) || re.FromEnv || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error = %v", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	_, err = Load("", func(string) string { return missing })
	if !errors.As(err, &re) || !re.FromEnv || re.Path != missing || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("missing file from %s: error = %v", EnvVar, err)
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	if e, err := c.Lookup(KindProxy, "goproxy.cn"); err != nil || e.URL != "https://goproxy.cn" {
		t.Errorf("Lookup name: %v %v", e, err)
	}
	if e, err := c.Lookup(KindArchive, "https://m.example/go"); err != nil || e.URL != "https://m.example/go/" {
		t.Errorf("Lookup URL: %v %v", e, err)
	}
	if _, err := c.Lookup(KindProxy, "nope"); err == nil || !strings.Contains(err.Error(), "goproxy.cn") {
		t.Errorf("Lookup unknown: %v", err)
	}
}
