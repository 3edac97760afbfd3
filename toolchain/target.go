package toolchain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gosetup/gosetup/internal/dist"
)

// Existing describes what is at an install target before gosetup touches it.
type Existing struct {
	// Exists is false when nothing is at the path.
	Exists bool
	// Empty is true for an empty directory.
	Empty bool
	// IsGo is true when the directory is one gosetup may replace: a real
	// Go toolchain (a VERSION file naming a Go release, and src/runtime
	// and pkg/tool directories), or one that carries gosetup's own mark.
	// A bin/go alone, or a VERSION file alone, is not enough: a home
	// directory has ~/bin/go, and a project may have a VERSION file.
	IsGo bool
	// Marked is true when gosetup's mark (MarkFile) names this directory.
	Marked bool
	// Version is the Go release its VERSION file names ("go1.21.5"), if any.
	Version string
	// Symlink is the link's target when the path is a symbolic link; the
	// fields above then describe what it points to. An install replaces
	// the link, leaving the tree it pointed to alone.
	Symlink string
}

// Inspect looks at dir without changing it.
func Inspect(dir string) (Existing, error) {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Existing{}, nil
	}
	if err != nil {
		return Existing{}, err
	}
	e := Existing{Exists: true}
	if fi.Mode()&os.ModeSymlink != 0 {
		e.Symlink, _ = os.Readlink(dir)
		if fi, err = os.Stat(dir); err != nil {
			return e, nil // dangling: replaceable only with care, so not "Go"
		}
	}
	if !fi.IsDir() {
		return e, nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return e, err
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return e, err
	}
	e.Empty = len(names) == 0
	e.Version = releaseVersion(dir)
	e.Marked = HasMark(dir)
	e.IsGo = e.Marked || e.Version != "" && isDir(filepath.Join(dir, "src", "runtime")) && isDir(filepath.Join(dir, "pkg", "tool"))
	return e, nil
}

// releaseVersion is the Go release dir's VERSION file names on its first
// line, or "" when there is no such file or it names no release.
func releaseVersion(dir string) string {
	f, err := os.Open(filepath.Join(dir, "VERSION"))
	if err != nil {
		return ""
	}
	defer f.Close()
	var buf [256]byte
	n, _ := f.Read(buf[:])
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	line = strings.TrimSpace(line)
	if !dist.IsValid(line) {
		return ""
	}
	return line
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// MarkFile is the file gosetup writes at the top of every toolchain it
// installs, before the toolchain is moved into place. It says that
// gosetup put the directory there, so that a later install may replace it
// and uninstall may remove it; a directory without it (or without a real
// toolchain's shape) is never deleted. It is a small JSON object, Mark.
const MarkFile = ".gosetup-installed.json"

// Mark is MarkFile's content. Add fields, never rename them.
type Mark struct {
	// Tool is always "gosetup".
	Tool string `json:"tool"`
	// Dir is the absolute directory the toolchain was installed to; a
	// mark copied or moved elsewhere does not count.
	Dir       string    `json:"dir"`
	Version   string    `json:"version"`
	Source    Source    `json:"source"`
	Mirror    string    `json:"mirror"`
	Installed time.Time `json:"installed"`
}

// ReadMark reads dir's mark. It fails when there is none, it is not
// gosetup's, or it names another directory.
func ReadMark(dir string) (Mark, error) {
	var m Mark
	abs, err := filepath.Abs(dir)
	if err != nil {
		return m, err
	}
	b, err := os.ReadFile(filepath.Join(abs, MarkFile))
	if err != nil {
		return m, err
	}
	if len(b) > 64<<10 {
		return m, fmt.Errorf("%s is too large to be gosetup's mark", filepath.Join(abs, MarkFile))
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s is not gosetup's mark: %w", filepath.Join(abs, MarkFile), err)
	}
	if m.Tool != "gosetup" || !samePath(m.Dir, abs) {
		return m, fmt.Errorf("%s was not written by gosetup for this directory", filepath.Join(abs, MarkFile))
	}
	return m, nil
}

// HasMark reports whether gosetup installed the toolchain in dir: its
// mark is there and names dir. Uninstall removes only such a directory.
func HasMark(dir string) bool {
	_, err := ReadMark(dir)
	return err == nil
}

// IsGosetupInstall is HasMark; the name reads better at some call sites.
func IsGosetupInstall(dir string) bool { return HasMark(dir) }

// writeMark writes the mark into the staged tree, naming its final dir.
func writeMark(stageDir string, m Mark) error {
	m.Tool = "gosetup"
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stageDir, MarkFile), append(b, '\n'), 0o644)
}

func samePath(a, b string) bool {
	a, b = filepath.Clean(a), filepath.Clean(b)
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return strings.EqualFold(a, b)
	}
	return a == b
}
