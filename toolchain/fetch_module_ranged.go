package toolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gosetup/gosetup/internal/dist"
)

// fetchModuleRanged downloads the toolchain module zip over several
// connections into a spill file (resumable in the next run), its end
// first, and checks and unpacks it like fetchModule while it downloads;
// what fails then is checked again on the whole file (and bad ranges
// fetched again, see repairModuleZip). No trusted size is known for a module
// zip: the first proxy that answers a one-byte range request says it (at
// most cfg.max), and every range must agree; the h1 hash decides.
func (in *Installer) fetchModuleRanged(ctx context.Context, cfg fetchConfig, ms []mirror, rel Release, st *stage, rep *reporter, want *hashFuture) (rf *rangedFetch, fromCache bool, err error) {
	modVersion := dist.ModuleVersion(rel.Version, in.Platform)
	size := probeSize(ctx, cfg.client, ms, cfg.max)
	if size <= 0 {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		return nil, false, errRangesRefused
	}
	rep.startDownload(size)
	key := moduleSpillKey(modVersion, size)
	sp, have, err := in.openSpill(ctx, st, modVersion+".zip", key, size, rep)
	if err != nil {
		return nil, false, err
	}
	rf = newRangedFetch(ctx, rangedConfig{client: cfg.client, size: size, conns: in.Connections, chunk: in.rangedChunk, eager: in.rangedEager, stall: cfg.stall,
		attempts: cfg.attempts, backoff: cfg.backoff, magic: []byte("PK\x03\x04"), rep: rep, lowSpeed: cfg.lowSpeed, lowSpeedTime: cfg.lowSpeedTime, otherSource: cfg.otherSource,
		tailFirst: min(zipTailFirst, size/16)}, ms, sp.f, sp.f, have)
	rf.onChange = func() { sp.save(rf.have, false) }
	complete := false
	defer func() {
		var we *writeError
		var se *SumDBError
		keep := err != nil && !complete && !errors.As(err, &we) && !errors.Is(err, errRangesRefused) &&
			!errors.Is(err, ErrNotInSumDB) && !(errors.As(err, &se) && se.Security)
		sp.finish(keep, rf.Have())
	}()
	defer rf.Close()
	if n := have.total(); n > 0 {
		fromCache = true
		rep.resumed(n)
		rep.emit(Event{Phase: PhaseConnect, Message: fmt.Sprintf("resuming an earlier download: %.1f of %.1f MB already here", float64(n)/1e6, float64(size)/1e6)})
	}
	rf.start()
	// Without the database's answer the zip is useless: stop at once.
	stopWatch := make(chan struct{})
	go func() {
		select {
		case <-want.done:
			if want.res.err != nil {
				rf.Abort()
			}
		case <-stopWatch:
		}
	}()
	// The zip is checked and unpacked while it downloads: its directory
	// came first (tailFirst), and each entry is read once its bytes are
	// here, on every core, instead of after the last byte.
	streamErr := in.checkModuleZipFrom(ctx, sp.f, rf, true, size, rel, st, rep, want)
	// A failure that is not the bytes (the disk, the checksum database,
	// the download itself) would fail again on the whole file: stop.
	var ce contentError
	local := streamErr != nil && !errors.As(streamErr, &ce) && ctx.Err() == nil
	if local {
		rf.Abort()
	}
	err = rf.Wait()
	close(stopWatch)
	if err != nil {
		if herr := want.failed(); herr != nil {
			return rf, fromCache, fmt.Errorf("the checksum database cannot vouch for %s@%s: %w", dist.ToolchainModule, modVersion, herr)
		}
		if local && errors.Is(err, context.Canceled) {
			return rf, fromCache, streamErr
		}
		return rf, fromCache, err
	}
	complete = true
	rep.flush(PhaseDownload)
	if streamErr == nil {
		return rf, fromCache, nil
	}
	if ctx.Err() != nil {
		return rf, fromCache, ctx.Err()
	}
	if local {
		return rf, fromCache, streamErr
	}
	// What failed while streaming (bad bytes from a mirror, most likely)
	// is looked at again on the whole file, where the bad ranges can be
	// found and fetched again.
	if err := st.reset(); err != nil {
		return rf, fromCache, fmt.Errorf("clearing the staging directory: %w", err)
	}
	rep.resetFiles()
	err = in.checkModuleZip(ctx, sp.f, size, rel, st, rep, want)
	if errors.As(err, &ce) {
		// Bad bytes at known places are fetched again, not the whole file.
		err = in.repairModuleZip(ctx, rf, sp, size, rel, st, rep, want, err, &complete)
	}
	return rf, fromCache, err
}

// zipTailFirst is how much of a module zip's end is fetched first (at
// most a sixteenth of the zip): a toolchain's central directory is about
// 1.4 MB (9,500 entries), and the entries can be unpacked as they arrive
// only once it is here. A bigger directory still works: its reader waits
// for the rest.
const zipTailFirst = 2 << 20

// probeSize asks each mirror in turn for the file's first byte and returns
// the total its Content-Range gives, or -1 when none serves ranges.
func probeSize(ctx context.Context, client *http.Client, ms []mirror, max int64) int64 {
	for _, m := range ms {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL, nil)
		if err != nil {
			continue
		}
		req.Header.Set("Range", "bytes=0-0")
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return -1
			}
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent {
			continue
		}
		start, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != 0 || total <= 0 || max > 0 && total > max {
			continue
		}
		return total
	}
	return -1
}
