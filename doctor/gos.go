package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// GoInstall is one go command found along PATH.
type GoInstall struct {
	// Path is the go binary as PATH finds it; Real is it with symlinks
	// resolved.
	Path string `json:"path"`
	Real string `json:"real"`
	// Dir is the PATH entry it was found in; Index that entry's position.
	Dir   string `json:"dir"`
	Index int    `json:"index"`
	// Version is what it reports (go1.22.5), "" when it does not run.
	Version string `json:"version"`
	// GOROOT is its `go env GOROOT`.
	GOROOT string `json:"goroot"`
	// Managed is true for the toolchain gosetup installed.
	Managed bool `json:"managed"`
	// Error says why it did not run.
	Error string `json:"error,omitempty"`
	// Env is its `go env` in the diagnosed environment.
	Env map[string]string `json:"-"`
}

// goEnvKeys are the values doctor asks each go command for.
var goEnvKeys = []string{"GOVERSION", "GOROOT", "GOPATH", "GOBIN", "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY",
	"GONOSUMDB", "GOINSECURE", "GOFLAGS", "GO111MODULE", "GOENV", "GOMODCACHE"}

// findGos lists every go along pathVar, in order, each run once with env
// to learn its version, GOROOT and settings. A binary reached twice (two
// entries, or a symlink) is listed once, at its first place.
//
// TODO(h7): replace with toolchain's installed-Go discovery once it lands.
func findGos(ctx context.Context, pathVar, goos string, env []string, managed []string) []GoInstall {
	exe := "go"
	if goos == "windows" {
		exe = "go.exe"
	}
	seen := map[string]bool{}
	var out []GoInstall
	for i, dir := range pathList(pathVar, goos) {
		if dir == "" || !isAbs(dir, goos) {
			continue // relative entries are their own finding
		}
		p := filepath.Join(dir, exe)
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || goos != "windows" && fi.Mode()&0o111 == 0 {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		g := GoInstall{Path: p, Real: real, Dir: dir, Index: i}
		for _, m := range managed {
			if cleanDir(m, goos) == cleanDir(dir, goos) {
				g.Managed = true
			}
		}
		g.Env, err = goEnv(ctx, p, env)
		if err != nil {
			g.Error = err.Error()
			// A go older than 1.9 has no go env -json, but says its version.
			g.Version = goVersion(ctx, p, env)
		} else {
			g.Version, g.GOROOT = g.Env["GOVERSION"], g.Env["GOROOT"]
		}
		out = append(out, g)
	}
	return out
}

// goEnv runs `go env -json KEYS...` with env, in a temporary directory so
// that no go.mod or go.work of the working directory applies.
func goEnv(ctx context.Context, bin string, env []string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"env", "-json"}, goEnvKeys...)...)
	cmd.Env = env
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg != "" {
			return nil, &goRunError{msg: msg, err: err}
		}
		return nil, &goRunError{msg: err.Error(), err: err}
	}
	m := map[string]string{}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, &goRunError{msg: "go env -json printed no JSON (" + strings.TrimSpace(firstLine(string(out))) + ")", err: err}
	}
	return m, nil
}

// goVersion is what `go version` prints as the version ("go1.8.7"), "".
func goVersion(ctx context.Context, bin string, env []string) string {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = env
	cmd.Dir = os.TempDir()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	if len(f) >= 3 && f[0] == "go" && f[1] == "version" && strings.HasPrefix(f[2], "go") {
		return f[2]
	}
	return ""
}

type goRunError struct {
	msg string
	err error
}

func (e *goRunError) Error() string { return e.msg }
func (e *goRunError) Unwrap() error { return e.err }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
