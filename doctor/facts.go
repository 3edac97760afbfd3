package doctor

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/envwriter"
)

// processView is the name of the view of gosetup's own environment.
const processView = "this environment"

// Facts is everything the checks read, gathered once per Run.
type Facts struct {
	opts    Options
	GOOS    string
	Home    string
	getenv  func(string) string
	env     envwriter.Env
	started time.Time

	// Gos are the go commands along PATH, in PATH order.
	Gos []GoInstall
	// State is gosetup's record (empty when it wrote nothing).
	State *envwriter.State
	// ConfigDir is gosetup's config dir.
	ConfigDir string
	// Views are the environments checked: this process's first, then
	// each fresh shell's.
	Views []*View
	// ShellErr says why the fresh shells could not be started.
	ShellErr error

	releasesOnce sync.Once
	releases     *releaseInfo

	winOnce  sync.Once
	win      *WinPaths
	winErr   error
	netOnce  sync.Once
	net      *netResult
	deadline time.Time
}

// View is one environment: this process's or a fresh shell's.
type View struct {
	Name   string // processView, or "bash login"
	Shell  string
	Mode   string
	Getenv func(string) string
	// Go is the go command found there, "" for none.
	Go        string
	GoVersion string
	// GoEnv is what that go command's `go env` says there.
	GoEnv       map[string]string
	Assignments []Assignment
	Err         string
}

func (v *View) isProcess() bool { return v.Shell == "" }

func gather(ctx context.Context, opts Options, checks []Check) (*Facts, error) {
	env := opts.Env
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.GOOS == "" {
		env.GOOS = runtime.GOOS
	}
	if env.Home == "" {
		if h := env.Getenv("HOME"); h != "" && env.GOOS != "windows" {
			env.Home = h
		} else if h := env.Getenv("USERPROFILE"); h != "" && env.GOOS == "windows" {
			env.Home = h
		} else if h, err := os.UserHomeDir(); err == nil {
			env.Home = h
		}
	}
	if env.Shells == nil && env.GOOS != "windows" {
		env.Shells = envwriter.DetectShells(env)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	f := &Facts{opts: opts, GOOS: env.GOOS, Home: env.Home, getenv: env.Getenv, env: env, started: time.Now()}
	f.deadline = f.started.Add(timeout)
	if cfg, err := envwriter.ConfigDir(env); err == nil {
		f.ConfigDir = cfg
		if st, err := envwriter.LoadState(envwriter.StatePath(cfg)); err == nil {
			f.State = st
		}
	}
	if f.State == nil {
		f.State = &envwriter.State{}
	}
	f.Gos = findGos(ctx, f.getenv, f.GOOS, f.goChildEnv(f.getenv), f.managedDirs())
	pv := &View{Name: processView, Getenv: f.getenv}
	if len(f.Gos) > 0 {
		g := f.Gos[0]
		pv.Go, pv.GoVersion, pv.GoEnv = g.Path, g.Version, g.Env
	}
	f.Views = []*View{pv}
	if opts.Shells != nil && needsShells(checks) {
		views, err := opts.Shells(ctx, env)
		f.ShellErr = err
		for _, sv := range views {
			m := sv.Env
			f.Views = append(f.Views, &View{
				Name: sv.Shell + " " + sv.Mode, Shell: sv.Shell, Mode: sv.Mode,
				Getenv: func(k string) string { return m[k] },
				Go:     sv.Go, GoVersion: sv.GoVersion, GoEnv: sv.GoEnv,
				Assignments: sv.Assignments, Err: sv.Err,
			})
		}
	}
	// The network checks and the release list run at once, under one
	// deadline, while the local checks run.
	if !opts.Offline && needsNet(checks) {
		go f.netOnce.Do(func() { f.net = f.probeNet(ctx) })
	}
	if needsReleases(checks) {
		go f.releasesOnce.Do(func() { f.releases = f.loadReleases(ctx) })
	}
	return f, nil
}

func needsShells(cs []Check) bool {
	// Every check that reads an environment is better for the fresh
	// shells' views; only the network and Windows ones do without.
	for _, c := range cs {
		if !c.Network && !strings.HasPrefix(c.ID, "windows.") {
			return true
		}
	}
	return false
}

func needsNet(cs []Check) bool {
	return slices.ContainsFunc(cs, func(c Check) bool { return c.Network })
}

func needsReleases(cs []Check) bool {
	return slices.ContainsFunc(cs, func(c Check) bool {
		return c.ID == "security.go-patch" || c.ID == "security.go-supported" || c.ID == "path.go-shadowed"
	})
}

// managedDirs are the PATH directories gosetup put first.
func (f *Facts) managedDirs() []string {
	if f.State != nil && f.State.Settings != nil {
		return f.State.Settings.Path
	}
	return nil
}

// toolchainDir is the toolchain gosetup installed, "" when none.
func (f *Facts) toolchainDir() string {
	if f.State != nil {
		return f.State.Toolchain
	}
	return ""
}

// goEnvNames are the variables a go child process needs to read the same
// settings the user's go would, and nothing of gosetup's own process:
// doctor may diagnose an environment other than its own (tests, the
// wizard on another HOME).
var goEnvNames = []string{
	"PATH", "HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
	"SystemRoot", "TMPDIR", "TEMP", "TMP", "PATHEXT",
	"GOENV", "GOROOT", "GOPATH", "GOBIN", "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB",
	"GOINSECURE", "GOFLAGS", "GO111MODULE", "GOCACHE", "GOMODCACHE", "GOAUTH", "GOVCS", "GOTELEMETRY",
}

// goChildEnv builds the environment to run a go command in: the values
// getenv gives for goEnvNames, with GOTOOLCHAIN=local so that a go.env or
// Go env file naming a newer toolchain never makes doctor download one.
// GOTOOLCHAIN itself is read from the sources instead (see resolve).
func (f *Facts) goChildEnv(getenv func(string) string) []string {
	var out []string
	for _, k := range goEnvNames {
		if v := getenv(k); v != "" {
			out = append(out, k+"="+v)
		}
	}
	return append(out, "GOTOOLCHAIN=local")
}

// pathList is a view's PATH split into entries (empty ones kept).
func pathList(v string, goos string) []string {
	if v == "" {
		return nil
	}
	if goos == "windows" {
		return strings.Split(v, ";")
	}
	return strings.Split(v, ":")
}

func listSep(goos string) string {
	if goos == "windows" {
		return ";"
	}
	return ":"
}

// isAbs is filepath.IsAbs for goos.
func isAbs(p, goos string) bool {
	if goos == "windows" {
		return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
	}
	return strings.HasPrefix(p, "/")
}

// cleanDir is filepath.Clean for comparing directories on goos.
func cleanDir(p, goos string) string {
	if goos == "windows" {
		return strings.ToLower(strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`))
	}
	return filepath.Clean(p)
}

// remaining is the time left before the network deadline.
func (f *Facts) remaining() time.Duration {
	return time.Until(f.deadline)
}
