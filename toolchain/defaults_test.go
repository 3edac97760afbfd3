package toolchain

import (
	"path/filepath"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		goos   string
		root   bool
		getenv func(string) string
		want   string
	}{
		{"linux", true, env("HOME", "/root"), "/usr/local/go"},
		{"darwin", true, env("HOME", "/var/root"), "/usr/local/go"},
		{"linux", false, env("HOME", "/home/ann"), filepath.Join("/home/ann", ".local", "share", "gosetup", "go")},
		{"linux", false, env("HOME", "/home/ann", "XDG_DATA_HOME", "/data"), filepath.Join("/data", "gosetup", "go")},
		{"linux", false, env("HOME", "/home/ann", "XDG_DATA_HOME", "relative"), filepath.Join("/home/ann", ".local", "share", "gosetup", "go")},
		{"darwin", false, env("HOME", "/Users/ann"), filepath.Join("/Users/ann", ".local", "share", "gosetup", "go")},
		{"freebsd", true, env("HOME", "/root"), filepath.Join("/root", ".local", "share", "gosetup", "go")},
		{"windows", false, env("LOCALAPPDATA", `C:\Users\ann\AppData\Local`), `C:\Users\ann\AppData\Local\gosetup\go`},
		{"windows", true, env("USERPROFILE", `C:\Users\ann`), `C:\Users\ann\AppData\Local\gosetup\go`},
	} {
		if got := DefaultDir(c.goos, c.root, c.getenv); got != c.want {
			t.Errorf("DefaultDir(%s, root=%v) = %q, want %q", c.goos, c.root, got, c.want)
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	m := map[string]string{"HOME": "/home/ann"}
	getenv := func(k string) string { return m[k] }
	if got, want := DefaultCacheDir("linux", getenv), filepath.Join("/home/ann", ".cache", "gosetup"); got != want {
		t.Errorf("linux: %q, want %q", got, want)
	}
	if got, want := DefaultCacheDir("darwin", getenv), filepath.Join("/home/ann", "Library", "Caches", "gosetup"); got != want {
		t.Errorf("darwin: %q, want %q", got, want)
	}
	m["LOCALAPPDATA"] = `C:\L`
	if got, want := DefaultCacheDir("windows", getenv), `C:\L\gosetup\cache`; got != want {
		t.Errorf("windows: %q, want %q", got, want)
	}
	m["XDG_CACHE_HOME"] = "/xdg"
	if got, want := DefaultCacheDir("linux", getenv), filepath.Join("/xdg", "gosetup"); got != want {
		t.Errorf("XDG_CACHE_HOME: %q, want %q", got, want)
	}
	m[CacheEnvVar] = "/mine"
	if got := DefaultCacheDir("linux", getenv); got != "/mine" {
		t.Errorf("%s: %q", CacheEnvVar, got)
	}
}
