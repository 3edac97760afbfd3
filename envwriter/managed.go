package envwriter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gosetup/gosetup/toolchain"
)

// Skipped is an entry of the state record that uninstall left as it was:
// either not gosetup's to touch (Refused), or one it could not undo (an
// odd or unreadable file). It stays in the record, so that a later
// uninstall can try it again.
type Skipped struct {
	// Path is the entry as the user knows it: for a symlinked startup
	// file, the link, not its target.
	Path    string
	Err     error
	Refused bool
}

// managed is what uninstall may touch for this user, worked out afresh
// from the environment rather than taken from the state record: a record
// synced with dotfiles, copied from another machine or damaged must not
// make gosetup (or root running it) edit or delete anything else.
type managed struct {
	paths
	home, cfg string
	// files maps each file gosetup writes (startup files, its env
	// scripts, the Go env file), by its key, to the directory it must stay
	// inside once symlinks are followed.
	files map[string]string
}

// paths compares paths as the file system does: on Windows without regard
// to case, so that C:\Users\Me and c:\users\me (tools spell USERPROFILE
// and APPDATA either way, and a record may have been written under another
// spelling) are one path. Elsewhere paths are compared byte for byte.
type paths struct{ fold bool }

func pathsFor(goos string) paths { return paths{fold: goos == "windows"} }

// key is p as compared. Windows matches names by upper-casing each
// character (its file systems' upcase table), which strings.ToUpper's
// simple per-rune mapping follows; strings.EqualFold would also match
// names that Windows keeps apart (the Kelvin sign and k).
func (c paths) key(p string) string {
	if c.fold {
		return strings.ToUpper(p)
	}
	return p
}

// same reports whether a and b (both clean) name the same path.
func (c paths) same(a, b string) bool { return c.key(a) == c.key(b) }

// within reports whether p is dir or inside it (both clean).
func (c paths) within(p, dir string) bool { return within(c.key(p), c.key(dir)) }

// allStartupShells are the shell families whose startup files uninstall
// may undo, whichever shells are installed now.
var allStartupShells = []string{"bash", "dash", "fish", "ksh", "sh", "zsh"}

func newManaged(e Env, cfg string) managed {
	m := managed{paths: pathsFor(e.GOOS), home: filepath.Clean(e.Home), cfg: filepath.Clean(cfg), files: map[string]string{}}
	add := func(file, root string) { m.files[m.key(filepath.Clean(file))] = root }
	all := e
	all.Shells = allStartupShells
	for _, t := range StartupFiles(all) {
		root := m.home
		if t.Fish {
			root = filepath.Clean(e.xdgConfigHome())
		} else if !m.same(filepath.Dir(t.Path), m.home) {
			root = filepath.Dir(t.Path) // $ZDOTDIR
		}
		add(t.Path, root)
	}
	// StartupFiles lists these only when they exist today.
	for _, f := range []string{".bash_profile", ".bash_login", ".kshrc"} {
		add(filepath.Join(m.home, f), m.home)
	}
	for _, s := range []string{"env", "env.fish"} {
		add(filepath.Join(cfg, s), filepath.Clean(cfg))
	}
	if g, err := GoEnvFile(e); err == nil && filepath.IsAbs(g) {
		add(g, filepath.Dir(filepath.Clean(g)))
	}
	return m
}

// check refuses a recorded path that is not a file gosetup may touch
// for this user, or that leads, through a symlinked directory or link,
// outside where that file belongs. listed is true for the files gosetup
// itself writes (its startup files, env scripts, the Go env file); another
// file inside HOME (a line repair edited in a file a startup file
// sources) may be given back its prior bytes or lose gosetup's block, but
// is never removed.
func (m managed) check(path string) (listed bool, err error) {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return false, errors.New("not a plain absolute path (it has .. or extra separators), so not a file gosetup writes")
	}
	root, listed := m.files[m.key(path)]
	if !listed {
		root = m.home
		if !m.within(path, m.home) || m.same(path, m.home) {
			return false, fmt.Errorf("outside %s and not one of the files gosetup writes for this user (its startup files, its env scripts, the Go env file)", m.home)
		}
	}
	realRoot := evalOr(root)
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if errors.Is(err, fs.ErrNotExist) {
		return listed, nil // nothing there to touch
	}
	if err != nil {
		return listed, fmt.Errorf("cannot follow its directory: %w", err)
	}
	if !m.within(dir, realRoot) {
		return listed, fmt.Errorf("its directory leads, through a symlink, to %s, outside %s", dir, root)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if t, err := filepath.EvalSymlinks(path); err == nil && !m.within(t, realRoot) && !m.within(t, evalOr(m.home)) {
			return listed, fmt.Errorf("it is a link to %s, outside %s", t, m.home)
		}
	}
	return listed, nil
}

// isScript reports whether path is one of gosetup's env scripts.
func (m managed) isScript(path string) bool {
	return m.same(path, filepath.Join(m.cfg, "env")) || m.same(path, filepath.Join(m.cfg, "env.fish"))
}

// errNotRemovable refuses a record that would remove a file gosetup does
// not itself write.
var errNotRemovable = errors.New("the record says gosetup created it, but it is not one of the files gosetup writes, so gosetup will not remove it")

// checkDir refuses a recorded directory that is not a parent of a file
// gosetup writes, inside where that file belongs.
func (m managed) checkDir(dir string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
		return errors.New("not a plain absolute path (it has .. or extra separators)")
	}
	for f, root := range m.files {
		// f is a key: the same as dir, or below it, in m's terms.
		if m.same(f, dir) || !m.within(f, dir) {
			continue
		}
		// The config dir's parent is XDG_CONFIG_HOME, which gosetup makes
		// when it is missing (and may be outside the home).
		xdg := filepath.Dir(m.cfg)
		if (m.within(dir, m.home) && !m.same(dir, m.home)) || (m.within(dir, root) && !m.same(dir, root)) || m.same(dir, m.cfg) || (m.same(dir, xdg) && !m.same(dir, m.home)) {
			return nil
		}
	}
	return errors.New("not a directory gosetup creates for this user")
}

// checkToolchain refuses to remove a directory that gosetup did not
// install: it must carry gosetup's mark, written at install, naming it,
// and still look like a Go toolchain.
func checkToolchain(dir string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir || filepath.Dir(dir) == dir {
		return errors.New("not a plain absolute path, so not a toolchain gosetup installed")
	}
	if !toolchain.HasMark(dir) {
		return fmt.Errorf("it has no mark of gosetup's (%s naming it), so gosetup did not install it and will not delete it", toolchain.MarkFile)
	}
	return checkToolchainDir(dir)
}

// evalOr is p with symlinks followed, or p when that fails.
func evalOr(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// within reports whether p is dir or inside it (both clean).
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}
