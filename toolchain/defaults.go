package toolchain

import (
	"os"
	"path/filepath"

	"github.com/gosetup/gosetup/internal/userenv"
)

// DefaultDir is where gosetup installs Go when --dir is not given:
//
//   - root on Linux or macOS: /usr/local/go, the official location that
//     the go.dev instructions and most Dockerfiles expect;
//   - Windows: %LOCALAPPDATA%\gosetup\go (per user; no administrator rights);
//   - anyone else: $XDG_DATA_HOME/gosetup/go, by default
//     ~/.local/share/gosetup/go, so no sudo is needed and ~/go (GOPATH) is
//     left alone.
//
// getenv is passed in so the choice is testable; isRoot is the caller's
// effective-uid check.
func DefaultDir(goos string, isRoot bool, getenv func(string) string) string {
	join := filepath.Join
	if goos == "windows" {
		join = windowsJoin
		if base := getenv("LOCALAPPDATA"); base != "" {
			return join(base, "gosetup", "go")
		}
		if home := getenv("USERPROFILE"); home != "" {
			return join(home, "AppData", "Local", "gosetup", "go")
		}
		return join(`C:\`, "gosetup", "go")
	}
	if isRoot && (goos == "linux" || goos == "darwin") {
		return "/usr/local/go"
	}
	if base := getenv("XDG_DATA_HOME"); base != "" && filepath.IsAbs(base) {
		return join(base, "gosetup", "go")
	}
	return join(homeDir(goos, getenv), ".local", "share", "gosetup", "go")
}

// CacheEnvVar overrides the cache directory.
const CacheEnvVar = "GOSETUP_CACHE"

// DefaultCacheDir is where gosetup keeps its download cache (a partial module
// zip that a later run resumes) and the checksum database's verified tiles:
// $GOSETUP_CACHE if set, else the platform's user cache directory plus
// "gosetup" ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
// %LOCALAPPDATA% on Windows), as os.UserCacheDir defines them.
func DefaultCacheDir(goos string, getenv func(string) string) string {
	if d := getenv(CacheEnvVar); d != "" {
		return d
	}
	switch goos {
	case "windows":
		if base := getenv("LOCALAPPDATA"); base != "" {
			return windowsJoin(base, "gosetup", "cache")
		}
		return windowsJoin(homeDir(goos, getenv), "AppData", "Local", "gosetup", "cache")
	case "darwin", "ios":
		return filepath.Join(homeDir(goos, getenv), "Library", "Caches", "gosetup")
	}
	if base := getenv("XDG_CACHE_HOME"); base != "" && filepath.IsAbs(base) {
		return filepath.Join(base, "gosetup")
	}
	return filepath.Join(homeDir(goos, getenv), ".cache", "gosetup")
}

// homeDir is the one home-directory resolver (internal/userenv), falling
// back to the temporary directory: a default path must always exist.
func homeDir(goos string, getenv func(string) string) string {
	if h, err := userenv.Home(goos, getenv); err == nil {
		return h
	}
	return os.TempDir()
}

// windowsJoin joins with backslashes whatever OS gosetup was built for, so
// that the documented Windows defaults are testable on Linux.
func windowsJoin(elem ...string) string {
	out := ""
	for i, e := range elem {
		if i > 0 && len(out) > 0 && out[len(out)-1] != '\\' {
			out += `\`
		}
		out += e
	}
	return out
}

// IsRoot reports whether gosetup runs with an effective uid of 0 (always
// false on Windows, where os.Geteuid returns -1).
func IsRoot() bool { return os.Geteuid() == 0 }
