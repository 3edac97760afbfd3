package toolchain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// fetchArchiveRanged downloads an official archive over several
// connections into a spill file (resumable in the next run) while a tar.gz
// streams from the spill's complete prefix through SHA-256 into the
// unpacker; a zip is hashed and unpacked from the spill once complete.
// fromCache reports that the copy started with bytes of an earlier run.
//
// A bad copy is never mended range by range, as a module zip is
// (repairModuleZip): the official SHA-256 covers only the whole file and
// gzip's CRC-32 only the whole stream, so no check places a bad byte; the
// caller fetches it again from one source at a time.
func (in *Installer) fetchArchiveRanged(ctx context.Context, cfg fetchConfig, ms []mirror, f File, rel Release, st *stage, rep *reporter) (rf *rangedFetch, fromCache bool, err error) {
	want, err := hex.DecodeString(f.SHA256)
	if err != nil || len(want) != sha256.Size {
		return nil, false, fmt.Errorf("the release index gives no valid SHA-256 for %s; refusing to install an unverified archive", f.Filename)
	}
	sp, have, err := in.openSpill(ctx, st, f.Filename, archiveSpillKey(f), f.Size, rep)
	if err != nil {
		return nil, false, err
	}
	magic := []byte{0x1f, 0x8b}
	isZip := strings.HasSuffix(f.Filename, ".zip")
	if isZip {
		magic = []byte("PK\x03\x04")
	}
	rf = newRangedFetch(ctx, rangedConfig{client: cfg.client, size: f.Size, conns: in.Connections, chunk: in.rangedChunk, eager: in.rangedEager, stall: cfg.stall,
		attempts: cfg.attempts, backoff: cfg.backoff, magic: magic, rep: rep, lowSpeed: cfg.lowSpeed, lowSpeedTime: cfg.lowSpeedTime, otherSource: cfg.otherSource}, ms, sp.f, sp.f, have)
	rf.onChange = func() { sp.save(rf.have, false) }
	defer func() {
		// What was written stays for the next run unless the bytes were
		// wrong or could not be written.
		var ce contentError
		var we *writeError
		keep := err != nil && !errors.As(err, &ce) && !errors.As(err, &we) && !errors.Is(err, errRangesRefused)
		sp.finish(keep, rf.Have())
	}()
	defer rf.Close()
	if n := have.total(); n > 0 {
		fromCache = true
		rep.resumed(n)
		rep.emit(Event{Phase: PhaseConnect, Message: fmt.Sprintf("resuming an earlier download: %.1f of %.1f MB already here", float64(n)/1e6, float64(f.Size)/1e6)})
	}
	rf.start()
	h := sha256.New()
	t := newTree(st.dir, "go/", in.Limits, rep)
	if isZip {
		if err := rf.Wait(); err != nil {
			return rf, fromCache, err
		}
		rep.flush(PhaseDownload)
		if _, err := io.Copy(h, io.NewSectionReader(sp.f, 0, f.Size)); err != nil {
			return rf, fromCache, err
		}
		if err := checkSum(h, want, f.Filename, rel.Index); err != nil {
			return rf, fromCache, err
		}
		rep.emit(Event{Phase: PhaseVerify, Message: "SHA-256 matches " + rel.Index.String()})
		if _, err := unpackZip(ctx, sp.f, f.Size, t, false); err != nil {
			return rf, fromCache, unpackErr(err)
		}
		rep.flush(PhaseUnpack)
		return rf, fromCache, nil
	}
	src := io.TeeReader(rf, h)
	// The parallel inflater reads ahead itself, a chunk at a time, so
	// it needs little here: 1.5 MB of peak memory saved.
	workers, ahead := in.inflate, 8
	if workers == 0 {
		workers = inflateWorkers()
	}
	if workers > 1 {
		ahead = 2
	}
	ra := newReadAhead(src, rf.Abort, ahead, 256<<10)
	err = unpackTarGz(ctx, ra, t, workers)
	if err == nil {
		// Whatever follows the archive's end (padding) is hashed too.
		_, err = io.Copy(io.Discard, ra)
	} else if workers > 1 && mayRetrySerially(err) {
		// The parallel inflater cuts the stream where it finds evidence
		// of a block start; were it ever wrong, the archive's SHA-256
		// says whether the bytes or the inflater were at fault. The
		// complete spill is then unpacked again, serially.
		// The rest of the success path below checks the sum again.
		if _, derr := io.Copy(io.Discard, ra); derr == nil && checkSum(h, want, f.Filename, rel.Index) == nil {
			rep.emit(Event{Phase: PhaseUnpack, Message: fmt.Sprintf("unpacking again on one core: the parallel inflate failed (%v)", err)})
			err = unpackAgain(ctx, io.NewSectionReader(sp.f, 0, f.Size), t)
		}
	}
	ra.Close()
	if err != nil {
		if werr := rf.Wait(); werr != nil && !errors.Is(werr, context.Canceled) {
			return rf, fromCache, werr
		}
		return rf, fromCache, unpackErr(err)
	}
	rep.flush(PhaseDownload)
	rep.flush(PhaseUnpack)
	if err := checkSum(h, want, f.Filename, rel.Index); err != nil {
		return rf, fromCache, err
	}
	rep.emit(Event{Phase: PhaseVerify, Message: "SHA-256 matches " + rel.Index.String()})
	return rf, fromCache, nil
}

// inflateWorkers is how many goroutines inflate a tar.gz: one per core, up
// to three, each holding a few MB of output until the unpacker reaches it.
func inflateWorkers() int { return min(runtime.GOMAXPROCS(0), 3) }

// mayRetrySerially reports whether an unpack error could be the parallel
// inflater's rather than the download's: not a cancellation, a failed
// download, or the disk.
func mayRetrySerially(err error) bool {
	var all *AllMirrorsFailedError
	var pe *os.PathError
	return !errors.As(err, &all) && !errors.As(err, &pe) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// unpackAgain empties t's directory and unpacks the tar.gz in r into it
// serially, as a fresh tree.
func unpackAgain(ctx context.Context, r io.Reader, t *tree) error {
	ents, err := os.ReadDir(t.root)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(t.root, e.Name())); err != nil {
			return err
		}
	}
	nt := newTree(t.root, t.prefix, t.lim, t.rep)
	nt.workers, nt.arriving = t.workers, t.arriving
	*t = *nt
	return unpackTarGz(ctx, r, t, 1)
}
