// Package catalog holds gosetup's mirror catalogue: the release indexes,
// toolchain archive mirrors, module proxies and checksum databases that the
// toolchain installer, the probe and the env writer choose from.
//
// The built-in catalogue is data (mirrors.json, embedded), not code, so that a
// company can replace or extend it with its own file (--mirrors FILE or
// GOSETUP_MIRRORS=FILE) without a new gosetup build.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

//go:embed mirrors.json
var builtinJSON []byte

// Kind is one of the four lists a catalogue holds.
type Kind string

const (
	// KindIndex entries are release indexes: URL + "?mode=json&include=all".
	KindIndex Kind = "index"
	// KindArchive entries are flat archive mirrors: URL + filename.
	KindArchive Kind = "archive"
	// KindProxy entries are GOPROXY bases.
	KindProxy Kind = "proxy"
	// KindSumDB entries name a checksum database and give a base URL for it.
	KindSumDB Kind = "sumdb"
)

// Kinds lists every kind in catalogue order.
var Kinds = []Kind{KindIndex, KindArchive, KindProxy, KindSumDB}

// Entry is one mirror.
type Entry struct {
	// Name identifies the mirror to users (--mirror NAME). For a sumdb entry
	// it is the checksum database's name, such as sum.golang.org, which may
	// appear several times with different URLs.
	Name string `json:"name"`
	// URL is the base URL, normalised: index and archive URLs end in "/",
	// proxy and sumdb URLs do not.
	URL string `json:"url"`
	// Key is a checksum database's verifier key ("name+hash+key"). Only a
	// sumdb entry for a database gosetup does not know needs one.
	Key string `json:"key,omitempty"`
	// AllowHTTP, for an index entry only, lets gosetup use an http:// index
	// on a host other than loopback. An index gives the SHA-256 every
	// archive is checked against, so over plain HTTP anyone on the network
	// path could choose what gets installed (and run, for the version
	// check); without this it is refused. Archive mirrors and module
	// proxies may be plain HTTP: what they serve is checked against the
	// index's hash or the signed checksum database.
	AllowHTTP bool `json:"allow_http,omitempty"`
}

// Catalog is the set of mirrors gosetup knows about, in preference order
// within each kind.
type Catalog struct {
	Index   []Entry `json:"index"`
	Archive []Entry `json:"archive"`
	Proxy   []Entry `json:"proxy"`
	SumDB   []Entry `json:"sumdb"`
}

// file is the on-disk format.
type file struct {
	Mode    string  `json:"mode"`
	Index   []Entry `json:"index"`
	Archive []Entry `json:"archive"`
	Proxy   []Entry `json:"proxy"`
	SumDB   []Entry `json:"sumdb"`
}

// maxFileSize caps a catalogue file; a company catalogue of thousands of
// mirrors is well under it.
const maxFileSize = 4 << 20

// EnvVar names the environment variable that points at a catalogue file.
const EnvVar = "GOSETUP_MIRRORS"

// Default returns a fresh copy of the built-in catalogue.
func Default() *Catalog {
	c, err := parse(builtinJSON, nil, "built-in catalogue")
	if err != nil {
		// The embedded file is tested; failing here is a build defect.
		panic("gosetup: built-in mirror catalogue is invalid: " + err.Error())
	}
	return c
}

// ReadError is Load's failure to read the catalogue file. FromEnv tells
// whether $GOSETUP_MIRRORS named it rather than the caller, so that a face
// can point at the right place to fix.
type ReadError struct {
	Path    string
	FromEnv bool
	Err     error
}

