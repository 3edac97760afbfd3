package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/toolchain"
)

// Text holds every string the wizard shows, in one language. Each language
// is one value of this type, in its own file (text_en.go, text_zh.go); a
// test checks that none leaves a field empty. Format strings take their
// arguments in the order the comment gives.
type Text struct {
	Title   string
	Steps   [7]string // detect, version, mirrors, private, review, install, done
	StepOf  string    // step, total
	Loading string
	Error   string // error

	// Keys (help labels).
	KeyUp, KeyDown, KeyFilter, KeyEnter, KeyBack, KeyQuit, KeyHelp  string
	KeyReprobe, KeySelect, KeyScroll, KeyClearFilter, KeyYes, KeyNo string

	// Where a setting comes from (envwriter's Source constants), and the
	// download channels.
	SrcDefault, SrcGOROOT, SrcGoEnv, SrcEnv, SrcStartup string
	ChanArchive, ChanModule, ChanAuto                   string

	// Detect screen.
	DetectLooking   string
	ThisMachine     string
	System          string // platform
	GoOnPath        string
	NoGoOnPath      string
	GoDoesNotRun    string
	ShellsLine      string // shells, login shell
	UnknownShell    string
	StartupFiles    string
	NoStartupFiles  string
	CurrentSettings string
	SettingFrom     string // name, value, source
	GoLine          string // the go commands, on one line
	Unset           string
	Doctor          string
	DoctorRunning   string
	DoctorFailed    string // error
	DoctorMore      string // n
	DoctorCounts    string // ok, warn, fail
	ThePlan         string
	PlanInstall     string // version
	PlanInstallWait string
	PlanInto        string // dir
	PlanReplaces    string // version
	PlanMirrors     string
	PlanFiles       string // the files, on one line
	PlanNoFiles     string
	PlanUndo        string // command
	ChoiceProceed   string
	ChoiceCustomize string
	ChoiceRepair    string
	ChoiceMirrors   string
	ChoiceCancel    string
	DefaultMark     string

	// Version screen.
	VersionTitle   string
	VersionHelp    string
	MarkInstalled  string
	MarkLatest     string
	MarkUnstable   string
	FilterPrompt   string
	NoMatch        string // filter
	ReleasesFailed string // error
	// NoReleaseSource heads the per-source reasons when no release source
	// answered; ReleasesAdvice follows them.
	NoReleaseSource string
	ReleasesAdvice  string
	MoreAbove       string // n
	MoreBelow       string // n

	// Mirrors screen.
	MirrorsTitle  string
	ProbeDeadline string // seconds left
	ProbeDone     string // seconds taken
	ProbeCount    string // answered, total
	KindArchive   string
	KindProxy     string
	KindSumDB     string
	ColName       string
	ColStatus     string
	ColLatency    string
	ColDetail     string
	StatusWaiting string
	StatusOK      string
	StatusFail    string
	// A failed probe's reason: its class (FailTimeout…), the server's or
	// network's own text.
	FailReason                                                          string
	FailTimeout, FailNetwork, FailTLS, FailStatus, FailContent, FailSig string
	FailNoVersion                                                       string
	// Why a file changes, for the kinds whose reason is fixed: the env
	// script, the Go env file.
	WhyScript, WhyGoEnv string
	// CheckTitles name what a doctor check found when it warns or fails,
	// keyed by doctor's check id; an id missing here shows as itself.
	CheckTitles map[string]string
	DoctorLine  string // mark, title, detail
	// StartupWhy names which shells read a startup file, by its role.
	StartupWhy      map[envwriter.StartupRole]string
	StatusStale     string
	Chosen          string
	ProbeHint       string
	Recommendation  string // reason
	ProbeNoHealthy  string
	ProbeFailed     string // error
	ProxyLists      string // version
	ProxyPassesSum  string
	SumDBVerified   string
	ArchiveFile     string // file, MB
	ProbeNotReady   string
	ProbeNoneSource string

	// Private screen.
	PrivateTitle string
	PrivateHelp  string
	PrivateNow   string // current value
	PrivateOK    string
	PrivateEmpty string

	// Review screen.
	ReviewTitle     string
	ReviewVersion   string // version
	ReviewDir       string // dir
	ReviewReplaces  string // version
	ReviewSource    string // source, mirror
	ReviewSettings  string
	ReviewNoInstall string
	ReviewPlanning  string
	ReviewFiles     string
	ActionCreate    string
	ActionEdit      string
	ActionRemove    string
	ActionUnchanged string
	RegistrySet     string // name, old, new
	RegistryRestore string // name
	NotSet          string
	NonTextValue    string // registry type name
	ReviewConfirm   string
	ReviewNothing   string
	Warning         string // text

	// Progress screen.
	ProgressTitle  string
	PhaseResolve   string
	PhaseDownload  string
	PhaseVerify    string
	PhaseUnpack    string
	PhaseCheck     string
	PhaseSettings  string
	DownloadFrom   string // mirror
	Bytes          string // done MB, total MB
	Speed          string // MB/s
	Conns          string // live connections (more than one)
	ETA            string // duration
	Files          string // files
	FilesOf        string // files, total
	Failover       string // mirror, error
	Dropped        string // mirror, error
	ConfirmQuit    string
	StoppingNote   string
	Stopped        string // dir
	InstallFailed  string // error
	SettingsFailed string // error
	Untouched      string // dir
	UntouchedOld   string // dir, version

	// Done screen.
	DoneTitle       string
	DoneInstalled   string // version, dir, source, mirror
	DoneAlready     string // version, dir
	DoneChanged     string
	DoneNoChanges   string
	DoneUndo        string // command
	DoneActivate    string // shell
	DoneActivateWin string
	DoneCheck       string // shell
	DoneChecking    string
	DoneCheckOK     string
	DoneCheckFail   string
	DoneExit        string

	// Without a terminal.
	NoTTY      string
	NoTTYLines []string

	// Accessible mode.
	AskChoice string // default
	AskText   string // default
	AskBad    string
	AskYesNo  string
}

