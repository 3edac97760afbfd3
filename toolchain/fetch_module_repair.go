package toolchain

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Repairing a module zip put together over ranges. Each zip entry carries
// its CRC-32 and sizes in the central directory, so a copy that fails its
// h1 check (or its unpacking) because some range was corrupt, by accident
// or by a mirror, shows which entries are bad and where their bytes lie.
// Only those bytes are fetched again, and the mirror whose bytes there
// differ from the mended ones is dropped. The archive channel cannot do
// the same: a tar.gz has one CRC-32 for the whole gzip stream and the
// official SHA-256 covers only the whole file, so nothing places a bad
// byte there and a bad copy is fetched again from one source at a time.
const (
	// repairRounds is how many mirrors are tried, one after the other,
	// for the bad bytes before falling back to the whole file.
	repairRounds = 3
	// repairBlock is the unit in which bytes before and after a repair are
	// compared to tell which mirror served the bad ones.
	repairBlock = 4 << 10
)

// repairModuleZip mends a complete module zip whose check failed with
// cerr: it finds the entries whose bytes are bad, fetches those bytes again
// from one mirror at a time (those that served none of them first) until
// the entries check, drops the mirrors that had served bytes there that
// differ from the mended ones, and checks the whole zip again. It returns
// cerr when no entry is identifiably bad or no mirror mends them; the
// caller then fetches the whole file from one trusted source at a time.
// complete is cleared while bytes are missing again, so an interruption
// keeps the spill (without the bad bytes) for the next run.
func (in *Installer) repairModuleZip(ctx context.Context, rf *rangedFetch, sp *spill, size int64, rel Release, st *stage, rep *reporter, want *hashFuture, cerr error, complete *bool) error {
	z, whole, err := readZipSpans(sp.f, size)
	if err != nil {
		rep.emit(Event{Phase: PhaseVerify, Message: "no byte of the bad copy can be placed (" + err.Error() + ")"})
		return cerr
	}
	bad, names := z.badSpans(sp.f, whole, nil)
	if len(bad) == 0 {
		rep.emit(Event{Phase: PhaseVerify, Message: "every entry of the bad copy matches its CRC-32 and size, so its bad bytes cannot be found"})
		return cerr
	}
	what := entryList(names)
	if bad.total() > size/2 {
		// Half the file or more: as cheap to fetch it whole from one
		// source, and the blame is clearer.
		rep.emit(Event{Phase: PhaseVerify, Message: fmt.Sprintf("%s fail their CRC-32 check: most of the file is bad", what)})
		return cerr
	}
	owners := rf.ownersOf(bad)
	before, err := sumBlocks(sp.f, owners)
	if err != nil {
		return cerr
	}
	rep.emit(Event{Phase: PhaseVerify, Message: fmt.Sprintf("%s fail their CRC-32 check; fetching their %.1f MB again", what, float64(bad.total())/1e6)})
	order := servedBad(rf.usable(), owners)
	if len(order) > repairRounds {
		order = order[:repairRounds]
	}
	for _, mi := range order {
		*complete = false
		rep.growTotal(bad.total())
		err := rf.refetch(bad, mi)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			continue // mi is dropped already, or failed: the next one
		}
		*complete = true
		z2, whole2, zerr := readZipSpans(sp.f, size)
		if zerr != nil {
			continue
		}
		if still, stillNames := z2.badSpans(sp.f, whole2, bad); len(still) > 0 {
			if len(still.without(bad)) == 0 {
				// Every byte of the entries still bad came from mi.
				rf.drop(mi, fmt.Errorf("served %s that fail their CRC-32 check", entryList(stillNames)), "dropped from the ranged download")
			}
			continue
		}
		after, err := sumBlocks(sp.f, owners)
		if err != nil {
			return cerr
		}
		name := rf.mirrors[mi].Name
		blamed := map[int]bool{}
		resumedBad := false
		for i, b := range before {
			if b.sum == after[i].sum {
				continue
			}
			if b.mirror < 0 {
				resumedBad = true
			} else if !blamed[b.mirror] {
				blamed[b.mirror] = true
				rf.drop(b.mirror, fmt.Errorf("served corrupt bytes of %s (they fail their CRC-32 check; %s served them right)", what, untrusted(name, 100)),
					"dropped from the ranged download")
			}
		}
		if resumedBad {
			rep.emit(Event{Phase: PhaseVerify, Message: "bytes kept from an earlier run were bad; fetched them again from " + name})
		}
		if err := st.reset(); err != nil {
			return err
		}
		rep.resetFiles()
		return in.checkModuleZip(ctx, sp.f, size, rel, st, rep, want)
	}
	return cerr
}

// entryList names a few bad entries (as the zip spells them: untrusted).
func entryList(names []string) string {
	const show = 3
	quoted := make([]string, 0, show)
	for i, n := range names {
		if i == show {
			break
		}
		quoted = append(quoted, untrusted(n, 200))
	}
	s := strings.Join(quoted, ", ")
	if len(names) > show {
		s += fmt.Sprintf(" and %d more", len(names)-show)
	}
	if len(names) == 1 {
		return "1 zip entry (" + s + ")"
	}
	return fmt.Sprintf("%d zip entries (%s)", len(names), s)
}

// blockSum is the SHA-256 of one block of a run of the file, with the
// mirror that wrote it.
type blockSum struct {
	mirror int
	sum    [sha256.Size]byte
}

// sumBlocks hashes each run in blocks of repairBlock bytes; runs are cut
// at the owners' bounds, so every block has one source.
func sumBlocks(ra io.ReaderAt, runs []provRun) ([]blockSum, error) {
	var out []blockSum
	buf := make([]byte, repairBlock)
	for _, r := range runs {
		for a := r.start; a < r.end; a += repairBlock {
			b := buf[:min(repairBlock, r.end-a)]
			if _, err := ra.ReadAt(b, a); err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			out = append(out, blockSum{r.mirror, sha256.Sum256(b)})
		}
	}
	return out, nil
}
