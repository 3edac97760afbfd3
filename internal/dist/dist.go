// Package dist knows how Go distributions are named: archive filenames, the
// golang.org/toolchain module versions, and how Go versions order. Both the
// installer and the probe need these facts, so they live here once.
package dist

import (
	"fmt"
	"go/version"
	"runtime"
	"strings"
)

// ToolchainModule is the module path under which every Go release since 1.21
// is published to module proxies.
const ToolchainModule = "golang.org/toolchain"

// Platform is an OS and architecture pair in GOOS/GOARCH spelling.
type Platform struct{ OS, Arch string }

// Host is the platform gosetup runs on.
func Host() Platform { return Platform{OS: runtime.GOOS, Arch: runtime.GOARCH} }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// archiveArch is the architecture as it appears in archive filenames: the
// official site names 32-bit ARM "armv6l" in filenames while GOARCH is "arm".
func (p Platform) archiveArch() string {
	if p.Arch == "arm" {
		return "armv6l"
	}
	return p.Arch
}

// ArchiveExt is ".zip" on Windows and ".tar.gz" elsewhere, as the official
// site publishes them.
func (p Platform) ArchiveExt() string {
	if p.OS == "windows" {
		return ".zip"
	}
	return ".tar.gz"
}

// ArchiveName is the official archive filename, e.g. go1.22.5.linux-amd64.tar.gz.
// goVersion is in "go1.22.5" form.
func ArchiveName(goVersion string, p Platform) string {
	return goVersion + "." + p.OS + "-" + p.archiveArch() + p.ArchiveExt()
}

// ModuleVersion is the golang.org/toolchain module version for a release,
// e.g. v0.0.1-go1.22.5.linux-amd64. The module uses GOARCH spelling ("arm"),
// unlike archive filenames.
func ModuleVersion(goVersion string, p Platform) string {
	return "v0.0.1-" + goVersion + "." + p.OS + "-" + p.Arch
}

// ParseModuleVersion splits a golang.org/toolchain module version into the Go
// version and platform. ok is false for anything else.
func ParseModuleVersion(v string) (goVersion string, p Platform, ok bool) {
	rest, found := strings.CutPrefix(v, "v0.0.1-")
	if !found {
		return "", Platform{}, false
	}
	dash := strings.LastIndex(rest, "-")
	if dash < 0 {
		return "", Platform{}, false
	}
	arch := rest[dash+1:]
	head := rest[:dash]
	dot := strings.LastIndex(head, ".")
	if dot < 0 {
		return "", Platform{}, false
	}
	goVersion, goos := head[:dot], head[dot+1:]
	if !IsValid(goVersion) || goos == "" || arch == "" {
		return "", Platform{}, false
	}
	return goVersion, Platform{OS: goos, Arch: arch}, true
}

// ModuleZipPrefix is the directory every entry of a toolchain module zip sits
// under, in place of the "go/" of an archive.
func ModuleZipPrefix(goVersion string, p Platform) string {
	return ToolchainModule + "@" + ModuleVersion(goVersion, p) + "/"
}

// IsValid reports whether v is a Go release version such as go1.22.5,
// go1.23rc1 or go1.21.0.
func IsValid(v string) bool { return version.IsValid(v) && strings.HasPrefix(v, "go") }

// Compare orders Go versions (go1.21rc1 < go1.21.0 < go1.21.1 < go1.22).
func Compare(a, b string) int { return version.Compare(a, b) }

// IsStable reports whether v is a final release (no rc or beta suffix).
func IsStable(v string) bool {
	return IsValid(v) && !strings.Contains(v, "rc") && !strings.Contains(v, "beta")
}

// Lang returns the language version ("go1.22") of a release.
func Lang(v string) string { return version.Lang(v) }

// Normalize turns "1.22.5" or "go1.22.5" into "go1.22.5" and checks it.
func Normalize(v string) (string, error) {
	if !strings.HasPrefix(v, "go") {
		v = "go" + v
	}
	if !IsValid(v) {
		return "", fmt.Errorf("%q is not a Go version (expected something like 1.22.5 or go1.22.5)", v)
	}
	return v, nil
}
