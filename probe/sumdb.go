package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// treeHeadLimit bounds /latest: a signed tree head is a few hundred bytes.
const treeHeadLimit = 16 << 10

// verifyTreeHead checks that a /latest answer is a tree head signed by the
// database's known key. A mirror that serves anything else, however fast,
// is not a checksum database.
func verifyTreeHead(resp *response, name, key string) (tlog.Tree, error) {
	v, err := note.NewVerifier(key)
	if err != nil {
		return tlog.Tree{}, failf(FailContent, "the verifier key for %s is malformed: %w; fix the \"key\" in the mirror catalogue", name, err)
	}
	n, err := note.Open(resp.body, note.VerifierList(v))
	if err != nil && looksHTML(resp.header, resp.body) {
		return tlog.Tree{}, failf(FailContent, "an HTML page, not a signed tree head (a login or error page?)")
	}
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &invalid):
		return tlog.Tree{}, failf(FailSignature, "the tree head's signature does not verify with %s's key: forged or corrupted", name)
	case errors.As(err, &unverified):
		return tlog.Tree{}, failf(FailSignature, "the tree head is not signed by %s's key: forged, or another database", name)
	case err != nil:
		return tlog.Tree{}, failf(FailContent, "not a signed tree head: %w", err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, failf(FailContent, "signed, but not a tree head: %w", err)
	}
	return tree, nil
}

// probeSumDB proves a checksum database: each sample is a /latest that must
// verify with the database's key.
func (r *runner) probeSumDB(ctx context.Context, c *http.Client, e entry, res *Result) error {
	var s samples
	defer func() { s.fill(res) }()
	key, ok := r.opts.Catalog.SumDBKey(e.Name)
	if !ok {
		return failf(FailContent, "gosetup knows no key for the checksum database %q; add \"key\" to its catalogue entry", e.Name)
	}
	var last int64 = -1
	shrank := false
	for i := 0; i < r.opts.Samples; i++ {
		resp, err := fetch(ctx, c, http.MethodGet, e.URL+"/latest", nil, treeHeadLimit)
		if err != nil {
			if partial(err, res, len(s), r.opts.Samples) {
				return nil
			}
			return wrap("/latest", err)
		}
		s = append(s, resp.sample)
		if resp.status != http.StatusOK {
			return statusError("/latest", resp)
		}
		tree, err := verifyTreeHead(resp, e.Name, key)
		if err != nil {
			return wrap("/latest", err)
		}
		if tree.N < last && !shrank {
			// Both heads verify, so this is not forgery; a CDN edge with
			// an older cached copy does it. Worth telling, not failing.
			shrank = true
			res.Note = joinNote(res.Note, fmt.Sprintf("the tree head went back from %d to %d records between requests (a lagging cache)", last, tree.N))
		}
		last = max(last, tree.N)
	}
	return nil
}
