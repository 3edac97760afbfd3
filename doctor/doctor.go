// Package doctor finds what is wrong with a Go setup and says where each
// problem comes from: the file and line of a startup file, a registry value,
// the Go env file, $GOROOT/go.env or the process environment.
//
// Every check has a stable id (path.go-shadowed, security.cve-2026-42501,
// ...) and yields findings with a severity, what was found, its sources,
// what to do, and whether `gosetup repair` can fix it. `gosetup doctor`, the
// wizard's first screen and `gosetup repair` all call Run; none of them
// holds a check of its own.
package doctor

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Severity orders findings: ok < warn < fail.
type Severity string

const (
	OK   Severity = "ok"
	Warn Severity = "warn"
	Fail Severity = "fail"
)

func (s Severity) rank() int {
	switch s {
	case Warn:
		return 1
	case Fail:
		return 2
	}
	return 0
}

// Worse reports whether s is more serious than t.
func (s Severity) Worse(t Severity) bool { return s.rank() > t.rank() }

// Source kinds: where a value comes from.
const (
	SourceFile     = "file"           // a startup file or a file it sources: File and Line
	SourceGoEnv    = "goenv"          // the Go env file (go env -w): File and Line
	SourceGOROOT   = "goroot-env"     // $GOROOT/go.env: File and Line
	SourceRegistry = "registry"       // a Windows registry value: Key
	SourceProcess  = "process-env"    // the environment gosetup runs in, origin unknown
	SourceDefault  = "default"        // the go command's built-in default
	SourcePath     = "path"           // a file or directory on disk: File
	SourceShell    = "shell"          // what a fresh shell reported: Shell
	SourceNetwork  = "network"        // what a server answered: Key is the URL
	SourceRelease  = "release-source" // the Go release list: Key names the source
)

// Source is one place a finding comes from.
type Source struct {
	Kind string `json:"kind"`
	// File and Line locate a file source (Line 0: the whole file).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Key is a registry value (HKCU\Environment\Path), a variable name
	// for the process environment, or a URL.
	Key string `json:"key,omitempty"`
	// Shell names the fresh shell ("bash login") in which this was seen.
	Shell string `json:"shell,omitempty"`
	// Text is what is there: the line, the value.
	Text string `json:"text,omitempty"`
}

// String is the source as a user reads it: file:line, or the key.
func (s Source) String() string {
	switch {
	case s.File != "" && s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	case s.File != "":
		return s.File
	case s.Kind == SourceRegistry:
		return s.Key
	case s.Kind == SourceProcess:
		if s.Key != "" {
			return "$" + s.Key + " in gosetup's environment"
		}
		return "gosetup's environment"
	case s.Kind == SourceShell:
		return s.Shell
	case s.Kind == SourceDefault:
		return "the go command's default"
	case s.Key != "":
		return s.Key
	}
	return s.Kind
}

// Finding is one result of a check.
type Finding struct {
	// Check is the id of the check that made it.
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Message says what was found, in one line.
	Message string `json:"message"`
	// Sources say where it comes from, most important first.
	Sources []Source `json:"sources"`
	// Fix says what to do ("" for ok findings).
	Fix string `json:"fix,omitempty"`
	// Repairable is true when `gosetup repair` fixes it.
	Repairable bool `json:"repairable"`
	// Shells lists the fresh shells in which it was seen ("bash login");
	// empty when it is not about a shell.
	Shells []string `json:"shells,omitempty"`
	// Repair carries what repair needs, in the check's own terms; it is
	// not part of the JSON schema.
	Repair *RepairHint `json:"-"`
}

// RepairHint tells repair what to change for a finding.
type RepairHint struct {
	// Lines are startup-file lines (outside gosetup's block) to remove or
	// rewrite.
	Lines []LineFix
	// PathFirst is the directory to put first on PATH through gosetup's
	// block.
	PathFirst string
	// AddPath is a directory to add to PATH (after PathFirst).
	AddPath string
	// DropPath are PATH entries to take out, wherever they come from.
	DropPath []string
	// WinPath asks for the Windows user Path to be rewritten.
	WinPath bool
	// WinGoEnv are GO* values to move from HKCU\Environment to the Go
	// env file.
	WinGoEnv []string
	// Rewrite asks for gosetup's blocks and env scripts to be written
	// again from its record.
	Rewrite bool
	// GoEnvUnset are Go env file keys to remove (go env -u).
	GoEnvUnset []string
	// BlocksLast asks for gosetup's block to move to the end of each
	// startup file, after the user's lines that put another go first.
	BlocksLast bool
}

