package toolchain

import (
	"fmt"
	"strings"
)

// Limits bound what an archive may unpack to. A real Go toolchain unpacks to
// about 250 MB in about 11,000 entries; the caps leave ample room for growth
// while stopping decompression bombs before they fill the disk.
type Limits struct {
	// MaxBytes caps the total size of regular files (default 2 GiB).
	MaxBytes int64
	// MaxEntries caps the number of entries (default 200,000).
	MaxEntries int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = 2 << 30
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 200000
	}
	return l
}

// EntryError is a rejected archive entry: Entry is its name as the archive
// spells it.
type EntryError struct {
	Entry  string
	Reason string
}

func (e *EntryError) Error() string {
	name := e.Entry
	if len(name) > 200 {
		// A hostile name can be a megabyte long: show its ends.
		name = name[:120] + "..." + name[len(name)-40:]
	}
	return fmt.Sprintf("archive entry %q: %s", name, e.Reason)
}

// maxNameLen bounds entry names and link targets. The longest name in a Go
// toolchain is under 200 bytes; without a bound, a tiny archive naming a
// file a megabyte deep costs minutes of quadratic path checks.
const maxNameLen = 1024

// maxDepth bounds the directories in an entry name (a Go toolchain has at
// most about 15): every entry's parents are checked, so a thousand
// entries each 500 directories deep would cost seconds.
const maxDepth = 64

func entryErr(name, format string, args ...any) error {
	return &EntryError{Entry: name, Reason: fmt.Sprintf(format, args...)}
}

// entryPath turns an archive entry name into a slash-separated path relative
// to the install root, stripping root (such as "go/" or a module zip's
// "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/"). It rejects absolute
// paths, ".." components, backslashes and anything outside root. rel is ""
// for the root directory entry itself.
func entryPath(name, root string) (rel string, err error) {
	if name == "" {
		return "", entryErr(name, "empty name")
	}
	if len(name) > maxNameLen {
		return "", entryErr(name, "name is %d bytes long, more than any Go toolchain file's %d", len(name), maxNameLen)
	}
	if strings.ContainsRune(name, 0) {
		return "", entryErr(name, "name contains a NUL byte")
	}
	if strings.Contains(name, `\`) {
		// On Windows a backslash is a separator, which would let "a\..\.."
		// slip past the checks below.
		return "", entryErr(name, "name contains a backslash")
	}
	if strings.HasPrefix(name, "/") || hasVolume(name) {
		return "", entryErr(name, "absolute path")
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", entryErr(name, "path contains a \"..\" component")
		}
		parts = append(parts, p)
	}
	if len(parts) > maxDepth {
		return "", entryErr(name, "name is %d directories deep, more than any Go toolchain file's %d", len(parts), maxDepth)
	}
	clean := strings.Join(parts, "/")
	rootDir := strings.TrimSuffix(root, "/")
	if clean == rootDir {
		return "", nil
	}
	rel, ok := strings.CutPrefix(clean, rootDir+"/")
	if !ok {
		return "", entryErr(name, "outside the archive's root directory %q", root)
	}
	return rel, nil
}

// hasVolume reports a Windows drive letter ("C:") or a colon anywhere in the
// first component, which Windows would read as a drive or a stream name.
func hasVolume(name string) bool {
	first, _, _ := strings.Cut(name, "/")
	return strings.Contains(first, ":")
}

// symlinkTarget checks that a symbolic link at rel (relative to the install
// root) pointing at target stays inside the root. The target must be
// relative and may only climb ("..") before it descends: "../../lib/x" is
// fine, "a/../../x" is not. That rule, together with never creating a link
// under another link (checked by the unpacker), makes a purely lexical check
// sound even when the target names other links.
func symlinkTarget(name, rel, target string) error {
	if target == "" {
		return entryErr(name, "symbolic link with an empty target")
	}
	if len(target) > maxNameLen {
		return entryErr(name, "symbolic link target is %d bytes long, more than %d", len(target), maxNameLen)
	}
	if strings.HasPrefix(target, "/") || hasVolume(target) || strings.Contains(target, `\`) {
		return entryErr(name, "symbolic link to an absolute path %q points outside the target directory", target)
	}
	depth := strings.Count(rel, "/") // directories between the root and the link
	up, descending := 0, false
	for _, p := range strings.Split(target, "/") {
		switch p {
		case "..":
			if descending {
				return entryErr(name, "symbolic link target %q climbs after descending", target)
			}
			up++
			if up > depth {
				return entryErr(name, "symbolic link to %q points outside the target directory", target)
			}
		case ".", "":
			return entryErr(name, "symbolic link target %q is not a clean path", target)
		default:
			descending = true
		}
	}
	return nil
}

// underAny reports whether rel lies strictly beneath one of dirs.
func underAny(rel string, dirs map[string]bool) (string, bool) {
	// rel is clean, so its parents are its prefixes up to each slash.
	for i := strings.LastIndexByte(rel, '/'); i > 0; i = strings.LastIndexByte(rel[:i], '/') {
		if d := rel[:i]; dirs[d] {
			return d, true
		}
	}
	return "", false
}
