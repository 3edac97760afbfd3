package toolchain

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
)

// stage is the set of temporary paths of one install, all beside the
// target so the final rename stays on one file system.
type stage struct {
	target  string   // the install directory
	dir     string   // staging directory that becomes the target
	created []string // parent directories we created, deepest last
	extra   []string // other temporary files (a downloaded zip)
}

// newStage creates the staging directory beside target, creating target's
// parents if needed (and remembering them so a failure removes them too).
func newStage(target string) (*stage, error) {
	s := &stage{target: target}
	parent := filepath.Dir(target)
	var missing []string
	for d := parent; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			s.cleanup()
			return nil, fmt.Errorf("creating %s: %w", missing[i], err)
		}
		s.created = append(s.created, missing[i])
	}
	dir, err := os.MkdirTemp(parent, "."+filepath.Base(target)+".gosetup-new-")
	if err != nil {
		s.cleanup()
		return nil, fmt.Errorf("creating a staging directory beside %s: %w (is the parent writable? choose another directory, or run with the rights to write there)", target, err)
	}
	// MkdirTemp makes 0700; a toolchain is for every user of the machine.
	os.Chmod(dir, 0o755)
	s.dir = dir
	return s, nil
}

// tempFile makes a temporary file beside the staging directory.
func (s *stage) tempFile(suffix string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(s.target), "."+filepath.Base(s.target)+".gosetup-dl-*"+suffix)
	if err != nil {
		return nil, err
	}
	s.extra = append(s.extra, f.Name())
	return f, nil
}

// reset empties the staging directory for another attempt.
func (s *stage) reset() error {
	if err := removeAll(s.dir); err != nil {
		return err
	}
	return os.Mkdir(s.dir, 0o755)
}

// cleanup removes everything the stage created. After a successful swap
// s.dir no longer exists and only leftovers go.
func (s *stage) cleanup() error {
	var errs []error
	if s.dir != "" {
		errs = append(errs, removeAll(s.dir))
	}
	for _, p := range s.extra {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for i := len(s.created) - 1; i >= 0; i-- {
		if _, err := os.Lstat(s.target); err == nil {
			break // the target exists (a successful install): keep its parents
		}
		os.Remove(s.created[i]) // only succeeds if still empty
	}
	return errors.Join(errs...)
}

// removeAll is os.RemoveAll that first makes read-only files writable,
// which Windows needs to delete them.
func removeAll(p string) error {
	err := os.RemoveAll(p)
	if err != nil && runtime.GOOS == "windows" {
		filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err == nil {
				os.Chmod(q, 0o666)
			}
			return nil
		})
		err = os.RemoveAll(p)
	}
	return err
}

// CheckError is a staged toolchain that does not run or reports the wrong
// version.
type CheckError struct {
	Want   string
	Output string
	Err    error
}

func (e *CheckError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("the downloaded toolchain's bin/go does not run: %v (output: %q)", e.Err, strings.TrimSpace(e.Output))
	}
	return fmt.Sprintf("the downloaded toolchain's bin/go reports %q, not %s", strings.TrimSpace(e.Output), e.Want)
}

func (e *CheckError) Unwrap() error { return e.Err }

// checkGoVersion runs dir/bin/go version and checks it reports version for
// p. The environment pins GOTOOLCHAIN=local and drops GOROOT, so neither a
// stale GOROOT nor a go.mod's toolchain line makes it run something else.
func checkGoVersion(ctx context.Context, dir, version string, p dist.Platform, environ []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "bin", "go"+exeSuffix(p.OS)), "version")
	cmd.Dir = dir
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "GOROOT", "GOTOOLCHAIN", "GOENV", "GOFLAGS":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "GOTOOLCHAIN=local", "GOENV=off")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return "", ctx.Err()
		}
		return "", &CheckError{Want: version, Output: out.String(), Err: err}
	}
	line := strings.TrimSpace(out.String())
	if !strings.HasPrefix(line, "go version "+version+" ") || !strings.HasSuffix(line, " "+p.String()) {
		return "", &CheckError{Want: version + " " + p.String(), Output: line}
	}
	return line, nil
}

// swap moves the staged toolchain to the target: the old tree is renamed
// aside, the new one renamed in, and only then is the old one removed. If
// the second rename fails the old tree is put back. Both renames are within
// one directory, so they are atomic on every supported system.
func (s *stage) swap() (warning string, err error) {
	old := ""
	if _, err := os.Lstat(s.target); err == nil {
		old = filepath.Join(filepath.Dir(s.target), "."+filepath.Base(s.target)+".gosetup-old-"+randomSuffix())
		if err := os.Rename(s.target, old); err != nil {
			return "", fmt.Errorf("moving the existing installation aside: %w (is a go program from it running?)", err)
		}
	}
	if err := os.Rename(s.dir, s.target); err != nil {
		if old != "" {
			if rerr := os.Rename(old, s.target); rerr != nil {
				return "", fmt.Errorf("moving the new toolchain into place: %w; restoring the previous installation also failed (%v): it is at %s, rename it back to %s", err, rerr, old, s.target)
			}
		}
		return "", fmt.Errorf("moving the new toolchain into place: %w", err)
	}
	s.dir = ""
	if old != "" {
		if err := removeAll(old); err != nil {
			return fmt.Sprintf("could not remove the previous installation at %s: %v; delete it by hand", old, err), nil
		}
	}
	return "", nil
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
