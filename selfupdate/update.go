package selfupdate

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Stage downloads the release's archive for goos/goarch next to exe,
// verifies it against the release's checksums, and unpacks the gosetup
// binary into a new file in exe's directory (so that the final rename stays
// on one file system), with exe's permissions. It returns the new file's
// path; the caller renames it into place with Replace or removes it. On any
// error nothing is left in the directory.
func (s Source) Stage(ctx context.Context, r *Release, goos, goarch, exe string) (string, error) {
	name, err := ArchiveName(r.Version, goos, goarch)
	if err != nil {
		return "", err
	}
	want, ok := r.Checksums[name]
	if !ok {
		return "", fmt.Errorf("the checksums.txt of gosetup %s lists no %s: that release has no build for %s/%s, or the mirror's copy is incomplete; nothing was changed", r.Version, name, goos, goarch)
	}
	mode := os.FileMode(0o755)
	if fi, err := os.Stat(exe); err == nil {
		mode = fi.Mode().Perm() | 0o100
	}
	dir := filepath.Dir(exe)

	archive, err := os.CreateTemp(dir, ".gosetup-update-*.download")
	if err != nil {
		return "", writeDirError(dir, exe, err)
	}
	defer func() {
		archive.Close()
		os.Remove(archive.Name())
	}()
	u := r.ArchiveURL(name)
	resp, err := s.open(ctx, u)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(archive, h), io.LimitReader(resp.Body, maxArchiveSize+1))
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w; nothing was changed", u, err)
	}
	if n > maxArchiveSize {
		return "", fmt.Errorf("%s is over %d MB, far bigger than a gosetup archive; nothing was changed", u, maxArchiveSize>>20)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		head := make([]byte, 512)
		k, _ := archive.ReadAt(head, 0)
		if looksHTML(head[:k]) {
			return "", fmt.Errorf("%s: %w; nothing was changed", u, ErrHTML)
		}
		return "", fmt.Errorf("checksum mismatch for %s: checksums.txt says %s, the download is %s; it was corrupted or tampered with on the way, and nothing was changed (try again, or another mirror)", name, want, got)
	}

	staged, err := os.CreateTemp(dir, ".gosetup-update-*.new")
	if err != nil {
		return "", writeDirError(dir, exe, err)
	}
	ok = false
	defer func() {
		if !ok {
			staged.Close()
			os.Remove(staged.Name())
		}
	}()
	bin := BinaryName(goos)
	if strings.HasSuffix(name, ".zip") {
		err = extractZip(archive, n, bin, staged)
	} else {
		err = extractTarGz(archive, bin, staged)
	}
	if err != nil {
		return "", fmt.Errorf("unpacking %s from %s (verified, so the release itself is broken; report it): %w", bin, name, err)
	}
	if err := staged.Chmod(mode); err != nil && goos != "windows" {
		return "", err
	}
	if err := staged.Sync(); err != nil {
		return "", fmt.Errorf("writing %s: %w", staged.Name(), err)
	}
	if err := staged.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", staged.Name(), err)
	}
	ok = true
	return staged.Name(), nil
}

func writeDirError(dir, exe string, err error) error {
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("cannot write next to %s (to replace it): %w; run gosetup self update as the user who owns %s (e.g. with sudo)", exe, err, dir)
	}
	return fmt.Errorf("cannot write next to %s: %w", exe, err)
}

// extractTarGz copies the regular file named bin at the archive's top level
// into dst.
func extractTarGz(f *os.File, bin string, dst io.Writer) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("no %s in the archive", bin)
		}
		if err != nil {
			return err
		}
		if strings.TrimPrefix(hdr.Name, "./") != bin {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return fmt.Errorf("%s in the archive is not a regular file", bin)
		}
		return copyBinary(dst, tr, hdr.Size)
	}
}

func extractZip(f *os.File, size int64, bin string, dst io.Writer) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return err
	}
	for _, zf := range zr.File {
		if strings.TrimPrefix(zf.Name, "./") != bin {
			continue
		}
		if !zf.Mode().IsRegular() {
			return fmt.Errorf("%s in the archive is not a regular file", bin)
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return copyBinary(dst, rc, int64(zf.UncompressedSize64))
	}
	return fmt.Errorf("no %s in the archive", bin)
}

// copyBinary copies an executable of the declared size, refusing one that
// is empty or absurdly large.
func copyBinary(dst io.Writer, src io.Reader, size int64) error {
	if size <= 0 || size > maxArchiveSize {
		return fmt.Errorf("the binary's size %d is not plausible", size)
	}
	var head [4]byte
	n, err := io.ReadFull(src, head[:])
	if err != nil {
		return err
	}
	if !isExecutable(head[:n]) {
		return errors.New("the binary is not an executable (no ELF, Mach-O or PE header)")
	}
	if _, err := dst.Write(head[:n]); err != nil {
		return err
	}
	m, err := io.Copy(dst, src)
	if err != nil {
		return err
	}
	if int64(n)+m != size {
		return fmt.Errorf("the binary is %d bytes, the archive says %d", int64(n)+m, size)
	}
	return nil
}

func isExecutable(head []byte) bool {
	for _, magic := range [][]byte{
		{0x7f, 'E', 'L', 'F'},
		{0xcf, 0xfa, 0xed, 0xfe}, // Mach-O 64-bit
		{0xce, 0xfa, 0xed, 0xfe}, // Mach-O 32-bit
		{'M', 'Z'},               // PE
	} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	return false
}
