package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/toolchain"
)

// fixedBackend answers with fixed, realistic data, so that screens can be
// driven and drawn deterministically. The real backend (package main) is
// exercised end to end in tmux against loopback mirrors.
type fixedBackend struct {
	mu        sync.Mutex
	doctor    *DoctorSummary
	installs  int
	installFn func(ctx context.Context, progress func(toolchain.Event)) (*toolchain.Result, error)
	// settingsOnly counts Apply calls; installs write their settings
	// themselves, counted in applied too.
	applied int
	probes  int
}

const home = "/home/ada"

func fresh(b bool) *bool { return &b }

func (b *fixedBackend) Detect(ctx context.Context) (*Detection, error) {
	return &Detection{
		Platform:     "linux/amd64",
		Gos:          []InstalledGo{{Path: "/usr/bin/go", Version: "go1.19.8"}},
		Shells:       []string{"bash", "fish", "zsh"},
		LoginShell:   "bash",
		StartupFiles: []string{home + "/.bashrc", home + "/.profile"},
		Settings: []envwriter.Effective{
			{Name: "GOPROXY", Value: "https://proxy.golang.org,direct", Source: envwriter.SourceDefault},
			{Name: "GOSUMDB", Value: "sum.golang.org", Source: envwriter.SourceDefault},
			{Name: "GOPRIVATE", Value: "", Source: envwriter.SourceDefault},
		},
		Dir:      home + "/.local/go",
		Existing: toolchain.Existing{Exists: true, IsGo: true, Version: "go1.25.3"},
		Undo:     "gosetup uninstall",
		Home:     home,
		GOOS:     "linux",
	}, nil
}

var fixedReleases = &Releases{
	List: []toolchain.Release{
		{Version: "go1.27rc1", Stable: false},
		{Version: "go1.26.8", Stable: true}, {Version: "go1.26.7", Stable: true},
		{Version: "go1.25.12", Stable: true}, {Version: "go1.25.3", Stable: true},
		{Version: "go1.24.13", Stable: true}, {Version: "go1.22.5", Stable: true},
	},
	Latest: "go1.26.8",
}

func (b *fixedBackend) Doctor(ctx context.Context) (*DoctorSummary, error) {
	if b.doctor == nil {
		return &DoctorSummary{OK: 14, Warn: 1, Findings: []DoctorFinding{{Check: "security.go-patch", Detail: "go1.19.8 lacks the security fixes of go1.19.13"}}}, nil
	}
	return b.doctor, nil
}

func (b *fixedBackend) Releases(ctx context.Context) (*Releases, error) { return fixedReleases, nil }

var fixedTargets = []probe.Result{
	{Kind: catalog.KindArchive, Name: "go.dev", URL: "https://go.dev/dl/"},
	{Kind: catalog.KindArchive, Name: "golang.google.cn", URL: "https://golang.google.cn/dl/"},
	{Kind: catalog.KindArchive, Name: "aliyun", URL: "https://mirrors.aliyun.com/golang/"},
	{Kind: catalog.KindProxy, Name: "proxy.golang.org", URL: "https://proxy.golang.org"},
	{Kind: catalog.KindProxy, Name: "goproxy.cn", URL: "https://goproxy.cn"},
	{Kind: catalog.KindProxy, Name: "goproxy.io", URL: "https://goproxy.io"},
	{Kind: catalog.KindSumDB, Name: "sum.golang.org", URL: "https://sum.golang.org"},
	{Kind: catalog.KindSumDB, Name: "sum.golang.org", URL: "https://goproxy.cn/sumdb/sum.golang.org"},
}

// fixedResults are the answers, in the order they arrive.
func fixedResults() []probe.Result {
	rs := []probe.Result{
		{Kind: catalog.KindProxy, Name: "goproxy.cn", URL: "https://goproxy.cn", OK: true, LatencyMS: 38, Samples: 3, Fresh: fresh(true), NewestToolchain: "go1.26.8", SumDBSupported: []string{"sum.golang.org"}},
		{Kind: catalog.KindArchive, Name: "aliyun", URL: "https://mirrors.aliyun.com/golang/", OK: true, LatencyMS: 41, Samples: 3, File: "go1.26.8.linux-amd64.tar.gz", SizeBytes: 75_431_209},
		{Kind: catalog.KindSumDB, Name: "sum.golang.org", URL: "https://goproxy.cn/sumdb/sum.golang.org", OK: true, LatencyMS: 44, Samples: 3},
		{Kind: catalog.KindArchive, Name: "golang.google.cn", URL: "https://golang.google.cn/dl/", OK: true, LatencyMS: 95, Samples: 3, File: "go1.26.8.linux-amd64.tar.gz", SizeBytes: 75_431_209},
		{Kind: catalog.KindProxy, Name: "goproxy.io", URL: "https://goproxy.io", OK: true, LatencyMS: 120, Samples: 3, Fresh: fresh(false), Note: "lacks go1.26.8 (stale)"},
		{Kind: catalog.KindArchive, Name: "go.dev", URL: "https://go.dev/dl/", Error: "connect: connection timed out after 3s", Failure: probe.FailTimeout},
		{Kind: catalog.KindProxy, Name: "proxy.golang.org", URL: "https://proxy.golang.org", Error: "tls: handshake failure", Failure: probe.FailTLS},
		{Kind: catalog.KindSumDB, Name: "sum.golang.org", URL: "https://sum.golang.org", Error: "timeout", Failure: probe.FailTimeout},
	}
	return rs
}