// LineFix is one assignment to take out of a file: the whole line when it
// does nothing else, else just the assignment.
type LineFix struct {
	File string
	Line int
	Name string // the variable assigned
}

// Check is one diagnosis.
type Check struct {
	ID      string
	Summary string
	// Network is true for checks that need the network (skipped with
	// Offline).
	Network bool
	run     func(ctx context.Context, f *Facts) []Finding
}

// Report is what Run found.
type Report struct {
	Findings []Finding `json:"findings"`
	// Checks are the ids that ran.
	Checks []string `json:"checks"`
	// Skipped are the ids not run, with the reason.
	Skipped []Skip `json:"skipped"`
	// Shells summarises each fresh shell: which go it finds.
	Shells []ShellSummary `json:"shells"`
	// Gos are the go commands found along PATH, in order.
	Gos []GoInstall `json:"gos"`

	facts *Facts // for Actions
}

// Skip is a check that did not run.
type Skip struct {
	Check  string `json:"check"`
	Reason string `json:"reason"`
}

// ShellSummary is one fresh shell's view.
type ShellSummary struct {
	Shell string `json:"shell"`
	Mode  string `json:"mode"` // login or interactive
	Go    string `json:"go"`   // the go it finds, "" for none
	// GoVersion is what that go reports.
	GoVersion string `json:"go_version,omitempty"`
	// Env are the GO* values that go command sees there.
	Env   map[string]string `json:"env,omitempty"`
	Error string            `json:"error,omitempty"`
}

// Worst is the most serious severity among the findings.
func (r *Report) Worst() Severity {
	w := OK
	for _, f := range r.Findings {
		if f.Severity.Worse(w) {
			w = f.Severity
		}
	}
	return w
}

// Checks lists every check, in the order they run and are shown.
func Checks() []Check {
	return []Check{
		{ID: "go.found", Summary: "a go command is on PATH (and why not, when it is not)", run: checkGoFound},
		{ID: "path.go-shadowed", Summary: "the first go on PATH is the one gosetup installed, and the newest", run: checkGoShadowed},
		{ID: "shell.fresh", Summary: "each installed shell, started fresh as login and interactive shell, finds the same go and GO* values", run: checkShells},
		{ID: "security.go-patch", Summary: "the go on PATH has the newest patch release of its minor line", run: checkGoPatch},
		{ID: "security.go-supported", Summary: "the go on PATH is a release the Go project still supports", run: checkGoSupported},
		{ID: "security.cve-2026-42501", Summary: "no third-party GOPROXY with a go older than go1.25.10 / go1.26.3 (proxy can bypass the checksum database)", run: checkCVE202642501},
		{ID: "security.sumdb-off", Summary: "GOSUMDB is not off", run: checkSumDBOff},
		{ID: "security.public-unverified", Summary: "GOPRIVATE, GONOSUMDB and GOINSECURE do not cover public modules", run: checkPublicUnverified},
		{ID: "security.path-cwd", Summary: "PATH has no empty entry and no '.' (they run programs from the current directory)", run: checkPathCwd},
		{ID: "path.hygiene", Summary: "PATH entries exist, are absolute and appear once", run: checkPathHygiene},
		{ID: "path.gopath-bin", Summary: "GOPATH's bin is on PATH, so tools from go install are found", run: checkGopathBin},
		{ID: "goroot.exported", Summary: "GOROOT is not exported (the go command finds its own root)", run: checkGorootExported},
		{ID: "goroot.gopath", Summary: "GOPATH is not GOROOT or inside it", run: checkGopathInGoroot},
		{ID: "env.syntax", Summary: "GOPROXY, GOSUMDB, GOPRIVATE, GONOPROXY, GONOSUMDB, GOFLAGS, GO111MODULE and GOTOOLCHAIN are well-formed", run: checkEnvSyntax},
		{ID: "env.shadowed", Summary: "no startup-file export shadows the Go env file or another startup file", run: checkEnvShadowed},
		{ID: "env.go111module", Summary: "GO111MODULE is not off", run: checkGO111Module},
		{ID: "net.proxy", Summary: "each GOPROXY entry answers as a module proxy", Network: true, run: checkNetProxy},
		{ID: "net.sumdb", Summary: "the checksum database is reachable, directly or through the proxy", Network: true, run: checkNetSumDB},
		{ID: "startup.blocks", Summary: "gosetup's blocks and env scripts are present and intact", run: checkStartupBlocks},
		{ID: "startup.syntax", Summary: "startup files pass the shell's own syntax check (bash -n, zsh -n, fish -n)", run: checkStartupSyntax},
		{ID: "windows.path-type", Summary: "Windows: a user Path holding %VAR% is REG_EXPAND_SZ", run: checkWinPathType},
		{ID: "windows.path-length", Summary: "Windows: the Path fits what cmd.exe accepts", run: checkWinPathLength},
		{ID: "windows.path-duplicates", Summary: "Windows: no entry is in both the user and the system Path", run: checkWinPathDuplicates},
		{ID: "windows.path-entries", Summary: "Windows: every user Path entry names a directory, and gosetup's come first", run: checkWinPathEntries},
		{ID: "windows.go-env", Summary: "Windows: no GO* value in HKCU\\Environment shadows the Go env file (except gosetup's own)", run: checkWinGoEnv},
		{ID: "windows.system-go", Summary: "Windows: no Go in the system Path comes before the user Path", run: checkWinSystemGo},
		{ID: "macos.path-helper", Summary: "macOS: path_helper in /etc/zprofile does not reorder a PATH set in ~/.zshenv", run: checkPathHelper},
	}
}

