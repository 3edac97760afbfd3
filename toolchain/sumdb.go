package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/httpx"
)

// DefaultSumDB is the checksum database the go command uses by default.
const DefaultSumDB = "sum.golang.org"

// SumDB looks up verified module hashes in a checksum database. It uses
// golang.org/x/mod/sumdb's client, which checks the signed tree head against
// the database's public key and each record's inclusion proof through the
// tiles, and, with CacheDir set, remembers the newest tree head it has seen
// so that a database that later rolls back or forks its log is caught.
type SumDB struct {
	Client  *http.Client
	Catalog *catalog.Catalog
	// Name is the database name (default "sum.golang.org").
	Name string
	// CacheDir keeps the latest verified tree head and verified tiles and
	// records, e.g. <user cache>/gosetup/sumdb; "" means no persistence.
	CacheDir string
	// Timeout bounds each request to the database or proxy (0: 30s).
	Timeout time.Duration
}

// SumDBError is a checksum-database failure. Security is true when the
// database (or something impersonating it) served data that failed
// verification: a bad signature, a record outside the signed tree, or a
// tree inconsistent with one seen before. Never retry those elsewhere
// silently: say so.
type SumDBError struct {
	Module, Version string
	Security        bool
	Err             error
}

func (e *SumDBError) Error() string {
	what := "checksum database lookup of " + e.Module + "@" + e.Version
	if e.Security {
		return what + " FAILED VERIFICATION: " + e.Err.Error() +
			"; the database or a proxy in between served forged or inconsistent data, so nothing was trusted"
	}
	return what + ": " + e.Err.Error()
}

func (e *SumDBError) Unwrap() error { return e.Err }

// MissingSumDBError is a checksum database the mirror catalogue does not
// describe well enough to use: no verifier key (NoKey), or no URL while
// the proxy does not pass it through. The face says how to give a
// catalogue.
type MissingSumDBError struct {
	Name  string
	Proxy string
	NoKey bool
}

func (e *MissingSumDBError) Error() string {
	if e.NoKey {
		return fmt.Sprintf("no verifier key for checksum database %q: add its \"key\" to a sumdb entry in the mirror catalogue", e.Name)
	}
	return fmt.Sprintf("the mirror catalogue has no URL for checksum database %q and proxy %q does not pass it through; add a sumdb entry to the catalogue", e.Name, e.Proxy)
}

// ErrNotInSumDB is wrapped by ZipHash when the database has no record of
// the module version (it does not exist, or the database has never seen it).
var ErrNotInSumDB = errors.New("not in the checksum database")

// ZipHash returns the verified "h1:..." hash of modPath@version's zip.
//
// Like the go command, it first asks <proxyURL>/sumdb/<name>/supported; on
// a 200 answer all checksum-database traffic goes through the proxy, with no
// fallback. Otherwise (or with proxyURL "") it uses the catalogue's sumdb
// entries for the name directly, in order, failing over.
func (s *SumDB) ZipHash(ctx context.Context, proxyURL, modPath, version string) (string, error) {
	name := s.Name
	if name == "" {
		name = DefaultSumDB
	}
	cat := s.Catalog
	if cat == nil {
		cat = catalog.Default()
	}
	// "sum.golang.google.cn" is sum.golang.org served from another host,
	// as the go command treats it.
	var aliasURL string
	if db, u, ok := catalog.SumDBAlias(name); ok {
		name, aliasURL = db, u
	}
	key, ok := cat.SumDBKey(name)
	if !ok {
		return "", &MissingSumDBError{Name: name, NoKey: true}
	}
	client, err := httpx.OrDefault(s.Client)
	if err != nil {
		return "", err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ops := &sumdbOps{ctx: ctx, client: client, key: key, name: name, cacheDir: s.CacheDir, timeout: timeout}
	if proxyURL != "" {
		base := strings.TrimRight(proxyURL, "/") + "/sumdb/" + name
		if supported(ctx, client, base, timeout) {
			ops.bases = []string{base}
		}
	}
	if ops.bases == nil {
		if aliasURL != "" {
			ops.bases = append(ops.bases, aliasURL)
		}
		for _, e := range cat.List(catalog.KindSumDB) {
			if e.Name == name && e.URL != aliasURL {
				ops.bases = append(ops.bases, e.URL)
			}
		}
		if len(ops.bases) == 0 {
			return "", &MissingSumDBError{Name: name, Proxy: proxyURL}
		}
	}

	// A fresh client per call: its ClientOps carry this call's context.
	lines, err := sumdb.NewClient(ops).Lookup(modPath, version)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		serr := &SumDBError{Module: modPath, Version: version, Err: err}
		if msg := ops.securityMessage(); msg != "" || errors.Is(err, sumdb.ErrSecurity) {
			serr.Security = true
			if msg != "" {
				serr.Err = fmt.Errorf("%w\n%s", err, msg)
			}
		} else if isVerificationFailure(err) {
			serr.Security = true
		} else if ops.notFound() {
			serr.Err = fmt.Errorf("%w (%v)", ErrNotInSumDB, err)
		}
		return "", serr
	}
	prefix := modPath + " " + version + " "
	for _, l := range lines {
		if h, ok := strings.CutPrefix(l, prefix); ok && strings.HasPrefix(h, "h1:") {
			return h, nil
		}
	}
	return "", &SumDBError{Module: modPath, Version: version, Err: fmt.Errorf("%w: the record has no zip hash", ErrNotInSumDB)}
}

