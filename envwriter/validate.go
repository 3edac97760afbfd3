package envwriter

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/note"

	"github.com/gosetup/gosetup/internal/catalog"
)

// Validate checks every non-empty value of s before anything is written, so
// that a bad value is a clear error and no file changes. Path directories
// are checked for the platform goos ("windows" or any Unix).
func (s Settings) Validate(goos string) error {
	var errs []error
	for _, v := range s.Vars() {
		if err := ValidateVar(v.Name, v.Value); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range s.Path {
		if err := ValidatePathDir(d, goos); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ValidateVar checks one GO* value by the go command's rules for it.
func ValidateVar(name, value string) error {
	if err := checkPlain(name, value); err != nil {
		return err
	}
	switch name {
	case "GOPROXY":
		return ValidateGOPROXY(value)
	case "GOSUMDB":
		return ValidateGOSUMDB(value)
	case "GOPRIVATE", "GONOPROXY", "GONOSUMDB":
		return ValidatePatterns(name, value)
	}
	return fmt.Errorf("gosetup does not write %s", name)
}

// checkPlain applies the rules `go env -w` applies to every value: the Go
// env file holds one KEY=VALUE per line, so newlines cannot be stored, and
// NUL cannot be passed through an environment at all.
func checkPlain(name, value string) error {
	switch {
	case !utf8.ValidString(value):
		return fmt.Errorf("%s: invalid UTF-8 in the value", name)
	case strings.Contains(value, "\x00"):
		return fmt.Errorf("%s: the value contains a NUL byte", name)
	case strings.ContainsAny(value, "\v\r\n"):
		return fmt.Errorf("%s: the value contains a line break; give it on one line", name)
	}
	return nil
}

// ValidateGOPROXY checks a GOPROXY list: http or https URLs, "direct" and
// "off", separated by "," (next entry only after 404/410) or "|" (next
// entry after any error).
func ValidateGOPROXY(list string) error {
	if strings.TrimSpace(list) == "" {
		return errors.New("GOPROXY: the list is empty; give URLs, direct or off, e.g. https://proxy.golang.org,direct")
	}
	rest := list
	for i := 0; ; i++ {
		var entry string
		j := strings.IndexAny(rest, ",|")
		if j >= 0 {
			entry, rest = rest[:j], rest[j+1:]
		} else {
			entry, rest = rest, ""
		}
		entry = strings.TrimSpace(entry)
		switch {
		case entry == "":
			return fmt.Errorf("GOPROXY: entry %d of %q is empty; remove the doubled or trailing separator", i+1, list)
		case entry == "direct" || entry == "off":
			// The go command ignores anything after these two.
		default:
			if err := checkHTTPURL(entry); err != nil {
				return fmt.Errorf("GOPROXY: entry %q: %w", entry, err)
			}
		}
		if j < 0 {
			return nil
		}
	}
}

// checkHTTPURL accepts an absolute http or https URL with a host and nothing
// a proxy base cannot have.
func checkHTTPURL(s string) error {
	if strings.ContainsAny(s, " \t") {
		return errors.New("contains white space")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" && !strings.Contains(s, "/") || u.Opaque != "" {
			return fmt.Errorf("not a URL, direct or off; did you mean https://%s ?", s)
		}
		return fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("the URL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("a proxy URL cannot carry a query, fragment or user name")
	}
	return nil
}

// ValidateGOSUMDB checks "off" or "name[+hash+key] [url]", as the go
// command's modfetch.dbDial parses it: a bare name must be one whose key is
// known, a key must parse as a note verifier key, the name must be a plain
// host[/path] (an https:// prefix is an error), and the URL must be http(s).
func ValidateGOSUMDB(v string) error {
	if v == "off" {
		return nil
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return errors.New("GOSUMDB: empty value; give a name such as sum.golang.org, or off")
	}
	if len(f) > 2 {
		return fmt.Errorf("GOSUMDB: %q has %d fields; the form is name[+key] [url]", v, len(f))
	}
	name := f[0]
	if strings.Contains(name, "://") {
		return fmt.Errorf("GOSUMDB: %q: the first field is a database name, not a URL; write it as \"NAME URL\", e.g. \"sum.golang.org %s\"", name, name)
	}
	key := name
	if _, _, ok := catalog.SumDBAlias(name); ok {
		if len(f) == 2 {
			return fmt.Errorf("GOSUMDB: %s is a shorthand that already names its URL; give either it alone or \"sum.golang.org URL\"", name)
		}
		return nil
	}
	if k, ok := catalog.KnownKey(name); ok {
		key = k
	}
	if !strings.Contains(key, "+") {
		return fmt.Errorf("GOSUMDB: gosetup does not know the key of %q; give it as name+hash+key (the database's verifier key)", name)
	}
	verifier, err := note.NewVerifier(key)
	if err != nil {
		return fmt.Errorf("GOSUMDB: %q is not a valid verifier key: %v", name, err)
	}
	dbName := verifier.Name()
	direct, err := url.Parse("https://" + dbName)
	if err != nil || strings.HasSuffix(dbName, "/") || direct.Host == "" || direct.RawPath != "" ||
		*direct != (url.URL{Scheme: "https", Host: direct.Host, Path: direct.Path}) {
		return fmt.Errorf("GOSUMDB: invalid database name %q (must be host[/path])", dbName)
	}
	if len(f) == 2 {
		if err := checkHTTPURL(f[1]); err != nil {
			return fmt.Errorf("GOSUMDB: URL %q: %w", f[1], err)
		}
	}
	return nil
}

// ValidatePatterns checks a comma-separated list of module path prefix
// patterns (GOPRIVATE, GONOPROXY, GONOSUMDB) as module.MatchPrefixPatterns
// reads them: path.Match globs, a trailing slash ignored, empty entries
// skipped. A pattern that path.Match rejects would silently never match, so
// it is an error here, as is anything that cannot be part of a module path
// once the glob syntax is set aside (white space, a URL scheme, ...).
func ValidatePatterns(name, list string) error {
	any := false
	for _, glob := range strings.Split(list, ",") {
		glob = strings.TrimSuffix(glob, "/")
		if glob == "" {
			continue
		}
		any = true
		if strings.Contains(glob, "://") {
			return fmt.Errorf("%s: %q is a URL; give a module path pattern such as corp.example.com/*", name, glob)
		}
		if strings.ContainsAny(glob, " \t") {
			return fmt.Errorf("%s: pattern %q contains white space; separate patterns with commas only", name, glob)
		}
		if _, err := path.Match(glob, ""); err != nil {
			return fmt.Errorf("%s: pattern %q is not a valid glob: %v", name, glob, err)
		}
		if err := module.CheckImportPath(deglob(glob)); err != nil {
			return fmt.Errorf("%s: pattern %q cannot match a module path: %v", name, glob, err)
		}
	}
	if !any {
		return fmt.Errorf("%s: no patterns in %q", name, list)
	}
	return nil
}

// deglob replaces each glob token of a path.Match pattern (*, ?, [...], \x)
// with a plain letter, leaving a path CheckImportPath can judge.
func deglob(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*', '?':
			b.WriteByte('x')
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteByte(p[i])
			}
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				b.WriteByte('x')
				i = len(p)
				break
			}
			i += j
			b.WriteByte('x')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ValidatePathDir checks a directory to put on PATH: absolute, on one line,
// and free of the list separator, which would split it in two.
func ValidatePathDir(dir, goos string) error {
	sep := ":"
	abs := strings.HasPrefix(dir, "/")
	if goos == "windows" {
		sep = ";"
		abs = len(dir) >= 3 && dir[1] == ':' && (dir[2] == '\\' || dir[2] == '/') || strings.HasPrefix(dir, `\\`)
	}
	switch {
	case dir == "":
		return errors.New("PATH: empty directory")
	case strings.ContainsAny(dir, "\x00\r\n"):
		return fmt.Errorf("PATH: directory %q contains a line break or NUL", dir)
	case !utf8.ValidString(dir):
		return fmt.Errorf("PATH: directory %q is not valid UTF-8", dir)
	case !abs:
		return fmt.Errorf("PATH: directory %q is not absolute; give the full path", dir)
	case strings.Contains(dir, sep):
		return fmt.Errorf("PATH: directory %q contains %q, the PATH separator; move it to a path without one", dir, sep)
	}
	if goos != "windows" && path.Clean(dir) != dir {
		// The run-time check compares whole entries, so /a/bin/ and
		// /a/bin would both end up on PATH.
		return fmt.Errorf("PATH: directory %q is not in clean form; use %q", dir, path.Clean(dir))
	}
	return nil
}
