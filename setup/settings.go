package setup

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
)

// ProxyAutoError is a --proxy auto (or the wizard's "pick for me") that
// found no working module proxy; nothing was written.
type ProxyAutoError struct {
	Reason string // the probe's explanation
	Err    error  // the probe's own failure, if it failed outright
}

func (e *ProxyAutoError) Error() string {
	if e.Err != nil {
		return "probing the module proxies failed: " + e.Err.Error()
	}
	return fmt.Sprintf("no module proxy answered correctly (%s); nothing was written", e.Reason)
}

func (e *ProxyAutoError) Unwrap() error { return e.Err }

// ProxyAuto probes the catalogue's module proxies and checksum databases
// and returns the probe's recommendation: the settings for the fastest
// working ones.
func (f *Flow) ProxyAuto(ctx context.Context) (probe.Recommendation, error) {
	f.notify(Info, "probing module proxies and checksum databases…")
	rep, err := probe.Run(ctx, probe.Options{Client: f.Client, Catalog: f.Catalog, Kinds: []catalog.Kind{catalog.KindProxy, catalog.KindSumDB}}, nil)
	if err != nil {
		return probe.Recommendation{}, &ProxyAutoError{Err: err}
	}
	if rep.Recommendation.GOPROXY == "" {
		return probe.Recommendation{}, &ProxyAutoError{Reason: rep.Recommendation.Reason}
	}
	f.notify(Info, fmt.Sprintf("probe recommends GOPROXY=%s GOSUMDB=%s", rep.Recommendation.GOPROXY, rep.Recommendation.GOSUMDB))
	return rep.Recommendation, nil
}

// Auto is the GOPROXY value that asks for the probe's recommendation.
const Auto = "auto"

// SettingsRequest is what the user asked to write.
type SettingsRequest struct {
	// Settings are the values; GOPROXY may be Auto.
	Settings envwriter.Settings
	// Scope is where the GO* values go (ScopeShell when empty).
	Scope envwriter.Scope
}

// InvalidSettingsError is a settings value that cannot be written; the
// face reports it as bad input (a usage error).
type InvalidSettingsError struct{ Err error }

func (e *InvalidSettingsError) Error() string { return e.Err.Error() }
func (e *InvalidSettingsError) Unwrap() error { return e.Err }

// InvalidScopeError is a scope that is neither shell nor goenv.
type InvalidScopeError struct{ Scope string }

func (e *InvalidScopeError) Error() string {
	return fmt.Sprintf("scope %q: use shell or goenv", e.Scope)
}

// CheckSettings validates a request without the network: the scope, and
// every value except an Auto GOPROXY (which the probe fills in). Faces
// call it first, so that bad input is reported before any probe or
// download.
func (f *Flow) CheckSettings(r SettingsRequest) error {
	if r.Scope != "" && r.Scope != envwriter.ScopeShell && r.Scope != envwriter.ScopeGoEnv {
		return &InvalidScopeError{Scope: string(r.Scope)}
	}
	s := r.Settings
	if s.GOPROXY == Auto {
		s.GOPROXY = ""
	}
	if err := s.Validate(f.goos()); err != nil {
		return &InvalidSettingsError{Err: err}
	}
	return nil
}

// ResolveSettings checks r, runs the probe when GOPROXY is Auto (its
// GOSUMDB is used unless one was given), makes Path entries absolute, and
// validates the result.
func (f *Flow) ResolveSettings(ctx context.Context, r SettingsRequest) (SettingsRequest, error) {
	if err := f.CheckSettings(r); err != nil {
		return r, err
	}
	if r.Scope == "" {
		r.Scope = envwriter.ScopeShell
	}
	s := r.Settings
	s.Path = append([]string(nil), s.Path...)
	for i, d := range s.Path {
		if abs, err := filepath.Abs(d); err == nil && !filepath.IsAbs(d) {
			s.Path[i] = abs
		}
	}
	if s.GOPROXY == Auto {
		rec, err := f.ProxyAuto(ctx)
		if err != nil {
			return r, err
		}
		s.GOPROXY = rec.GOPROXY
		if s.GOSUMDB == "" {
			s.GOSUMDB = rec.GOSUMDB
		}
	}
	if err := s.Validate(f.goos()); err != nil {
		return r, &InvalidSettingsError{Err: err}
	}
	r.Settings = s
	return r, nil
}

// PlanSettings is the plan that writes r (already resolved) and, when
// toolchain is set, records that directory for uninstall.
func (f *Flow) PlanSettings(ctx context.Context, r SettingsRequest, toolchain string) (*envwriter.Plan, error) {
	return envwriter.PlanEnv(ctx, envwriter.Options{Settings: r.Settings, Scope: r.Scope, Env: f.Env, Toolchain: toolchain})
}
