package tui

import (
	"context"
	"time"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/toolchain"
)

// Backend is the setup flow the wizard drives. The commands drive the same
// code: the wizard only asks, shows and passes the user's choices on, so
// nothing of the flow lives in this package. Every method may be called
// from a goroutine other than the program's; none may write to a terminal.
type Backend interface {
	// Detect reads this machine without touching the network.
	Detect(ctx context.Context) (*Detection, error)
	// Doctor runs doctor's checks (with their one network deadline).
	Doctor(ctx context.Context) (*DoctorSummary, error)
	// Releases lists the Go releases installable here.
	Releases(ctx context.Context) (*Releases, error)
	// ProbeTargets lists the mirrors Probe will report, so every row can be
	// drawn before the first answer, and the probe's deadline.
	ProbeTargets() ([]probe.Result, time.Duration, error)
	// Probe probes every mirror; onResult follows probe.Run's contract and
	// must not block.
	Probe(ctx context.Context, onResult func(probe.Result)) (*probe.Report, error)
	// Choose turns the probe's report and the user's picks into settings
	// and a download source (what `--proxy auto` does for the commands).
	Choose(rep *probe.Report, picks Picks) Mirrors
	// Plan works out every file and registry change for the choices,
	// without writing anything.
	Plan(ctx context.Context, c Choices) (*envwriter.Plan, error)
	// Install puts the chosen toolchain in place and then writes the
	// settings, returning the plan it applied. progress is called as
	// toolchain.Installer.Progress is and must not block. On an error or
	// a cancelled ctx the target is left exactly as it was.
	Install(ctx context.Context, c Choices, progress func(toolchain.Event)) (*toolchain.Result, *envwriter.Plan, error)
	// Apply writes a plan made by Plan (when nothing is installed).
	Apply(ctx context.Context, p *envwriter.Plan) error
	// Check proves the result in a fresh login shell of the user's shell.
	Check(ctx context.Context, c Choices) (*Check, error)
	// Activate is the command that loads the written settings into a
	// running shell of the given family, in its own syntax ("" when a new
	// terminal is the only way, as on Windows).
	Activate(p *envwriter.Plan, shell string) string
	// ValidatePrivate checks a GOPRIVATE value as the go command would.
	ValidatePrivate(s string) error
}

// Detection is what is on this machine before anything changes.
type Detection struct {
	Platform string // "linux/amd64"
	// Gos lists every go along PATH, in PATH order.
	Gos []InstalledGo
	// Shells are the shell families installed; LoginShell is $SHELL's.
	Shells     []string
	LoginShell string
	// StartupFiles are the shell startup files that exist.
	StartupFiles []string
	// Settings are the effective GO* values and their sources.
	Settings []envwriter.Effective
	// Dir is where the toolchain goes; Existing is what is there now.
	Dir      string
	Existing toolchain.Existing
	// Undo is the command that undoes everything gosetup writes.
	Undo string
	// Home abbreviates paths in the views ("~/.profile").
	Home string
	// GOOS is the platform the settings are written for.
	GOOS string
}

// InstalledGo is one go command found on PATH.
type InstalledGo struct {
	Path    string
	Version string // "" when it did not run
}

// DoctorSummary is doctor's verdict in counts, with the findings.
type DoctorSummary struct {
	OK, Warn, Fail int
	// Findings are the warnings and failures, worst first. They carry the
	// check's id, not a title, so that the wizard can name each in its own
	// language.
	Findings []DoctorFinding
	// CanRepair is set when the wizard can lead to a repair of them.
	CanRepair bool
}

// DoctorFinding is one warning or failure of doctor's.
type DoctorFinding struct {
	// Check is doctor's stable check id ("go.found").
	Check string
	// Fail is set for a failure; otherwise it is a warning.
	Fail bool
	// Detail is doctor's own one-line message (English, free-form).
	Detail string
}

// Releases are the installable versions, newest first.
type Releases struct {
	List []toolchain.Release
	// Latest is the newest stable release.
	Latest string
	// Warnings are sources that failed while others answered.
	Warnings []string
}

// Picks are the rows the user chose on the mirrors screen; empty means
// the recommendation.
type Picks struct {
	Archive string // an archive mirror's URL
	Proxy   string // a module proxy's URL
}

// Mirrors is what the probe and the picks settle on.
type Mirrors struct {
	// Source and Mirror say where the toolchain is downloaded from.
	Source toolchain.Source
	Mirror string
	// GOPROXY and GOSUMDB are the values to write; "" keeps the current.
	GOPROXY, GOSUMDB string
	// Reason says why, in the probe's words.
	Reason string
	// ArchiveURL and ProxyURL are the probed rows these come from, so the
	// table can mark them ("" when none).
	ArchiveURL, ProxyURL string
}

// Mode is what the user chose on the first screen.
type Mode int

const (
	ModeProceed Mode = iota
	ModeCustomize
	ModeRepair
	ModeMirrorsOnly
	ModeCancel
)

// Choices are everything the user decided; the zero value of a field
// means the recommendation.
type Choices struct {
	Mode    Mode
	Release toolchain.Release
	Dir     string
	Mirrors Mirrors
	// GOPRIVATE is written when set; Private tells whether the user was
	// asked at all (an empty answer then keeps the current value).
	GOPRIVATE string
	// Install is false in mirrors-only mode.
	Install bool
}

// Check is the proof in a fresh login shell.
type Check struct {
	Shell string // the shell that was started ("bash -l")
	Steps []CheckStep
}

// CheckStep is one command run in the fresh shell.
type CheckStep struct {
	Command string // as the user would type it
	Output  string // its output, trimmed
	Err     error
}

// OK reports whether every step passed.
func (c *Check) OK() bool {
	if c == nil || len(c.Steps) == 0 {
		return false
	}
	for _, s := range c.Steps {
		if s.Err != nil {
			return false
		}
	}
	return true
}