// UnknownCheckError is Select's answer for an id that names no check.
type UnknownCheckError struct{ ID string }

func (e *UnknownCheckError) Error() string { return fmt.Sprintf("no check named %q", e.ID) }

// Select returns the checks named by ids (all when ids is empty), or an
// *UnknownCheckError for an unknown id.
func Select(ids []string) ([]Check, error) {
	all := Checks()
	if len(ids) == 0 {
		return all, nil
	}
	var out []Check
	for _, id := range ids {
		i := slices.IndexFunc(all, func(c Check) bool { return c.ID == id })
		if i < 0 {
			var known []string
			for _, c := range all {
				if strings.HasPrefix(c.ID, id+".") {
					known = append(known, c.ID)
				}
			}
			if len(known) > 0 && !strings.Contains(id, ".") {
				// A family name ("security") selects all of its checks.
				for _, k := range known {
					j := slices.IndexFunc(all, func(c Check) bool { return c.ID == k })
					if !slices.ContainsFunc(out, func(c Check) bool { return c.ID == k }) {
						out = append(out, all[j])
					}
				}
				continue
			}
			return nil, &UnknownCheckError{ID: id}
		}
		if !slices.ContainsFunc(out, func(c Check) bool { return c.ID == id }) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Run gathers the facts and runs the checks opts selects.
func Run(ctx context.Context, opts Options) (*Report, error) {
	checks, err := Select(opts.Checks)
	if err != nil {
		return nil, err
	}
	f, err := gather(ctx, opts, checks)
	if err != nil {
		return nil, err
	}
	r := &Report{Gos: f.Gos, Shells: f.shellSummaries(), facts: f}
	for _, c := range checks {
		if c.Network && opts.Offline {
			r.Skipped = append(r.Skipped, Skip{Check: c.ID, Reason: "offline"})
			continue
		}
		if err := ctx.Err(); err != nil {
			return r, err
		}
		r.Checks = append(r.Checks, c.ID)
		for _, fd := range c.run(ctx, f) {
			fd.Check = c.ID
			if fd.Sources == nil {
				fd.Sources = []Source{}
			}
			r.Findings = append(r.Findings, fd)
		}
	}
	// Within a check, the worst first; the checks keep their order.
	order := map[string]int{}
	for i, c := range checks {
		order[c.ID] = i
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Check != b.Check {
			return order[a.Check] < order[b.Check]
		}
		return a.Severity.rank() > b.Severity.rank()
	})
	return r, nil
}

func ok(msg string, src ...Source) Finding {
	return Finding{Severity: OK, Message: msg, Sources: src}
}