// isVerificationFailure recognises the x/mod client's errors for data that
// did not verify: a tree head whose signature does not check out, or record
// data not in the signed tree. These are not network trouble.
func isVerificationFailure(err error) bool {
	msg := err.Error()
	for _, s := range []string{"reading tree note", "verifying tree note", "malformed note", "no verifiable signatures", "invalid signature", "unknown key",
		"cannot authenticate record data", "cannot validate record", "malformed record", "downloaded inconsistent tile"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// supported asks a proxy whether it passes the database through.
func supported(ctx context.Context, client *http.Client, base string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/supported", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// sumdbOps implements sumdb.ClientOps for one ZipHash call.
type sumdbOps struct {
	ctx      context.Context
	client   *http.Client
	key      string
	name     string
	cacheDir string
	timeout  time.Duration
	bases    []string // database URLs in failover order

	mu        sync.Mutex
	good      int // index into bases that last answered
	security  []string
	lookup404 bool
}

// maxSumDBResponse caps one lookup or tile answer (tiles are 8 KiB).
const maxSumDBResponse = 1 << 20

func (o *sumdbOps) ReadRemote(path string) ([]byte, error) {
	o.mu.Lock()
	start := o.good
	o.mu.Unlock()
	var errs []error
	for i := 0; i < len(o.bases); i++ {
		j := (start + i) % len(o.bases)
		data, status, err := o.fetch(o.bases[j] + path)
		if err == nil {
			o.mu.Lock()
			o.good = j
			o.mu.Unlock()
			return data, nil
		}
		if status == http.StatusNotFound || status == http.StatusGone {
			// The database answered: it has no such record or tile. Another
			// mirror of the same database would say the same.
			if strings.HasPrefix(path, "/lookup/") {
				o.mu.Lock()
				o.lookup404 = true
				o.mu.Unlock()
			}
			return nil, err
		}
		errs = append(errs, err)
		if o.ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

func (o *sumdbOps) fetch(url string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(o.ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		detail := untrusted(strings.TrimSpace(string(msg)), 300)
		if detail != "" {
			detail = ": " + detail
		}
		return nil, resp.StatusCode, fmt.Errorf("GET %s: %s%s", url, untrusted(resp.Status, 100), detail)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSumDBResponse+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(data) > maxSumDBResponse {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: answer larger than %d bytes", url, maxSumDBResponse)
	}
	return data, resp.StatusCode, nil
}

func (o *sumdbOps) notFound() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lookup404
}

// ReadConfig serves the verifier key from the catalogue and the latest
// known tree head from CacheDir.
func (o *sumdbOps) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.key), nil
	}
	if o.cacheDir == "" {
		return nil, nil // start from an empty tree
	}
	p, err := o.path("config", file)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// WriteConfig stores the latest tree head with compare-and-swap semantics,
// as sumdb.ClientOps requires. A file lock is not needed for correctness:
// the client re-reads and merges on conflict, and the rename is atomic.
func (o *sumdbOps) WriteConfig(file string, old, new []byte) error {
	if o.cacheDir == "" {
		return nil
	}
	p, err := o.path("config", file)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	cur, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if !bytes.Equal(cur, old) {
		return sumdb.ErrWriteConflict
	}
	return writeFileAtomic(p, new)
}

func (o *sumdbOps) ReadCache(file string) ([]byte, error) {
	if o.cacheDir == "" {
		return nil, os.ErrNotExist
	}
	p, err := o.path("cache", file)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// WriteCache saves verified tiles and records. Failing to cache only costs
// speed next time, so errors are ignored.
func (o *sumdbOps) WriteCache(file string, data []byte) {
	if o.cacheDir == "" {
		return
	}
	if p, err := o.path("cache", file); err == nil {
		writeFileAtomic(p, data)
	}
}

func (o *sumdbOps) Log(msg string) {}

func (o *sumdbOps) SecurityError(msg string) {
	o.mu.Lock()
	o.security = append(o.security, msg)
	o.mu.Unlock()
}

func (o *sumdbOps) securityMessage() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.security, "\n")
}

// path maps a client file name ("sum.golang.org/latest",
// "sum.golang.org/tile/8/0/001") under CacheDir/kind, refusing anything that
// would step outside it.
func (o *sumdbOps) path(kind, file string) (string, error) {
	if file == "" || strings.HasPrefix(file, "/") || strings.Contains(file, "\\") || strings.Contains(file, ":") {
		return "", fmt.Errorf("sumdb: unexpected cache file name %q", file)
	}
	for _, part := range strings.Split(file, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("sumdb: unexpected cache file name %q", file)
		}
	}
	// The tree state belongs to one key: a catalogue that gives the same
	// name another key must not be judged against the old key's tree.
	keyID := o.name
	if parts := strings.SplitN(o.key, "+", 3); len(parts) == 3 {
		keyID = parts[0] + "+" + parts[1]
	}
	keyID = strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(keyID)
	return filepath.Join(o.cacheDir, keyID, kind, filepath.FromSlash(file)), nil
}

// writeFileAtomic writes via a temporary file and rename, so a crash never
// leaves a torn tree head that would make the next run fail verification.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
