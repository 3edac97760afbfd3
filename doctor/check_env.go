package doctor

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
)

// syntaxNames are the settings whose syntax doctor checks.
var syntaxNames = []string{"GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOFLAGS", "GO111MODULE", "GOTOOLCHAIN"}

func checkEnvSyntax(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		var out []Finding
		for _, name := range syntaxNames {
			s := f.resolve(v, name)
			if s.Layer == SourceDefault || s.Value == "" {
				continue
			}
			if err := envwriter.ValidateGoVar(name, s.Value); err != nil {
				out = append(out, Finding{Severity: Fail, Message: firstLine(err.Error()), Sources: s.Sources,
					Fix: "correct or remove " + name + " at " + s.Sources[0].String()})
			}
		}
		if len(out) == 0 {
			out = append(out, ok("every GO* setting is well-formed"))
		}
		return out
	})
}

// goEnvFileValues reads the Go env file of v.
func (f *Facts) goEnvFileValues(v *View) (path string, text []byte, vals map[string]string) {
	p, err := envwriter.GoEnvFile(f.viewEnv(v))
	if err != nil {
		return "", nil, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return p, nil, nil
	}
	return p, b, envwriter.ParseGoEnv(b)
}

// shadowNames are the settings an export can shadow.
var shadowNames = []string{"GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOFLAGS", "GO111MODULE", "GOTOOLCHAIN", "GOPATH", "GOBIN"}

func checkEnvShadowed(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		var out []Finding
		gpath, gtext, gvals := f.goEnvFileValues(v)
		for _, name := range shadowNames {
			val := v.Getenv(name)
			if val == "" {
				continue
			}
			src := f.envOrigin(v, name, val)
			if gv, ok := gvals[name]; ok && gv != "" && gv != val {
				goenvSrc := Source{Kind: SourceGoEnv, File: gpath, Line: keyLine(gtext, name), Text: name + "=" + gv}
				out = append(out, Finding{Severity: Warn,
					Message:    fmt.Sprintf("%s=%s from %s shadows the Go env file's %s=%s, so go env -w %s seems to do nothing", name, val, src[len(src)-1].String(), name, gv, name),
					Sources:    append(src, goenvSrc),
					Fix:        "run gosetup repair to keep one of the two values in one place",
					Repairable: len(lineFixes(src, name)) > 0,
					Repair:     &RepairHint{Lines: lineFixes(src, name)}})
			}
			// Two startup-file lines setting different values: whichever
			// runs last wins, and that differs between shells.
			if !v.isProcess() {
				var diff []Assignment
				for _, a := range v.Assignments {
					if a.Name == name && a.Value != val {
						diff = append(diff, a)
					}
				}
				if len(diff) > 0 {
					srcs := []Source{}
					for _, a := range diff {
						srcs = append(srcs, Source{Kind: SourceFile, File: a.File, Line: a.Line, Shell: v.Name, Text: name + "=" + a.Value})
					}
					srcs = append(srcs, src...)
					out = append(out, Finding{Severity: Warn,
						Message:    fmt.Sprintf("%s is set more than once in startup files; the last, %s=%s at %s, wins in %s", name, name, val, src[0].String(), v.Name),
						Sources:    srcs,
						Fix:        "run gosetup repair to keep one of them",
						Repairable: true,
						Repair:     &RepairHint{Lines: lineFixes(srcs[:len(diff)], name)}})
				}
			}
		}
		if len(out) == 0 {
			out = append(out, ok("no startup-file or environment value shadows another source"))
		}
		return out
	})
}

func checkGO111Module(ctx context.Context, f *Facts) []Finding {
	return f.perView(func(v *View) []Finding {
		s := f.resolve(v, "GO111MODULE")
		if strings.TrimSpace(s.Value) != "off" {
			return []Finding{ok("GO111MODULE is not off")}
		}
		return []Finding{{Severity: Warn,
			Message:    "GO111MODULE=off puts the go command in GOPATH mode: modules, go.mod and go install pkg@version stop working",
			Sources:    s.Sources,
			Fix:        "remove the setting (module mode is the default since Go 1.16)",
			Repairable: s.Layer == SourceFile || s.Layer == SourceGoEnv,
			Repair:     &RepairHint{Lines: lineFixes(s.Sources, "GO111MODULE"), GoEnvUnset: goEnvUnset(s, "GO111MODULE")}}}
	})
}

func goEnvUnset(s setting, name string) []string {
	if s.Layer == SourceGoEnv {
		return []string{name}
	}
	return nil
}
