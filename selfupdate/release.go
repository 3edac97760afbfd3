// Package selfupdate finds gosetup releases on a release host, downloads
// and verifies one against its checksums.txt, and puts the new binary in
// place of the running one. install.sh and install.ps1 read the same layout.
//
// A release host (GitHub, or any static mirror of it) serves, under a base
// URL:
//
//	BASE/download/vVERSION/checksums.txt    sha256sum lines for every archive
//	BASE/download/vVERSION/ARCHIVE          gosetup_VERSION_OS_ARCH.tar.gz (.zip on Windows)
//	BASE/latest/download/checksums.txt      the newest release's checksums.txt
//
// GitHub serves exactly this for BASE=https://github.com/gosetup/gosetup/releases
// (releases/latest/download/NAME redirects to the newest release's asset); a
// mirror copies each release's files and points latest/download at the
// newest (a symlink or a copy). The newest version is read from the archive
// names in latest/download/checksums.txt, so no other index is needed and
// the check for an update costs one small file.
package selfupdate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"
)

// DefaultBaseURL is where releases are published; GOSETUP_DOWNLOAD_URL
// replaces it with a mirror.
const DefaultBaseURL = "https://github.com/gosetup/gosetup/releases"

// platforms are the architectures releases have archives for on an OS, as
// .goreleaser.yaml builds them (every pair the Go toolchain supports).
func platforms(goos string) []string {
	switch goos {
	case "linux", "freebsd":
		return []string{"amd64", "arm64", "386", "arm"}
	case "darwin":
		return []string{"amd64", "arm64"}
	case "windows":
		return []string{"amd64", "arm64", "386"}
	}
	return nil
}

// ArchiveName is the file name of the release archive for a platform:
// gosetup_1.2.3_linux_amd64.tar.gz, gosetup_1.2.3_linux_armv6.tar.gz (the
// one 32-bit ARM build is ARMv6), gosetup_1.2.3_windows_amd64.zip.
func ArchiveName(version, goos, goarch string) (string, error) {
	supported := false
	for _, a := range platforms(goos) {
		supported = supported || a == goarch
	}
	if !supported {
		return "", fmt.Errorf("gosetup releases have no build for %s/%s; build it from source with go install github.com/gosetup/gosetup@latest", goos, goarch)
	}
	arch := goarch
	if arch == "arm" {
		arch = "armv6"
	}
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return "gosetup_" + version + "_" + goos + "_" + arch + ext, nil
}

// BinaryName is the executable's name inside an archive.
func BinaryName(goos string) string {
	if goos == "windows" {
		return "gosetup.exe"
	}
	return "gosetup"
}

// Checksums maps an archive's file name to its lowercase hex SHA-256.
type Checksums map[string]string

// ErrHTML reports a web page where a release file was expected: a base URL
// pointing at a project page, a login or captive portal, a proxy's error.
var ErrHTML = errors.New("the server answered with an HTML page, not a release file; GOSETUP_DOWNLOAD_URL must be the release directory (BASE/download/vX.Y.Z/ holds the files), not a web page")

var checksumLine = regexp.MustCompile(`^([0-9a-fA-F]{64}) [ *]([^/\\\s][^/\\]*)$`)

// ParseChecksums reads a checksums.txt in sha256sum's format. Any line that
// is not "HEX  NAME" is an error: a truncated or foreign file is refused
// rather than half-read.
func ParseChecksums(data []byte) (Checksums, error) {
	if looksHTML(data) {
		return nil, ErrHTML
	}
	sums := Checksums{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		m := checksumLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("checksums.txt line %d is not \"SHA256  NAME\": %.80q", n, line)
		}
		if prev, dup := sums[m[2]]; dup && !strings.EqualFold(prev, m[1]) {
			return nil, fmt.Errorf("checksums.txt lists %s twice with different sums", m[2])
		}
		sums[m[2]] = strings.ToLower(m[1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading checksums.txt: %w", err)
	}
	if len(sums) == 0 {
		return nil, errors.New("checksums.txt is empty")
	}
	return sums, nil
}

var archiveVersion = regexp.MustCompile(`^gosetup_([0-9A-Za-z.+-]+)_[a-z0-9]+_[a-z0-9]+\.(?:tar\.gz|zip)$`)

// Version returns the one version the archives in sums are named for.
func (c Checksums) Version() (string, error) {
	var found string
	for name := range c {
		m := archiveVersion.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if found != "" && found != m[1] {
			return "", fmt.Errorf("checksums.txt names archives of two versions, %s and %s; the release host's copy is damaged", found, m[1])
		}
		found = m[1]
	}
	if found == "" {
		return "", errors.New("checksums.txt names no gosetup archive; the release host's copy is damaged or not a gosetup release")
	}
	if !ValidVersion(found) {
		return "", fmt.Errorf("checksums.txt names version %q, which is not a semantic version", found)
	}
	return found, nil
}

// looksHTML reports whether data starts like a web page.
func looksHTML(data []byte) bool {
	head := bytes.ToLower(bytes.TrimLeft(data[:min(len(data), 512)], " \t\r\n\ufeff"))
	for _, p := range []string{"<!doctype", "<html", "<head", "<body", "<title", "<?xml", "<!--"} {
		if bytes.HasPrefix(head, []byte(p)) {
			return true
		}
	}
	return false
}

// ValidVersion reports whether v (without a leading v) is a semantic
// version that releases can be ordered by.
func ValidVersion(v string) bool {
	return fullVersion.MatchString(v) && semver.IsValid("v"+v)
}

// fullVersion requires all three numbers: semver.IsValid also takes "v1.2".
var fullVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+([-+]|$)`)

// Compare orders two release versions (without a leading v) by semantic
// versioning: -1 if a is older than b, 0 if the same, +1 if newer.
func Compare(a, b string) int { return semver.Compare("v"+a, "v"+b) }
