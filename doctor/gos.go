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

	"github.com/gosetup/gosetup/toolchain"
)

// GoInstall is one go command found along PATH.
type GoInstall struct {
	// Path is the go binary as PATH finds it; Real is it with symlinks
	// resolved.
	Path string `json:"path"`
	Real string `json:"real"`
	// Dir is the PATH entry it was found in; Index its position among
	// the go commands on PATH (0 runs).
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

// findGos lists every go along the diagnosed PATH, in order
// (toolchain.FindInstalled: one PATH search, PATHEXT on Windows), each
// then asked `go env -json` with env for the settings it sees.
func findGos(ctx context.Context, getenv func(string) string, goos string, env []string, managed []string) []GoInstall {
	var out []GoInstall
	for _, in := range toolchain.FindInstalled(ctx, getenv) {
		if in.OnPath < 0 {
			continue
		}
		g := GoInstall{Path: in.Go, Dir: filepath.Dir(in.Go), Index: in.OnPath, Version: in.Version, GOROOT: in.GOROOT}
		g.Real, _ = filepath.EvalSymlinks(in.Go)
		for _, m := range managed {
			if cleanDir(m, goos) == cleanDir(g.Dir, goos) {
				g.Managed = true
			}
		}
		m, err := goEnv(ctx, in.Go, env)
		if err != nil {
			g.Error = err.Error()
		} else {
			g.Env = m
			if v := m["GOVERSION"]; v != "" {
				g.Version = v
			}
			if r := m["GOROOT"]; r != "" {
				g.GOROOT = r
			}
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
