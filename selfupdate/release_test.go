package selfupdate

import (
	"errors"
	"strings"
	"testing"
)

func TestParseChecksums(t *testing.T) {
	h := strings.Repeat("a", 64)
	sums, err := ParseChecksums([]byte(h + "  gosetup_1.2.3_linux_amd64.tar.gz\r\n" + strings.ToUpper(h) + " *gosetup_1.2.3_windows_amd64.zip\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sums["gosetup_1.2.3_windows_amd64.zip"] != h || len(sums) != 2 {
		t.Errorf("parsed %v", sums)
	}
	if v, err := sums.Version(); v != "1.2.3" || err != nil {
		t.Errorf("Version() = %q, %v", v, err)
	}
	for in, want := range map[string]string{
		"<!DOCTYPE html><html>":                           "HTML page",
		"\n  <html><body>":                                "HTML page",
		h + "  gosetup_1.2.3_linux_amd64.tar.gz\ngarbage": "line 2",
		h + "  ../etc/passwd":                             "line 1",
		"":                                                "empty",
	} {
		_, err := ParseChecksums([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseChecksums(%.30q) = %v, want %q", in, err, want)
		}
	}
	if _, err := ParseChecksums([]byte("<html>")); !errors.Is(err, ErrHTML) {
		t.Errorf("HTML is not ErrHTML: %v", err)
	}
	two := Checksums{"gosetup_1.2.3_linux_amd64.tar.gz": h, "gosetup_1.2.4_linux_arm64.tar.gz": h}
	if _, err := two.Version(); err == nil {
		t.Error("two versions in one checksums.txt accepted")
	}
}

func TestArchiveName(t *testing.T) {
	for _, c := range [][4]string{
		{"linux", "amd64", "gosetup_1.0.0_linux_amd64.tar.gz"},
		{"linux", "arm", "gosetup_1.0.0_linux_armv6.tar.gz"},
		{"windows", "386", "gosetup_1.0.0_windows_386.zip"},
		{"freebsd", "arm64", "gosetup_1.0.0_freebsd_arm64.tar.gz"},
	} {
		if got, err := ArchiveName("1.0.0", c[0], c[1]); got != c[2] || err != nil {
			t.Errorf("ArchiveName(%s/%s) = %q, %v", c[0], c[1], got, err)
		}
	}
	for _, p := range [][2]string{{"darwin", "386"}, {"windows", "arm"}, {"plan9", "amd64"}} {
		if _, err := ArchiveName("1.0.0", p[0], p[1]); err == nil {
			t.Errorf("ArchiveName(%s/%s) has no error", p[0], p[1])
		}
	}
}

func TestCompare(t *testing.T) {
	ordered := []string{"0.0.0", "0.0.1-next-0123456", "0.0.1-next-abc", "0.0.1", "0.1.0", "1.2.3", "1.10.0"}
	for i := range ordered {
		for j := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Compare(ordered[i], ordered[j]); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, v := range []string{"(devel)", "", "v1.2.3", "1.2"} {
		if ValidVersion(v) {
			t.Errorf("ValidVersion(%q)", v)
		}
	}
}
