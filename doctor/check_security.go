package doctor

import (
	"context"
	"fmt"
	"go/version"
	"strings"

	"golang.org/x/mod/module"
)

func (f *Facts) releaseList(ctx context.Context) *releaseInfo {
	f.releasesOnce.Do(func() { f.releases = f.loadReleases(ctx) })
	return f.releases
}

// goSource is where a view's go comes from, for a finding.
func goSource(v *View) Source {
	return Source{Kind: SourcePath, File: v.Go, Shell: shellName(v), Text: v.GoVersion}
}

func shellName(v *View) string {
	if v.isProcess() {
		return ""
	}
	return v.Name
}

// upgradeFix is the advice to move to the newest patch of v's line.
func upgradeFix(v string) string {
	return "upgrade: gosetup install " + strings.TrimPrefix(version.Lang(v), "go")
}

func checkGoPatch(ctx context.Context, f *Facts) []Finding {
	ri := f.releaseList(ctx)
	return f.perView(func(v *View) []Finding {
		if !version.IsValid(v.GoVersion) {
			return nil
		}
		if ri.Err != nil {
			return []Finding{{Severity: Warn, Message: "cannot tell whether " + v.GoVersion + " has the latest security fixes: " + ri.Err.Error(),
				Sources: []Source{goSource(v)}, Fix: "run gosetup doctor again online"}}
		}
		newest := ri.newestPatch(v.GoVersion)
		switch {
		case newest == "":
			return []Finding{ok(v.GoVersion+" is not in the release list (a newer or development release)", goSource(v), ri.source())}
		case version.Compare(v.GoVersion, newest) < 0:
			return []Finding{{Severity: Warn,
				Message: fmt.Sprintf("%s is older than %s, the newest patch release of %s, so it lacks security fixes", v.GoVersion, newest, version.Lang(v.GoVersion)),
				Sources: []Source{goSource(v), ri.source()}, Fix: upgradeFix(v.GoVersion)}}
		}
		return []Finding{ok(v.GoVersion+" is the newest patch release of "+version.Lang(v.GoVersion), goSource(v), ri.source())}
	})
}

func checkGoSupported(ctx context.Context, f *Facts) []Finding {
	ri := f.releaseList(ctx)
	return f.perView(func(v *View) []Finding {
		if !version.IsValid(v.GoVersion) {
			return nil
		}
		if ri.Err != nil {
			return []Finding{{Severity: Warn, Message: "cannot tell whether " + v.GoVersion + " is still supported: " + ri.Err.Error(),
				Sources: []Source{goSource(v)}, Fix: "run gosetup doctor again online"}}
		}
		sup := ri.supported()
		if len(sup) == 0 {
			return nil
		}
		oldest := sup[len(sup)-1]
		if version.Compare(version.Lang(v.GoVersion), oldest) < 0 {
			return []Finding{{Severity: Fail,
				Message: fmt.Sprintf("%s is a release the Go project no longer supports (supported: %s); it gets no security fixes", v.GoVersion, strings.Join(sup, " and ")),
				Sources: []Source{goSource(v), ri.source()}, Fix: "upgrade: gosetup install " + strings.TrimPrefix(sup[0], "go")}}
		}
		return []Finding{ok(version.Lang(v.GoVersion)+" is supported", goSource(v), ri.source())}
	})
}

// The releases that fix CVE-2026-42501, named by the advisory.
const (
	cveFixed126 = "go1.26.3"
	cveFixed125 = "go1.25.10"
)

// vulnerableToProxyBypass reports whether go version v lets a malicious
// proxy bypass the checksum database (CVE-2026-42501).
func vulnerableToProxyBypass(v string) bool {
	lang := version.Lang(v)
	switch {
	case version.Compare(lang, "go1.26") > 0:
		return false
	case lang == "go1.26":
		return version.Compare(v, cveFixed126) < 0
	}
	return version.Compare(v, cveFixed125) < 0
}

// officialProxy reports whether a GOPROXY entry is the Go project's own
// proxy (or direct/off, which involve no proxy).
func officialProxy(entry string) bool {
	e := strings.TrimRight(strings.TrimSpace(entry), "/")
	return e == "direct" || e == "off" || e == "https://proxy.golang.org" || e == ""
}

// proxyEntries splits a GOPROXY list at , and |.
func proxyEntries(list string) []string {
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == '|' })
}