func (e *ReadError) Error() string {
	if e.FromEnv {
		return fmt.Sprintf("reading mirror catalogue named by %s: %v", EnvVar, e.Err)
	}
	return fmt.Sprintf("reading mirror catalogue: %v", e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// Load returns the catalogue to use: the built-in one, replaced or extended
// by the file named by flagPath, or if that is empty by $GOSETUP_MIRRORS.
func Load(flagPath string, getenv func(string) string) (*Catalog, error) {
	path := flagPath
	if path == "" && getenv != nil {
		path = getenv(EnvVar)
	}
	if path == "" {
		return Default(), nil
	}
	data, err := readFile(path)
	if err != nil {
		return nil, &ReadError{Path: path, FromEnv: flagPath == "", Err: err}
	}
	return parse(data, Default(), path)
}

// Parse reads a catalogue file's contents and applies it to base according to
// its mode. base may be nil when the file's mode is "replace".
func Parse(data []byte, base *Catalog) (*Catalog, error) {
	return parse(data, base, "mirror catalogue")
}

func parse(data []byte, base *Catalog, source string) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s is not valid catalogue JSON: %w; see the README's \"Mirror catalogue\" section for the format", source, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: unexpected data after the JSON object; a catalogue file holds one object", source)
	}
	add := &Catalog{Index: f.Index, Archive: f.Archive, Proxy: f.Proxy, SumDB: f.SumDB}
	for _, k := range Kinds {
		list := add.list(k)
		for i := range *list {
			if err := normalize(k, &(*list)[i]); err != nil {
				return nil, fmt.Errorf("%s: %s entry %d (%q): %w", source, k, i, (*list)[i].Name, err)
			}
		}
		if err := checkUnique(k, *list); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	switch f.Mode {
	case "replace":
		if len(add.Index) == 0 && len(add.Archive) == 0 && len(add.Proxy) == 0 && len(add.SumDB) == 0 {
			return nil, fmt.Errorf("%s: mode \"replace\" with no entries would leave gosetup with no mirrors; list at least one, or use mode \"extend\"", source)
		}
		return add, nil
	case "extend":
		if base == nil {
			base = Default()
		}
		return base.extend(add), nil
	case "":
		return nil, fmt.Errorf("%s: \"mode\" is missing; set it to \"replace\" or \"extend\"", source)
	default:
		return nil, fmt.Errorf("%s: mode %q is not \"replace\" or \"extend\"", source, f.Mode)
	}
}

// extend returns base with add's entries first in each list (they are the
// user's own, so preferred), dropping base entries that add redefines.
func (c *Catalog) extend(add *Catalog) *Catalog {
	out := &Catalog{}
	for _, k := range Kinds {
		mine := *add.list(k)
		merged := append([]Entry(nil), mine...)
		for _, e := range *c.list(k) {
			if !redefined(k, e, mine) {
				merged = append(merged, e)
			}
		}
		*out.list(k) = merged
	}
	return out
}

func redefined(k Kind, e Entry, mine []Entry) bool {
	for _, m := range mine {
		if k == KindSumDB {
			if m.URL == e.URL {
				return true
			}
		} else if m.Name == e.Name {
			return true
		}
	}
	return false
}

// List returns the entries of one kind.
func (c *Catalog) List(k Kind) []Entry {
	return *c.list(k)
}

func (c *Catalog) list(k Kind) *[]Entry {
	switch k {
	case KindIndex:
		return &c.Index
	case KindArchive:
		return &c.Archive
	case KindProxy:
		return &c.Proxy
	case KindSumDB:
		return &c.SumDB
	}
	panic("catalog: unknown kind " + string(k))
}

// Lookup finds an entry of kind k by name, or, when ref is a URL, makes an
// ad-hoc entry for it. This is what a face's mirror choice (the command line's --mirror NAME|URL) means.
func (c *Catalog) Lookup(k Kind, ref string) (Entry, error) {
	if strings.Contains(ref, "://") {
		e := Entry{Name: ref, URL: ref}
		if err := normalize(k, &e); err != nil {
			return Entry{}, fmt.Errorf("mirror %q: %w", ref, err)
		}
		return e, nil
	}
	var names []string
	for _, e := range c.List(k) {
		if e.Name == ref {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return Entry{}, fmt.Errorf("no %s mirror is named %q; known names: %s, or give a URL", k, ref, strings.Join(names, ", "))
}

// SumDBKey returns the verifier key for the named checksum database: the
// entry's own key if the catalogue gives one, else gosetup's known key.
func (c *Catalog) SumDBKey(name string) (string, bool) {
	for _, e := range c.SumDB {
		if e.Name == name && e.Key != "" {
			return e.Key, true
		}
	}
	k, ok := KnownKey(name)
	return k, ok
}

func normalize(k Kind, e *Entry) error {
	e.Name = strings.TrimSpace(e.Name)
	if e.Name == "" {
		return errors.New("\"name\" is empty")
	}
	if strings.ContainsAny(e.Name, " \t\r\n\"'") {
		return errors.New("\"name\" must not contain spaces or quotes")
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return fmt.Errorf("\"url\" %q: %w", e.URL, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("\"url\" %q must start with https:// or http://", e.URL)
	}
	if u.Host == "" {
		return fmt.Errorf("\"url\" %q has no host", e.URL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("\"url\" %q must not carry a query, fragment or credentials (use ~/.netrc or a proxy for credentials)", e.URL)
	}
	switch k {
	case KindIndex, KindArchive:
		if !strings.HasSuffix(e.URL, "/") {
			e.URL += "/"
		}
	default:
		e.URL = strings.TrimRight(e.URL, "/")
	}
	if k == KindSumDB {
		if e.Key != "" {
			if !strings.HasPrefix(e.Key, e.Name+"+") {
				return fmt.Errorf("\"key\" must start with the database name %q followed by \"+\"", e.Name)
			}
		} else if _, ok := KnownKey(e.Name); !ok {
			return fmt.Errorf("gosetup does not know the checksum database %q; give its verifier key in \"key\" or use a known name (%s)", e.Name, knownNames())
		}
	} else if e.Key != "" {
		return fmt.Errorf("\"key\" is only meaningful for sumdb entries")
	}
	if e.AllowHTTP && k != KindIndex {
		return fmt.Errorf("\"allow_http\" is only meaningful for index entries (%s entries may be http:// already: what they serve is verified)", k)
	}
	return nil
}

func checkUnique(k Kind, list []Entry) error {
	seen := map[string]bool{}
	for _, e := range list {
		id := e.Name
		if k == KindSumDB {
			id = e.URL
		}
		if seen[id] {
			return fmt.Errorf("%s entry %q appears twice", k, id)
		}
		seen[id] = true
	}
	return nil
}
