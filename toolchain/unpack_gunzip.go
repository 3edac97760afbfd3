package toolchain

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/gosetup/gosetup/toolchain/pargz"
)

// gunzip returns the decompressed stream of r and a finish function to call
// once the consumer is done (with its error, nil on success); on success
// finish reads r to its end, so a hash over r covers every byte.
//
// Decompression stays in this process: running gzip -dc beside it, as
// tar -xz does, was measured and gained nothing (the pipe costs what the
// faster inflate saves), and GNU gzip holds back output until its 32 KB
// input buffer fills, which delays rejecting a hostile archive. Inflate is
// the slowest step of the pipeline, so it uses klauspost/compress: on the
// real go1.22 archive it inflates in ~0.85 s where compress/gzip takes
// 1.0-1.4 s and GNU gzip 1.2 s.
//
// With workers > 1 the stream is inflated on that many goroutines
// (pargz); the caller must then be able to unpack again serially should it
// fail (see fetchArchiveRanged), because pargz relies on finding block
// starts no format marks.
func gunzip(ctx context.Context, r io.Reader, workers int) (io.Reader, func(error) error, error) {
	if workers > 1 {
		z, err := pargz.NewReader(r, workers)
		if err != nil {
			return nil, nil, notGzip(ctx, err)
		}
		return z, func(err error) error {
			z.Close()
			return err
		}, nil
	}
	br := bufio.NewReaderSize(r, 256<<10)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, notGzip(ctx, err)
	}
	return zr, func(err error) error {
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, br); err != nil {
			return fmt.Errorf("reading the end of the archive: %w", err)
		}
		return nil
	}, nil
}

func notGzip(ctx context.Context, err error) error {
	var all *AllMirrorsFailedError
	if errors.As(err, &all) || ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("%w: the download is not a gzip-compressed tar file (%v)", errNotArchive, err)
}