func checkCVE202642501(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		if !version.IsValid(v.GoVersion) {
			return nil
		}
		s := f.effective(v, "GOPROXY")
		var third []string
		for _, e := range proxyEntries(s.Value) {
			if !officialProxy(e) {
				third = append(third, strings.TrimSpace(e))
			}
		}
		if len(third) == 0 {
			return []Finding{ok("GOPROXY uses only the official proxy", s.Sources...)}
		}
		if !vulnerableToProxyBypass(v.GoVersion) {
			return []Finding{ok(v.GoVersion+" is not affected by CVE-2026-42501 (third-party proxy "+strings.Join(third, ", ")+")", s.Sources...)}
		}
		fixed := cveFixed125
		if version.Lang(v.GoVersion) == "go1.26" {
			fixed = cveFixed126
		}
		return []Finding{{Severity: Fail,
			Message: fmt.Sprintf("%s with the third-party GOPROXY %s: CVE-2026-42501 lets a malicious proxy bypass the checksum database for toolchain and module downloads (fixed in %s and %s)", v.GoVersion, strings.Join(third, ", "), cveFixed125, cveFixed126),
			Sources: append([]Source{goSource(v)}, s.Sources...),
			Fix:     "upgrade to " + fixed + " or later: gosetup install " + strings.TrimPrefix(version.Lang(fixed), "go")}}
	})
}

func checkSumDBOff(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		s := f.effective(v, "GOSUMDB")
		if strings.TrimSpace(s.Value) == "off" {
			return []Finding{{Severity: Warn, Message: "GOSUMDB=off: no module download is checked against the checksum database",
				Sources: s.Sources, Fix: "remove the setting (the default is sum.golang.org; in mainland China use sum.golang.google.cn), and list private modules in GOPRIVATE instead",
				Repairable: len(fileSources(s.Sources)) > 0, Repair: &RepairHint{Lines: lineFixes(s.Sources, "GOSUMDB")}}}
		}
		return []Finding{ok("GOSUMDB=" + s.Value)}
	})
}

// publicProbes are module paths on public hosts that no private pattern
// should cover; the names are made up so that only a broad pattern (*,
// github.com/*) matches them.
var publicProbes = []string{
	"github.com/gosetup-doctor-probe/m", "golang.org/x/gosetup-doctor-probe", "gopkg.in/gosetup-doctor-probe.v1",
	"google.golang.org/gosetup-doctor-probe", "gitlab.com/gosetup-doctor-probe/m", "bitbucket.org/gosetup-doctor-probe/m",
	"go.uber.org/gosetup-doctor-probe", "k8s.io/gosetup-doctor-probe", "cloud.google.com/go/gosetup-doctor-probe",
}

func checkPublicUnverified(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		var out []Finding
		for _, name := range []string{"GOPRIVATE", "GONOSUMDB", "GOINSECURE"} {
			s := f.effective(v, name)
			if s.Value == "" {
				continue
			}
			for _, pat := range strings.Split(s.Value, ",") {
				pat = strings.TrimSpace(pat)
				if pat == "" {
					continue
				}
				var hit string
				for _, p := range publicProbes {
					if module.MatchPrefixPatterns(pat, p) {
						hit = p
						break
					}
				}
				if hit == "" {
					continue
				}
				host := strings.SplitN(hit, "/", 2)[0]
				fd := Finding{Severity: Warn, Sources: s.Sources, Repairable: false,
					Message: fmt.Sprintf("%s pattern %q covers public modules (every module on %s): the checksum database no longer protects them", name, pat, host),
					Fix:     "narrow it to your own modules, e.g. " + name + "=" + host + "/yourcompany/*"}
				if name == "GOINSECURE" {
					fd.Severity = Fail
					fd.Message = fmt.Sprintf("GOINSECURE pattern %q covers public modules (every module on %s): they may be fetched over plain HTTP and are not checked against the checksum database", pat, host)
				}
				out = append(out, fd)
			}
		}
		if len(out) == 0 {
			out = append(out, ok("no GOPRIVATE, GONOSUMDB or GOINSECURE pattern covers public modules"))
		}
		return out
	})
}

func checkPathCwd(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		var out []Finding
		seen := map[string]bool{}
		for _, e := range pathList(v.Getenv("PATH"), f.GOOS) {
			if e != "" && e != "." || seen[e] {
				continue
			}
			seen[e] = true
			what := "an empty entry"
			if e == "." {
				what = `"."`
			}
			out = append(out, Finding{Severity: Warn,
				Message:    "PATH has " + what + ": programs in whatever directory you are in run before the real ones",
				Sources:    []Source{f.pathSource(v, e)},
				Fix:        "run gosetup repair to remove it (or fix the line that adds it: a doubled or trailing " + listSep(f.GOOS) + ")",
				Repairable: true, Repair: &RepairHint{DropPath: []string{e}}})
		}
		if len(out) == 0 {
			out = append(out, ok("PATH has no empty entry and no ."))
		}
		return out
	})
}
