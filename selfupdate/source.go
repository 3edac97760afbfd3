package selfupdate

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxChecksumsSize bounds checksums.txt: a release's is about 2 KB, so
// anything much bigger is not one (an endless or hostile response).
const maxChecksumsSize = 1 << 20

// maxArchiveSize bounds a downloaded archive (gosetup's are about 5 MB).
const maxArchiveSize = 256 << 20

// Source is a release host: a base URL laid out as the package comment
// describes, and the HTTP client to reach it with.
type Source struct {
	BaseURL string // DefaultBaseURL when empty
	Client  *http.Client
}

// Release is one version on a Source, with its checksums.
type Release struct {
	Version   string
	Checksums Checksums
	base      string
}

func (s Source) base() (string, error) {
	b := strings.TrimRight(s.BaseURL, "/")
	if b == "" {
		b = DefaultBaseURL
	}
	u, err := url.Parse(b)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("GOSETUP_DOWNLOAD_URL %q is not an http(s) URL; set it to the base URL of a gosetup release mirror, or unset it for %s", s.BaseURL, DefaultBaseURL)
	}
	return b, nil
}

// Latest reads the newest release's checksums.txt from
// BASE/latest/download/ and the version from its archive names.
func (s Source) Latest(ctx context.Context) (*Release, error) {
	return s.release(ctx, "latest/download", "")
}

// Get reads the checksums of one version (without a leading v).
func (s Source) Get(ctx context.Context, version string) (*Release, error) {
	version = strings.TrimPrefix(version, "v")
	if !ValidVersion(version) {
		return nil, fmt.Errorf("%q is not a release version (want one like 1.2.3)", version)
	}
	return s.release(ctx, "download/v"+version, version)
}

func (s Source) release(ctx context.Context, dir, want string) (*Release, error) {
	base, err := s.base()
	if err != nil {
		return nil, err
	}
	u := base + "/" + dir + "/checksums.txt"
	body, err := s.get(ctx, u, maxChecksumsSize)
	if err != nil {
		return nil, err
	}
	sums, err := ParseChecksums(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	v, err := sums.Version()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if want != "" && v != want {
		return nil, fmt.Errorf("%s names version %s, not %s; the mirror's copy is misplaced", u, v, want)
	}
	return &Release{Version: v, Checksums: sums, base: base}, nil
}

// ArchiveURL is where the release's archive of that name is.
func (r *Release) ArchiveURL(name string) string {
	return r.base + "/download/v" + r.Version + "/" + name
}

// get fetches a small file whole.
func (s Source) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	resp, err := s.open(ctx, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes, far more than a checksums.txt: the release host is not serving gosetup releases", u, limit)
	}
	return body, nil
}

// open starts a GET and checks the status.
func (s Source) open(ctx context.Context, u string) (*http.Response, error) {
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w (check the network, or set GOSETUP_DOWNLOAD_URL to a reachable mirror)", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		hint := "check GOSETUP_DOWNLOAD_URL"
		if resp.StatusCode == http.StatusNotFound {
			hint = "no such release file there; check GOSETUP_DOWNLOAD_URL and the version"
		}
		return nil, fmt.Errorf("downloading %s: %s (%s)", u, cleanStatus(resp.Status), hint)
	}
	return resp, nil
}

// cleanStatus keeps a server's status line printable: it goes to the user's
// terminal.
func cleanStatus(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
