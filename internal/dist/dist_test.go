package dist

import "testing"

func TestNames(t *testing.T) {
	cases := []struct {
		v       string
		p       Platform
		archive string
		module  string
	}{
		{"go1.22.5", Platform{"linux", "amd64"}, "go1.22.5.linux-amd64.tar.gz", "v0.0.1-go1.22.5.linux-amd64"},
		{"go1.22.5", Platform{"linux", "arm"}, "go1.22.5.linux-armv6l.tar.gz", "v0.0.1-go1.22.5.linux-arm"},
		{"go1.23rc1", Platform{"windows", "arm64"}, "go1.23rc1.windows-arm64.zip", "v0.0.1-go1.23rc1.windows-arm64"},
	}
	for _, c := range cases {
		if got := ArchiveName(c.v, c.p); got != c.archive {
			t.Errorf("ArchiveName(%s,%s) = %s, want %s", c.v, c.p, got, c.archive)
		}
		if got := ModuleVersion(c.v, c.p); got != c.module {
			t.Errorf("ModuleVersion(%s,%s) = %s, want %s", c.v, c.p, got, c.module)
		}
		v, p, ok := ParseModuleVersion(c.module)
		if !ok || v != c.v || p != c.p {
			t.Errorf("ParseModuleVersion(%s) = %s %s %v", c.module, v, p, ok)
		}
	}
	for _, bad := range []string{"v0.0.1-go1.22.5", "v0.0.2-go1.22.5.linux-amd64", "v0.0.1-1.22.linux-amd64", "v0.0.1-go1.22.5.linux-"} {
		if _, _, ok := ParseModuleVersion(bad); ok {
			t.Errorf("ParseModuleVersion(%q) accepted", bad)
		}
	}
}

func TestCompareAndStable(t *testing.T) {
	if Compare("go1.21rc1", "go1.21.0") >= 0 || Compare("go1.21.10", "go1.21.9") <= 0 {
		t.Error("Compare orders versions wrongly")
	}
	if IsStable("go1.23rc1") || !IsStable("go1.22.5") {
		t.Error("IsStable wrong")
	}
	if v, err := Normalize("1.22.5"); err != nil || v != "go1.22.5" {
		t.Errorf("Normalize = %q, %v", v, err)
	}
	if _, err := Normalize("1.x"); err == nil {
		t.Error("Normalize accepted 1.x")
	}
}
