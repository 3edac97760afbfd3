package doctor

import (
	"context"
	"net/http"
	"time"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
)

// DefaultTimeout bounds all of doctor's network checks together.
const DefaultTimeout = 5 * time.Second

// Options says what to check and in which world.
type Options struct {
	// Env is the environment to diagnose (zero: this process's).
	Env envwriter.Env
	// Checks are the ids to run; empty runs all. A family name
	// ("security") selects all of its checks.
	Checks []string
	// Offline skips the checks that need the network, and makes the
	// release list come from the cache only.
	Offline bool
	// Client and Catalog reach the release sources and name the
	// checksum databases' keys (nil: httpx's client, the built-in
	// catalogue).
	Client  *http.Client
	Catalog *catalog.Catalog
	// Timeout is the one deadline for every network check and the release
	// list together (0: DefaultTimeout).
	Timeout time.Duration
	// CacheDir keeps the last release list, for --offline and for when no
	// release source answers ("": no cache).
	CacheDir string
	// Shells starts the installed shells fresh and reports what each sees;
	// nil leaves out the per-shell checks.
	Shells ShellTracer
	// WinPaths reads the Windows user and system Path (nil: the registry
	// on Windows, nothing elsewhere).
	WinPaths func() (*WinPaths, error)
	// FreshOnly judges only the fresh shells' environments, not gosetup's
	// own (which a repair cannot change: it is the old terminal's), when
	// any fresh shell could be started.
	FreshOnly bool
	// ZProfile is macOS's system zprofile ("" : /etc/zprofile).
	ZProfile string
}

// ShellTracer starts each installed shell fresh, as login and as
// interactive shell, and reports what it saw. The shellenv package
// provides the real one.
type ShellTracer func(ctx context.Context, env envwriter.Env) ([]ShellView, error)

// ShellView is what one fresh shell saw.
type ShellView struct {
	Shell string // bash, zsh, fish, dash, sh, ksh
	Mode  string // login or interactive
	// Env is the exported environment at the end of startup.
	Env map[string]string
	// Go is the go command it finds ("" for none); GoVersion what it
	// reports; GoEnv the GO* values that go command sees there.
	Go        string
	GoVersion string
	GoEnv     map[string]string
	// Assignments are the assignments of PATH, GOROOT, GOPATH and GO*
	// the shell executed, in order.
	Assignments []Assignment
	// Err says why the shell could not be traced ("" when it was).
	Err string
}

// Assignment is one assignment a shell executed (or, where it could not
// be traced, that a parser found).
type Assignment struct {
	Name   string
	Value  string // the value after the assignment
	File   string
	Line   int
	Export bool
}

// WinPaths are the two Windows Path values.
type WinPaths struct {
	User, System WinValue
	// UserGo are the GO* values in HKCU\Environment: every new process
	// gets them, so they shadow the Go env file.
	UserGo []WinValue
	// Expand looks up a %VAR% as Windows would expand it.
	Expand func(string) (string, bool)
}

// WinValue is one registry value.
type WinValue struct {
	Key    string // HKCU\Environment\Path
	Name   string // Path, GOPROXY
	Exists bool
	Expand bool // REG_EXPAND_SZ (false: REG_SZ)
	Data   string
	// OtherType is its registry type when it exists but is neither
	// REG_SZ nor REG_EXPAND_SZ (REG_DWORD, REG_MULTI_SZ, ...): then Data
	// is empty, as Windows reads no text from it, and Raw holds its bytes.
	OtherType uint32
	// Raw is its exact bytes in the form of a registry record's prior
	// (envwriter.PathValue.Raw), for checking that it has not changed:
	// Data, the text Windows reads, is the same for values whose bytes
	// differ (no terminating NUL, bytes after it).
	Raw string
}