// fixedReport is the ranked report of fixedResults.
func fixedReport() *probe.Report {
	rs := fixedResults()
	order := []int{1, 3, 5, 0, 4, 6, 2, 7}
	var out []probe.Result
	for _, i := range order {
		out = append(out, rs[i])
	}
	return &probe.Report{Results: out, Newest: "go1.26.8", Platform: "linux/amd64", TimeoutMS: 3000, ElapsedMS: 2970,
		Recommendation: probe.Recommendation{GOPROXY: "https://goproxy.cn,direct", GOSUMDB: "sum.golang.org https://goproxy.cn/sumdb/sum.golang.org", Reason: "goproxy.cn is the fastest healthy proxy (38 ms)"}}
}

func (b *fixedBackend) ProbeTargets() ([]probe.Result, time.Duration, error) {
	return append([]probe.Result(nil), fixedTargets...), 3 * time.Second, nil
}

func (b *fixedBackend) Probe(ctx context.Context, onResult func(probe.Result)) (*probe.Report, error) {
	b.mu.Lock()
	b.probes++
	b.mu.Unlock()
	for _, r := range fixedResults() {
		onResult(r)
	}
	return fixedReport(), nil
}

func (b *fixedBackend) Choose(rep *probe.Report, picks Picks) Mirrors {
	m := Mirrors{Source: toolchain.SourceArchive, Mirror: "aliyun", ArchiveURL: "https://mirrors.aliyun.com/golang/",
		GOPROXY: rep.Recommendation.GOPROXY, GOSUMDB: rep.Recommendation.GOSUMDB, ProxyURL: "https://goproxy.cn", Reason: rep.Recommendation.Reason}
	if picks.Archive != "" {
		m.ArchiveURL = picks.Archive
		m.Mirror = picks.Archive
	}
	if picks.Proxy != "" {
		m.ProxyURL, m.GOPROXY = picks.Proxy, picks.Proxy+",direct"
	}
	return m
}

func (b *fixedBackend) Plan(ctx context.Context, c Choices) (*envwriter.Plan, error) {
	profile := "# ~/.profile\nexport EDITOR=vi\n"
	block := "\n# >>> gosetup >>>\n. \"$HOME/.config/gosetup/env\"\n# <<< gosetup <<<\n"
	env := "# gosetup env script\n"
	if c.Mirrors.GOPROXY != "" {
		env += "export GOPROXY='" + c.Mirrors.GOPROXY + "'\n"
	}
	if c.GOPRIVATE != "" {
		env += "export GOPRIVATE='" + c.GOPRIVATE + "'\n"
	}
	if c.Install {
		env += "PATH=\"" + c.Dir + "/bin:$PATH\"\n"
	}
	return &envwriter.Plan{
		Settings:   envwriter.Settings{GOPROXY: c.Mirrors.GOPROXY, GOSUMDB: c.Mirrors.GOSUMDB, GOPRIVATE: c.GOPRIVATE},
		ConfigDir:  home + "/.config/gosetup",
		Shells:     []string{"bash", "fish", "zsh"},
		LoginShell: "bash",
		Changes: []envwriter.Change{
			{Kind: envwriter.KindScript, Path: home + "/.config/gosetup/env", Why: "sourced by the startup files", New: []byte(env)},
			{Kind: envwriter.KindStartup, Path: home + "/.profile", Role: envwriter.RoleProfile, Why: envwriter.RoleProfile.Why(), Old: []byte(profile), New: []byte(profile + block), Exists: true},
			{Kind: envwriter.KindStartup, Path: home + "/.bashrc", Role: envwriter.RoleBashRC, Why: envwriter.RoleBashRC.Why(), Old: []byte(block), New: []byte(block), Exists: true},
		},
	}, nil
}

func (b *fixedBackend) Install(ctx context.Context, c Choices, progress func(toolchain.Event)) (*toolchain.Result, *envwriter.Plan, error) {
	b.mu.Lock()
	b.installs++
	fn := b.installFn
	b.mu.Unlock()
	if fn != nil {
		res, err := fn(ctx, progress)
		if err != nil {
			return nil, nil, err
		}
		return res, nil, nil
	}
	p, _ := b.Plan(ctx, c)
	b.mu.Lock()
	b.applied++
	b.mu.Unlock()
	return &toolchain.Result{Version: c.Release.Version, Dir: c.Dir, Source: toolchain.SourceArchive, Mirror: "aliyun", Bytes: 75_431_209, Files: 14_211}, p, nil
}

func (b *fixedBackend) Apply(ctx context.Context, p *envwriter.Plan) error {
	b.mu.Lock()
	b.applied++
	b.mu.Unlock()
	return nil
}

func (b *fixedBackend) Check(ctx context.Context, c Choices) (*Check, error) {
	return &Check{Shell: "bash -l", Steps: []CheckStep{
		{Command: "go version", Output: "go version " + c.Release.Version + " linux/amd64"},
		{Command: "go env GOPROXY", Output: c.Mirrors.GOPROXY},
		{Command: "go mod download rsc.io/quote@v1.5.2", Output: "rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y="},
	}}, nil
}

func (b *fixedBackend) Activate(p *envwriter.Plan, shell string) string {
	if shell == "fish" {
		return "source " + home + "/.config/gosetup/env.fish"
	}
	return ". " + home + "/.config/gosetup/env"
}

func (b *fixedBackend) ValidatePrivate(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return envwriter.ValidatePatterns("GOPRIVATE", s)
}

var errBoom = errors.New("mirror closed the connection")
