// Package toolchain finds Go releases and installs a verified toolchain:
// from the official release index or the golang.org/toolchain module on any
// GOPROXY, downloaded with resume and mirror failover, checked against the
// official SHA-256 or the checksum database, unpacked with hostile-archive
// checks into a staging directory, and swapped into place only after its
// bin/go runs.
//
// It reports through callbacks and never writes to a terminal itself, so
// the CLI, the wizard and the tests all drive the same code.
package toolchain

// Release is one Go release as the sources know it.
type Release struct {
	// Version is the Go version, "go1.22.5".
	Version string `json:"version"`
	// Stable is false for betas and release candidates.
	Stable bool `json:"stable"`
	// Files are the downloads the official index lists for this release.
	// Empty when only the module channel knows the release.
	Files []File `json:"files,omitempty"`
	// Modules lists the platforms ("linux/amd64") the module channel
	// serves for this release; empty when no proxy answered.
	Modules []string `json:"modules,omitempty"`
	// Index is the release index that gave Files (and so the SHA-256 an
	// archive is checked against); zero when no index did.
	Index IndexRef `json:"-"`
}

// IndexRef names a release index.
type IndexRef struct {
	Name string // catalogue name
	URL  string
	// PlainHTTP is true for an http:// index on another host that the
	// catalogue explicitly allowed ("allow_http"): its hashes are only as
	// trustworthy as the network path.
	PlainHTTP bool
}

// String is how progress output names the index: "official
// (https://go.dev/dl/)".
func (r IndexRef) String() string {
	if r.Name == "" {
		return "the release index"
	}
	s := "release index " + r.Name
	if r.URL != "" && r.URL != r.Name {
		s += " (" + r.URL + ")"
	}
	if r.PlainHTTP {
		s += ", fetched over plain HTTP as the catalogue allows"
	}
	return s
}

// File is one download in the official release index.
type File struct {
	Filename string `json:"filename"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Version  string `json:"version"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Kind     string `json:"kind"` // "archive", "installer" or "source"
}

// Source is a download channel.
type Source string

const (
	// SourceAuto tries the better-ranked channel and falls back to the other.
	SourceAuto Source = "auto"
	// SourceArchive downloads <mirror>/<filename> and checks the SHA-256
	// from the official index.
	SourceArchive Source = "archive"
	// SourceModule downloads golang.org/toolchain from a GOPROXY and checks
	// it against the checksum database.
	SourceModule Source = "module"
)

// ParseSource validates a --source value.
func ParseSource(s string) (Source, bool) {
	switch Source(s) {
	case SourceAuto, SourceArchive, SourceModule:
		return Source(s), true
	}
	return "", false
}
