package toolchain

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/dist"
)

// fixtureSet is the merged fixture, built the way Releases builds it.
func fixtureSet(t testing.TB) *ReleaseSet {
	idx, err := ParseIndex(fixtureIndex(t))
	if err != nil {
		t.Fatal(err)
	}
	mods, err := ParseModuleList([]byte(fixtureModuleList()))
	if err != nil {
		t.Fatal(err)
	}
	return &ReleaseSet{Releases: merge(idx, mods)}
}

func TestSelect(t *testing.T) {
	s := fixtureSet(t)
	cases := []struct {
		spec     string
		p        dist.Platform
		unstable bool
		want     string
	}{
		{"", linuxAMD64, false, "go1.23.1"},
		{"latest", linuxAMD64, false, "go1.23.1"},
		{"latest", linuxAMD64, true, "go1.23.1"}, // latest means the newest stable
		{"1.22", linuxAMD64, false, "go1.22.12"},
		{"go1.22", linuxAMD64, false, "go1.22.12"},
		{" 1.22 ", linuxAMD64, false, "go1.22.12"},
		{"1.23", linuxAMD64, true, "go1.23.1"},
		{"1.24", linuxAMD64, true, "go1.24rc1"}, // only a pre-release, and those are allowed
		{"1.20", linuxAMD64, false, "go1.20.14"},
		{"1.20.0", linuxAMD64, false, "go1.20"}, // pre-1.21 naming
		{"1.22.5", linuxAMD64, false, "go1.22.5"},
		{"go1.22.5", linuxAMD64, false, "go1.22.5"},
		{"1.23rc1", linuxAMD64, false, "go1.23rc1"}, // asked by name: allowed without includeUnstable
		{"go1.24rc1", darwinARM64, false, "go1.24rc1"},
		{">=1.21, <1.23", linuxAMD64, false, "go1.22.12"},
		{">= 1.21, < 1.23", linuxAMD64, false, "go1.22.12"},
		{">=go1.21,<go1.23", linuxAMD64, false, "go1.22.12"},
		{"~> 1.22.0", linuxAMD64, false, "go1.22.12"},
		{"<1.22", linuxAMD64, false, "go1.21.0"},
		{"<1.21", linuxAMD64, false, "go1.20.14"},
		{"= 1.22.5", linuxAMD64, false, "go1.22.5"},
		{">=1.22, !=1.22.12, <1.23", linuxAMD64, false, "go1.22.5"},
		{">=1.24.0-rc1", linuxAMD64, true, "go1.24rc1"},
		{">=1.23", linuxAMD64, true, "go1.23.1"}, // a pre-release only matches a pre-release constraint
		// Platform matters: the module channel alone makes windows/arm64
		// installable; linux/arm only has archives.
		{"latest", windowsARM, false, "go1.23.1"},
		{"1.22", linuxARM, false, "ERR"},
		{"latest", linuxARM, false, "go1.23.1"},
	}
	for _, c := range cases {
		r, err := s.Select(c.spec, c.p, c.unstable)
		got := r.Version
		if err != nil {
			got = "ERR"
		}
		if got != c.want {
			t.Errorf("Select(%q, %s, unstable=%v) = %q, %v; want %s", c.spec, c.p, c.unstable, r.Version, err, c.want)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	s := fixtureSet(t)
	cases := []struct {
		spec     string
		p        dist.Platform
		unstable bool
		reason   string
		closest  []string
	}{
		{"1.22.99", linuxAMD64, false, "go1.22.99 does not exist", []string{"go1.22.12", "go1.23.0"}},
		{"go1.22.7", linuxAMD64, false, "go1.22.7 does not exist", []string{"go1.22.5", "go1.22.12"}},
		{"1.99.1", linuxAMD64, false, "go1.99.1 does not exist", []string{"go1.23.1"}},
		{"1.19.3", linuxAMD64, false, "go1.19.3 does not exist", []string{"go1.20"}},
		{"1.23rc2", linuxAMD64, false, "go1.23rc2 does not exist", []string{"go1.22.12", "go1.23.0"}},
		{"1.23rc2", linuxAMD64, true, "go1.23rc2 does not exist", []string{"go1.23rc1", "go1.23.0"}},
		{"1.21.0", darwinARM64, false, "go1.21.0 has no download for darwin/arm64", []string{"go1.22.5"}},
		{"1.22", linuxARM, false, "no go1.22.x release exists for linux/arm", []string{"go1.23.0"}},
		{"1.25", linuxAMD64, false, "no go1.25.x release exists", []string{"go1.23.1"}},
		{"1.24", linuxAMD64, false, "go1.24 has no stable release yet; go1.24rc1 is a pre-release", []string{"go1.24rc1"}},
		{">=1.24", linuxAMD64, false, `no stable Go release installable on linux/amd64 matches ">=1.24"`, []string{"go1.23.1"}},
	}
	for _, c := range cases {
		_, err := s.Select(c.spec, c.p, c.unstable)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("Select(%q) = %v, want NotFoundError", c.spec, err)
			continue
		}
		if !strings.Contains(nf.Reason, c.reason) || !reflect.DeepEqual(nf.Closest, c.closest) {
			t.Errorf("Select(%q, %s, %v):\n got %q closest %q\nwant %q closest %q", c.spec, c.p, c.unstable, nf.Reason, nf.Closest, c.reason, c.closest)
		}
	}
	_, err := s.Select("1.22.99", linuxAMD64, false)
	if err == nil || err.Error() != "go1.22.99 does not exist; closest: go1.22.12, go1.23.0" {
		t.Errorf("message = %v", err)
	}
}

func TestSelectBadSpec(t *testing.T) {
	s := fixtureSet(t)
	for _, spec := range []string{"banana", "1.x", "v1.22", ">=banana", ">=1.21,,"} {
		_, err := s.Select(spec, linuxAMD64, false)
		var nf *NotFoundError
		if err == nil || errors.As(err, &nf) {
			t.Errorf("Select(%q) = %v, want a syntax error", spec, err)
			continue
		}
		if !strings.Contains(err.Error(), spec) {
			t.Errorf("Select(%q) error does not name the spec: %v", spec, err)
		}
	}
	empty := &ReleaseSet{}
	if _, err := empty.Select("latest", linuxAMD64, false); err == nil || !strings.Contains(err.Error(), "no Go release is installable on linux/amd64") {
		t.Errorf("empty set: %v", err)
	}
}

func TestInstallable(t *testing.T) {
	s := fixtureSet(t)
	var got []string
	for _, r := range s.Installable(darwinARM64, false) {
		got = append(got, r.Version)
	}
	if strings.Join(got, " ") != "go1.23.1 go1.23.0 go1.22.12 go1.22.5" {
		t.Errorf("stable darwin/arm64 = %v", got)
	}
	got = nil
	for _, r := range s.Installable(darwinARM64, true) {
		got = append(got, r.Version)
	}
	if strings.Join(got, " ") != "go1.24rc1 go1.23.1 go1.23.0 go1.23rc1 go1.22.12 go1.22.5" {
		t.Errorf("all darwin/arm64 = %v", got)
	}
}

func TestSemver(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22": "1.22.0", "go1.22.5": "1.22.5", "go1.23rc1": "1.23.0-rc1", "go1.21beta2": "1.21.0-beta2",
	} {
		v, err := semver(in)
		if err != nil || v.String() != want {
			t.Errorf("semver(%s) = %v, %v; want %s", in, v, err, want)
		}
	}
}
