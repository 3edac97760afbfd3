package shellenv

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// defaultPath is the PATH a new session gets where /etc/environment and
// /etc/login.defs say nothing: Debian's login.defs ENV_PATH.
const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// passEnv are the variables of gosetup's own environment that a new
// terminal would have too: who the user is, the locale, and the XDG
// directories that tell fish and the go command where their files are.
var passEnv = []string{
	"USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
	"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS", "XDG_RUNTIME_DIR",
	"XDG_STATE_HOME", "XDG_CACHE_HOME", "ZDOTDIR",
}

// DefaultEnv is the environment a new terminal would start its shell
// with, not counting HOME: what the session sets from /etc/environment
// (as pam_env does), PATH from there or from /etc/login.defs (or
// /usr/local/bin:/usr/bin:/bin), TERM=dumb, and the user, locale and XDG
// variables of getenv (normally os.Getenv). gosetup's own PATH and GO*
// variables are deliberately not passed: they may have come from the very
// startup files being examined, and would hide what a fresh shell lacks.
func DefaultEnv(getenv Getenv) []string {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	if b, err := os.ReadFile("/etc/environment"); err == nil {
		for k, v := range parseEnvironmentFile(b) {
			set(k, v)
		}
	}
	if _, ok := env["PATH"]; !ok {
		p := defaultPath
		if b, err := os.ReadFile("/etc/login.defs"); err == nil {
			key := "ENV_PATH"
			if os.Geteuid() == 0 {
				key = "ENV_SUPATH"
			}
			if v := loginDefsPath(b, key); v != "" {
				p = v
			}
		}
		set("PATH", p)
	}
	for _, k := range passEnv {
		if v := getenv(k); v != "" {
			set(k, v)
		}
	}
	set("TERM", "dumb")
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+env[k])
	}
	return out
}

// parseEnvironmentFile reads pam_env's /etc/environment: KEY=VALUE lines,
// the value optionally quoted, comments and "export " tolerated.
func parseEnvironmentFile(b []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		l = strings.TrimPrefix(l, "export ")
		k, v, ok := strings.Cut(l, "=")
		if !ok || !validName(k) {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out
}

// loginDefsPath reads "ENV_PATH PATH=/usr/local/bin:/usr/bin" from login.defs.
func loginDefsPath(b []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == key {
			return strings.TrimPrefix(f[1], "PATH=")
		}
	}
	return ""
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}
