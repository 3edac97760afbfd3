package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// maxIndexSize caps the release index body. The official include=all index
// is a few megabytes; anything far larger is not an index.
const maxIndexSize = 64 << 20

// IndexURL is the JSON listing of every release under an index base URL
// (which ends in "/").
func IndexURL(base string) string {
	return base + "?mode=json&include=all"
}

// fetchIndex downloads and parses one release index, refusing one that
// would come over plain HTTP from another host (see trustedIndexURL), and
// names it in every release it lists.
func fetchIndex(ctx context.Context, client *http.Client, e catalog.Entry) ([]Release, error) {
	u, err := url.Parse(e.URL)
	if err != nil {
		return nil, err
	}
	if err := checkIndexURL(u, e.AllowHTTP); err != nil {
		return nil, err
	}
	// Every redirect hop must be as trustworthy as the first URL: an
	// https index redirecting to http:// would hand the hashes to the
	// network path again.
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if err := checkIndexURL(req.URL, e.AllowHTTP); err != nil {
			return fmt.Errorf("redirected: %w", err)
		}
		return nil
	}
	body, err := get(ctx, &c, IndexURL(e.URL), maxIndexSize)
	if err != nil {
		return nil, err
	}
	rels, err := ParseIndex(body)
	if err != nil {
		return nil, err
	}
	ref := IndexRef{Name: e.Name, URL: e.URL, PlainHTTP: !trustedIndexURL(u)}
	for i := range rels {
		rels[i].Index = ref
	}
	return rels, nil
}

// trustedIndexURL reports whether what u serves cannot be changed by the
// network path: HTTPS, or plain HTTP to this machine (a local mirror).
func trustedIndexURL(u *url.URL) bool {
	if u.Scheme == "https" {
		return true
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkIndexURL(u *url.URL, allowHTTP bool) error {
	if trustedIndexURL(u) || allowHTTP && u.Scheme == "http" {
		return nil
	}
	return fmt.Errorf("refusing the release index at %s over plain HTTP: it gives the SHA-256 every archive is checked against, so anyone on the network path could choose what is installed; use an https:// URL, or, on a network you trust, set \"allow_http\": true on this index entry of the catalogue", untrusted(u.Redacted(), 200))
}

// ParseIndex parses the official release index JSON. It rejects what a
// broken mirror or captive portal serves instead (an HTML page, an empty
// list, entries without a valid version) so that the race moves on.
func ParseIndex(data []byte) ([]Release, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return nil, errors.New("got an HTML page, not the JSON release index (a captive portal or a wrong URL?)")
	}
	var rels []Release
	if err := json.Unmarshal(trimmed, &rels); err != nil {
		return nil, fmt.Errorf("not a JSON release index: %w", err)
	}
	if len(rels) == 0 {
		return nil, errors.New("the release index lists no releases")
	}
	for i := range rels {
		r := &rels[i]
		if !dist.IsValid(r.Version) {
			return nil, fmt.Errorf("release index entry %d has an invalid version %q", i, r.Version)
		}
		// An archive entry we could not verify or name safely is dropped,
		// not trusted; one odd old entry must not make the index useless.
		files := r.Files[:0]
		for _, f := range r.Files {
			if f.Kind == "archive" && (f.Filename == "" || len(f.SHA256) != 64 || f.Size <= 0 ||
				strings.ContainsAny(f.Filename, "/\\") || strings.Contains(f.Filename, "..")) {
				continue
			}
			files = append(files, f)
		}
		r.Files = files
	}
	return rels, nil
}

// get fetches url and returns its body, failing on any status but 200 and
// on bodies over limit.
func get(ctx context.Context, client *http.Client, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("GET %s: %s", url, untrusted(resp.Status, 100))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("GET %s: body larger than %d bytes", url, limit)
	}
	return body, nil
}
