package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// listLimit bounds a toolchain list: today's is a few kilobytes per
// hundred versions; a megabyte is far beyond any honest answer.
const listLimit = 1 << 20

// readList fetches and checks <proxy>/golang.org/toolchain/@v/list.
func readList(ctx context.Context, c *http.Client, base string, p dist.Platform) (toolchainList, *response, error) {
	resp, err := fetch(ctx, c, http.MethodGet, base+"/"+dist.ToolchainModule+"/@v/list", nil, listLimit)
	if err != nil {
		return toolchainList{}, nil, wrap("toolchain list", err)
	}
	if resp.status != http.StatusOK {
		return toolchainList{}, resp, statusError("toolchain list", resp)
	}
	l, err := parseToolchainList(resp.body, resp.more, p)
	return l, resp, err
}

// probeProxy proves a module proxy: a well-formed toolchain list (which also
// gives its freshness), whether it passes each checksum database through,
// and, when it says it does, that what it passes is signed by the database.
// Remaining samples are .info requests for the newest toolchain it lists,
// which also proves it serves what it lists.
func (r *runner) probeProxy(ctx context.Context, c *http.Client, e entry, res *Result) error {
	var s samples
	defer func() { s.fill(res) }()
	reported := false
	defer func() {
		if !reported {
			r.board.report("", false, nil)
		}
	}()
	res.SumDBSupported = []string{}

	l, resp, err := readList(ctx, c, e.URL, r.opts.Platform)
	if resp != nil {
		s = append(s, resp.sample)
	}
	if err != nil {
		return err
	}
	r.board.report(l.newestStable, false, nil)
	reported = true
	res.NewestToolchain = l.newestStable
	if l.newestStable == "" {
		// Still a working proxy for modules; it just cannot serve a
		// released toolchain for this platform, so freshness is moot.
		res.Note = joinNote(res.Note, "lists no stable Go toolchain for "+r.opts.Platform.String())
	}

	var supported []string
	for _, name := range sumdbNames(r.opts.Catalog) {
		what := "/sumdb/" + name + "/supported"
		resp, err := fetch(ctx, c, http.MethodGet, e.URL+what, nil, 4096)
		if err != nil {
			return wrap(what, err)
		}
		s = append(s, resp.sample)
		switch resp.status {
		case http.StatusOK:
			supported = append(supported, name)
		case http.StatusNotFound, http.StatusGone:
			// Not passed through: the go command asks the next proxy, then
			// the database itself.
		default:
			res.Note = joinNote(res.Note, fmt.Sprintf("%s answered HTTP %d, so the go command would not use this proxy for %s", what, resp.status, name))
		}
	}
	for _, name := range supported {
		// The go command sends all of this database's traffic through a
		// proxy that says "supported", with no fallback: what it serves
		// there must verify, or the proxy breaks every go get.
		key, ok := r.opts.Catalog.SumDBKey(name)
		if !ok {
			continue
		}
		what := "/sumdb/" + name + "/latest"
		resp, err := fetch(ctx, c, http.MethodGet, e.URL+what, nil, treeHeadLimit)
		if err != nil {
			return wrap(what+" (it says it passes the checksum database through)", err)
		}
		s = append(s, resp.sample)
		if resp.status != http.StatusOK {
			return statusError(what+" (it says it passes the checksum database through)", resp)
		}
		if _, err := verifyTreeHead(resp, name, key); err != nil {
			return wrap(what+" through this proxy", err)
		}
		res.SumDBSupported = append(res.SumDBSupported, name)
	}

	mod := l.newestModule
	if mod == "" {
		mod = l.anyModule
	}
	info := "/" + dist.ToolchainModule + "/@v/" + mod + ".info"
	for len(s) < r.opts.Samples {
		resp, err := fetch(ctx, c, http.MethodGet, e.URL+info, nil, 64<<10)
		if err != nil {
			if partial(err, res, len(s), r.opts.Samples) {
				return nil
			}
			return wrap(info, err)
		}
		s = append(s, resp.sample)
		if resp.status != http.StatusOK {
			return statusError(info+" (a version its own list names)", resp)
		}
		var v struct{ Version string }
		if err := json.Unmarshal(resp.body, &v); err != nil || v.Version != mod {
			return failf(FailContent, "%s is not the .info JSON for %s; not a GOPROXY answer", info, mod)
		}
	}
	return nil
}

// partial turns a deadline hit during an extra sample into a note, when the
// mirror has already proved itself: it works, it was just measured less.
func partial(err error, res *Result, done, want int) bool {
	var pe *probeError
	if done == 0 || !errors.As(err, &pe) || pe.class != FailTimeout {
		return false
	}
	res.Note = joinNote(res.Note, fmt.Sprintf("%d of %d samples before the deadline", done, want))
	return true
}

// sumdbNames are the checksum databases to ask a proxy about: those the
// catalogue names, or sum.golang.org when it names none.
func sumdbNames(c *catalog.Catalog) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range c.List(catalog.KindSumDB) {
		if !seen[e.Name] {
			seen[e.Name] = true
			out = append(out, e.Name)
		}
	}
	if len(out) == 0 {
		out = []string{"sum.golang.org"}
	}
	return out
}
