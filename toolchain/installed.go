package toolchain

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/userenv"
)

// Installed is a go command found on this machine.
type Installed struct {
	// Go is the executable as found (on PATH, or dir/bin/go).
	Go string
	// GOROOT is the installation it belongs to: the directory asked
	// about, or for a go found on PATH the directory above the real
	// file's bin (symbolic links resolved, as the go command finds its
	// own GOROOT).
	GOROOT string
	// Version is what "go version" reports ("go1.22.5"); "" when it
	// does not run or prints something else.
	Version string
	// OnPath is its position among the go commands on PATH (0 runs
	// first; the others are shadowed); -1 when not on PATH.
	OnPath int
}

// GoExe is the go executable's file name on goos.
func GoExe(goos string) string { return "go" + exeSuffix(goos) }

func exeSuffix(goos string) string {
	if goos == "windows" {
		return ".exe"
	}
	return ""
}

// FindGoOnPath is the go that PATH (from getenv, not the process
// environment) runs, or "" if there is none.
func FindGoOnPath(getenv func(string) string) string {
	p, err := userenv.LookPath(getenv, "go")
	if err != nil {
		return ""
	}
	return p
}

// FindInstalled lists every go command on PATH, in order, and then the one
// in each of extraDirs (an install directory) that PATH does not already
// cover, each with its GOROOT and the version it reports. The version
// checks run in parallel and each is bounded by a timeout.
func FindInstalled(ctx context.Context, getenv func(string) string, extraDirs ...string) []Installed {
	var out []Installed
	seen := map[string]bool{}
	add := func(bin string, onPath int, goroot string) {
		real, err := filepath.EvalSymlinks(bin)
		if err != nil {
			return
		}
		key := real
		if runtime.GOOS == "windows" {
			key = strings.ToLower(key)
		}
		if seen[key] {
			return
		}
		seen[key] = true
		if goroot == "" {
			goroot = filepath.Dir(filepath.Dir(real))
		}
		out = append(out, Installed{Go: bin, GOROOT: goroot, OnPath: onPath})
	}
	for i, bin := range userenv.LookPathAll(getenv, "go") {
		add(bin, i, "")
	}
	for _, d := range extraDirs {
		if d != "" {
			add(filepath.Join(d, "bin", GoExe(runtime.GOOS)), -1, d)
		}
	}
	done := make(chan struct{})
	for i := range out {
		go func() {
			out[i].Version = GoVersion(ctx, out[i].Go)
			done <- struct{}{}
		}()
	}
	for range out {
		<-done
	}
	return out
}

// GoVersion returns the Go version a go binary reports ("go1.22.5"), or ""
// if it does not run. GOTOOLCHAIN=local keeps a go.mod in the working
// directory from making it switch toolchains (and download one).
func GoVersion(ctx context.Context, bin string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	cmd.Dir = os.TempDir()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	// "go version go1.22.5 linux/amd64"
	f := strings.Fields(string(bytes.TrimSpace(out)))
	if len(f) >= 3 && f[0] == "go" && f[1] == "version" && dist.IsValid(f[2]) {
		return f[2]
	}
	return ""
}
