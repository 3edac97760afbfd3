package toolchain

import (
	"fmt"
	"regexp"
	"strings"

	goversion "github.com/hashicorp/go-version"

	"github.com/gosetup/gosetup/internal/dist"
)

// Archive returns the release's archive download for p (kind "archive").
func (r Release) Archive(p dist.Platform) (File, bool) {
	arch := p.Arch
	if arch == "arm" {
		arch = "armv6l" // the index's spelling, as in archive filenames
	}
	for _, f := range r.Files {
		if f.Kind == "archive" && f.OS == p.OS && (f.Arch == arch || f.Arch == p.Arch) {
			return f, true
		}
	}
	return File{}, false
}

// HasModule reports whether the module channel serves the release for p.
func (r Release) HasModule(p dist.Platform) bool {
	want := p.String()
	for _, m := range r.Modules {
		if m == want {
			return true
		}
	}
	return false
}

// Installable reports whether either channel can install r on p.
func (r Release) Installable(p dist.Platform) bool {
	_, ok := r.Archive(p)
	return ok || r.HasModule(p)
}

// Installable returns the releases installable on p, newest first; stable
// ones only unless includeUnstable.
func (s *ReleaseSet) Installable(p dist.Platform, includeUnstable bool) []Release {
	var out []Release
	for _, r := range s.Releases {
		if (r.Stable || includeUnstable) && r.Installable(p) {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the release with exactly this version ("go1.22.5").
func (s *ReleaseSet) Find(version string) (Release, bool) {
	for _, r := range s.Releases {
		if r.Version == version {
			return r, true
		}
	}
	return Release{}, false
}

// NotFoundError says that no installable release matches a spec, and names
// the closest ones that exist so the user can pick one.
type NotFoundError struct {
	Spec     string
	Platform dist.Platform
	Reason   string   // what was wrong, e.g. "go1.22.99 does not exist"
	Closest  []string // nearest installable versions, the older first
}

func (e *NotFoundError) Error() string {
	msg := e.Reason
	if len(e.Closest) > 0 {
		msg += "; closest: " + strings.Join(e.Closest, ", ")
	}
	return msg
}

// Select resolves a version spec against the releases installable on p:
//
//   - "" or "latest": the newest stable release;
//   - "1.22" or "go1.22": the newest 1.22.x (stable unless includeUnstable);
//   - "1.22.5", "go1.22.5", "1.23rc1": exactly that release;
//   - constraints such as ">=1.21, <1.23" (hashicorp/go-version syntax, Go
//     versions mapped to semver: go1.23rc1 is 1.23.0-rc1, which as in semver
//     only matches constraints that name a pre-release): the newest match.
//
// A version that does not exist is a *NotFoundError naming the closest
// versions that do.
func (s *ReleaseSet) Select(spec string, p dist.Platform, includeUnstable bool) (Release, error) {
	spec = strings.TrimSpace(spec)
	all := s.Installable(p, true)
	if len(all) == 0 {
		return Release{}, fmt.Errorf("no Go release is installable on %s from the sources that answered", p)
	}
	var candidates []Release
	for _, r := range all {
		if r.Stable || includeUnstable {
			candidates = append(candidates, r)
		}
	}
	switch {
	case spec == "" || spec == "latest":
		for _, r := range all {
			if r.Stable {
				return r, nil
			}
		}
		if includeUnstable {
			return all[0], nil
		}
		return Release{}, &NotFoundError{Spec: spec, Platform: p, Reason: "no stable Go release is installable on " + p.String(),
			Closest: versions(all, 2)}
	case isConstraint(spec):
		return selectConstraint(spec, p, candidates, all, includeUnstable)
	}

	v, err := dist.Normalize(spec)
	if err != nil {
		return Release{}, fmt.Errorf("version %q: expected latest, 1.22, 1.22.5, go1.22.5, 1.23rc1 or a constraint like \">=1.21, <1.23\"", spec)
	}
	if isFamily(v) {
		for _, r := range candidates {
			if dist.Lang(r.Version) == v {
				return r, nil
			}
		}
		for _, r := range all {
			if dist.Lang(r.Version) == v {
				return Release{}, &NotFoundError{Spec: spec, Platform: p,
					Reason:  fmt.Sprintf("%s has no stable release yet; %s is a pre-release (ask for it by name or allow unstable releases)", v, r.Version),
					Closest: []string{r.Version}}
			}
		}
		return Release{}, &NotFoundError{Spec: spec, Platform: p,
			Reason: fmt.Sprintf("no %s.x release exists for %s", v, p), Closest: closest(v+".0", candidates, all)}
	}
	// Before Go 1.21 a line's first release had no ".0" ("go1.20"), so
	// "1.20.0" means that release.
	old := strings.TrimSuffix(v, ".0")
	for _, r := range all {
		if r.Version == v || (old != v && r.Version == old && isFamily(old)) {
			return r, nil
		}
	}
	reason := v + " does not exist"
	if _, ok := s.Find(v); ok {
		reason = fmt.Sprintf("%s has no download for %s", v, p)
	}
	return Release{}, &NotFoundError{Spec: spec, Platform: p, Reason: reason, Closest: closest(v, candidates, all)}
}

// isFamily reports whether v names a minor line ("go1.22") rather than one
// release. Before Go 1.21 the first release of a line was named like its
// line ("go1.20"); asking for the line then means its newest patch, which is
// what "1.20" means to a user too.
func isFamily(v string) bool {
	return dist.Lang(v) == v
}

var constraintChars = regexp.MustCompile(`[<>=!~,^ ]`)

func isConstraint(spec string) bool { return constraintChars.MatchString(spec) }

// goPrefix finds "go1.22" inside a constraint so that ">=go1.21" works too.
var goPrefix = regexp.MustCompile(`\bgo([0-9])`)

func selectConstraint(spec string, p dist.Platform, candidates, all []Release, includeUnstable bool) (Release, error) {
	cs, err := goversion.NewConstraint(goPrefix.ReplaceAllString(spec, "$1"))
	if err != nil {
		return Release{}, fmt.Errorf("version constraint %q: %w (example: \">=1.21, <1.23\")", spec, err)
	}
	for _, r := range candidates {
		sv, err := semver(r.Version)
		if err != nil {
			continue
		}
		if cs.Check(sv) {
			return r, nil
		}
	}
	reason := fmt.Sprintf("no %s release installable on %s matches %q", stability(includeUnstable), p, spec)
	return Release{}, &NotFoundError{Spec: spec, Platform: p, Reason: reason, Closest: versions(candidates, 1)}
}

func stability(includeUnstable bool) string {
	if includeUnstable {
		return "Go"
	}
	return "stable Go"
}

var goVersionRE = regexp.MustCompile(`^go([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:(rc|beta|alpha)([0-9]+))?$`)

// semver maps a Go version onto go-version's semver-like form:
// go1.22 -> 1.22.0, go1.22.5 -> 1.22.5, go1.23rc1 -> 1.23.0-rc1.
func semver(v string) (*goversion.Version, error) {
	m := goVersionRE.FindStringSubmatch(v)
	if m == nil {
		return nil, fmt.Errorf("%q is not a Go release version", v)
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	s := m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		s += "-" + m[4] + m[5]
	}
	return goversion.NewVersion(s)
}

// closest returns the nearest releases below and above v: from the
// candidates (stable ones, usually) when they have neighbours, else from all.
func closest(v string, candidates, all []Release) []string {
	if out := neighbours(v, candidates); len(out) > 0 {
		return out
	}
	return neighbours(v, all)
}

// neighbours returns the next newer and the next older release around v
// (rels is newest first), newest first.
func neighbours(v string, rels []Release) []string {
	var above, below string
	for _, r := range rels {
		c := dist.Compare(r.Version, v)
		if c > 0 {
			above = r.Version // keeps moving down to the smallest newer one
		} else if c < 0 && below == "" {
			below = r.Version
		}
	}
	var out []string
	for _, s := range []string{below, above} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func versions(rels []Release, n int) []string {
	var out []string
	for i := 0; i < len(rels) && i < n; i++ {
		out = append(out, rels[i].Version)
	}
	return out
}