// source names where a setting comes from.
func (t *Text) source(s string) string {
	switch s {
	case envwriter.SourceDefault:
		return t.SrcDefault
	case envwriter.SourceGOROOT:
		return t.SrcGOROOT
	case envwriter.SourceGoEnv:
		return t.SrcGoEnv
	case envwriter.SourceEnv:
		return t.SrcEnv
	case envwriter.SourceStartup:
		return t.SrcStartup
	}
	return s
}

// channel names a download channel.
// failure is a probe failure's reason in t's language: the class is
// localized, the detail (a server's or the network's text) kept as it is.
func (t *Text) failure(class, detail string) string {
	name := map[string]string{probe.FailTimeout: t.FailTimeout, probe.FailNetwork: t.FailNetwork, probe.FailTLS: t.FailTLS,
		probe.FailStatus: t.FailStatus, probe.FailContent: t.FailContent, probe.FailSignature: t.FailSig,
		probe.FailNoVersion: t.FailNoVersion}[class]
	if name == "" {
		name = t.StatusFail
	}
	return sprintf(t.FailReason, name, detail)
}

// why is why a change is made, in t's language where the reason is fixed
// by the change's kind, or for a startup file by its role; what a plan
// adds after the role's text (a repair's edits, "; …"), or a reason that
// replaces it (uninstall's), stays the domain's text.
func (t *Text) why(c envwriter.Change) string {
	switch c.Kind {
	case envwriter.KindScript:
		return t.WhyScript
	case envwriter.KindGoEnv:
		return t.WhyGoEnv
	case envwriter.KindStartup:
		w, ok := t.StartupWhy[c.Role]
		base := c.Role.Why()
		switch {
		case !ok || c.Role == "":
		case c.Why == base:
			return w
		case strings.HasPrefix(c.Why, base+"; "):
			return w + c.Why[len(base):]
		}
	}
	return c.Why
}

// finding is one doctor warning or failure on a line at most width wide:
// the check's title in t's language, then doctor's own English detail,
// cut to fit, as the free-form part.
func (t *Text) finding(f DoctorFinding, width int) string {
	mark := "! "
	if f.Fail {
		mark = "✗ "
	}
	title, ok := t.CheckTitles[f.Check]
	if !ok {
		title = f.Check
	}
	s := mark + title
	if f.Detail != "" {
		s = sprintf(t.DoctorLine, mark, title, f.Detail)
	}
	return ansi.Truncate(s, max(width, 20), "…")
}

func (t *Text) channel(s toolchain.Source) string {
	switch s {
	case toolchain.SourceArchive:
		return t.ChanArchive
	case toolchain.SourceModule:
		return t.ChanModule
	}
	return t.ChanAuto
}

// Lang is a language the wizard speaks.
type Lang string

const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// TextFor returns the strings for lang.
func TextFor(lang Lang) *Text {
	if lang == Chinese {
		return &zhText
	}
	return &enText
}

// DetectLang picks the language from the locale: the first of LC_ALL,
// LC_MESSAGES and LANG that is set decides, as in setlocale(3); Chinese
// when it says zh, English otherwise.
func DetectLang(getenv func(string) string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if v == "zh" || strings.HasPrefix(v, "zh_") || strings.HasPrefix(v, "zh-") || strings.HasPrefix(v, "zh.") {
			return Chinese
		}
		return English
	}
	return English
}

// ParseLang reads a --lang value.
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(s) {
	case "en", "english":
		return English, true
	case "zh", "zh_cn", "zh-cn", "chinese":
		return Chinese, true
	}
	return "", false
}
