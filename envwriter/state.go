package envwriter

// The state record and the contract between the Unix writer (this package's
// shell and goenv code) and the Windows registry writer.
//
// Contract for the Windows registry backend (envwriter/registry_windows.go,
// with a registry_other.go stub for every other GOOS that returns an error
// saying the registry exists only on Windows):
//
//	// PlanRegistry reads HKCU\Environment and returns the records that
//	// ApplyRegistry would write, changing nothing (the dry run).
//	func PlanRegistry(s Settings) ([]RegistryRecord, error)
//
//	// ApplyRegistry writes s to HKCU\Environment: each directory of s.Path
//	// is prepended to the user's Path, compared case-insensitively and
//	// segment by segment (a segment already present elsewhere is moved to
//	// the front, never duplicated); Path keeps type REG_EXPAND_SZ; each
//	// non-empty GO* value of s.Vars() is set as REG_SZ. Nothing is
//	// truncated (never setx). WM_SETTINGCHANGE ("Environment") is broadcast
//	// afterwards. It returns one record per value it changed, and when it
//	// fails part way it first restores what it had already changed.
//	func ApplyRegistry(s Settings) ([]RegistryRecord, error)
//
//	// RevertRegistry undoes records (as merged by State.MergeRegistry): a
//	// value whose current data still equals Data is restored to its prior
//	// type and data, or deleted when it did not exist before. A value
//	// changed by someone since is left alone, except Path, from which only
//	// the Added segments are removed. It broadcasts WM_SETTINGCHANGE.
//	func RevertRegistry(recs []RegistryRecord) error
//
// gosetup env and gosetup uninstall call these when runtime.GOOS ==
// "windows", validate Settings before calling (see Settings.Validate), and
// keep the records in State.Registry.

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// StateVersion is the format version of state.json.
const StateVersion = 1

// State is gosetup's record of everything it wrote, kept as JSON in the
// gosetup config dir (ConfigDir()/state.json), so that uninstall can put back
// the exact prior bytes and values. Records are merged across runs: the
// oldest prior content of a file or value is kept, because that is what the
// user had before gosetup touched anything.
type State struct {
	Version int `json:"version"`
	// Files are the startup files (and the Go env file, see GoEnv) that
	// gosetup edited or created.
	Files []FileRecord `json:"files,omitempty"`
	// Scripts are env scripts gosetup created; they are gosetup's own and
	// uninstall removes them.
	Scripts []string `json:"scripts,omitempty"`
	// GoEnv records the values gosetup wrote to the Go env file.
	GoEnv *GoEnvRecord `json:"goenv,omitempty"`
	// Registry records the HKCU\Environment values written on Windows.
	Registry []RegistryRecord `json:"registry,omitempty"`
	// Settings are the values gosetup currently manages (merged across
	// runs: a later run that leaves a value empty keeps the earlier one).
	Settings *Settings `json:"settings,omitempty"`
	// Scope is where the GO* values were last written: "shell" or "goenv".
	Scope string `json:"scope,omitempty"`
	// Dirs are directories gosetup created (for a new fish conf.d, its
	// own config dir); uninstall removes them when they are empty.
	Dirs []string `json:"dirs,omitempty"`
	// Toolchain is the installed toolchain directory, which uninstall
	// removes unless told to keep it.
	Toolchain string `json:"toolchain,omitempty"`
}

// FileRecord is one file gosetup edited or created.
type FileRecord struct {
	// Path is the file gosetup wrote: for a symlinked startup file, the
	// link's target (the link itself is never replaced).
	Path string `json:"path"`
	// Link is the path through which the file was reached, when it differs.
	Link string `json:"link,omitempty"`
	// Created is true when the file did not exist before gosetup.
	Created bool `json:"created,omitempty"`
	// Prior is the file's content before gosetup's first edit.
	Prior blob `json:"prior,omitempty"`
	// Written is the SHA-256 (hex) of what gosetup last wrote; uninstall
	// restores Prior only when the file still hashes to it.
	Written string `json:"written"`
	// Mode is the permission bits the file had (or was created with).
	Mode fs.FileMode `json:"mode"`
}

// GoEnvRecord is what gosetup did to the Go env file (GOENV).
type GoEnvRecord struct {
	Path string      `json:"path"`
	Vars []GoEnvVar  `json:"vars"`
	File *FileRecord `json:"file,omitempty"`
}

// GoEnvVar is one variable's prior and written value in the Go env file.
type GoEnvVar struct {
	Name        string `json:"name"`
	PriorExists bool   `json:"prior_exists,omitempty"`
	Prior       string `json:"prior,omitempty"`
	Value       string `json:"value"`
}

// RegistryRecord is one value under HKCU\Environment that gosetup wrote.
type RegistryRecord struct {
	Name        string `json:"name"`
	PriorExists bool   `json:"prior_exists,omitempty"`
	// PriorType is the registry value type before (REG_SZ = 1,
	// REG_EXPAND_SZ = 2), PriorData its string data, or its exact bytes
	// behind a mark when they are not a canonical string (see
	// rawPriorMark; PriorText reads either).
	PriorType uint32 `json:"prior_type,omitempty"`
	PriorData string `json:"prior_data,omitempty"`
	// Type and Data are what gosetup wrote.
	Type uint32 `json:"type"`
	Data string `json:"data"`
	// Deleted is true when gosetup removed the value (repair moving a
	// GO* value to the Go env file): revert creates it again when it is
	// still absent.
	Deleted bool `json:"deleted,omitempty"`
	// Added lists, for Path, the segments gosetup put there (moved to the
	// front or inserted), so revert can remove just those when the value
	// was changed by someone since.
	Added []string `json:"added,omitempty"`
}

// blob is file content kept in the state record: gzip-compressed, then
// base64 in the JSON, so that recording a large startup file keeps
// state.json small.
type blob []byte

func (b blob) MarshalJSON() ([]byte, error) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return json.Marshal(z.Bytes())
}

func (b *blob) UnmarshalJSON(data []byte) error {
	var z []byte
	if err := json.Unmarshal(data, &z); err != nil {
		return err
	}
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return fmt.Errorf("recorded file content: %w", err)
	}
	// A few KB of gzip can claim gigabytes: stop at the cap, so that a
	// damaged record is reported at once instead of exhausting memory.
	out, err := io.ReadAll(io.LimitReader(r, MaxRecordedFile+1))
	if err != nil {
		return fmt.Errorf("recorded file content: %w", err)
	}
	if len(out) > MaxRecordedFile {
		return fmt.Errorf("recorded file content is larger than %d MB, more than gosetup ever records", MaxRecordedFile>>20)
	}
	*b = out
	return nil
}

// MergeDirs records directories gosetup created.
func (s *State) MergeDirs(dirs []string) {
	for _, d := range dirs {
		if !slices.Contains(s.Dirs, d) {
			s.Dirs = append(s.Dirs, d)
		}
	}
}

// hashBytes is the hex SHA-256 used in FileRecord.Written.
func hashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// StatePath is the state record's location inside the gosetup config dir.
func StatePath(configDir string) string { return filepath.Join(configDir, "state.json") }

// loadState reads the plan's state record, keeping its bytes for Apply's
// check that no other run changed it in between.
func (p *Plan) loadState() (*State, error) {
	raw, had, err := readRaw(p.StatePath)
	if err != nil {
		return nil, fmt.Errorf("reading gosetup's state record: %w", err)
	}
	p.stateRaw, p.stateHad = raw, had
	if !had {
		return &State{Version: StateVersion}, nil
	}
	return parseState(p.StatePath, raw)
}

// LoadState reads the state record at path. A missing file is an empty
// state, not an error: gosetup has written nothing yet.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: StateVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading gosetup's state record: %w", err)
	}
	return parseState(path, b)
}

// MaxRecordedFile bounds the content of one file kept in the state
// record (and so the startup files gosetup edits); MaxStateFile bounds
// state.json itself. Beyond them a record is damaged.
const (
	MaxRecordedFile = 64 << 20
	MaxStateFile    = 256 << 20
)

// parseState decodes a state record read from path.
func parseState(path string, b []byte) (*State, error) {
	if len(b) > MaxStateFile {
		return nil, fmt.Errorf("state record %s is damaged (%d MB, more than gosetup ever writes); move it aside to start afresh, but then uninstall cannot restore what it recorded", path, len(b)>>20)
	}
	var s State
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("state record %s is damaged (%v); move it aside to start afresh, but then uninstall cannot restore what it recorded", path, err)
	}
	if s.Version > StateVersion {
		return nil, fmt.Errorf("state record %s has version %d, newer than this gosetup understands (%d); use a newer gosetup", path, s.Version, StateVersion)
	}
	s.Version = StateVersion
	return &s, nil
}

// checkRecordable refuses a record whose paths uninstall could not find
// again: a string in state.json is UTF-8, so other bytes would come back as
// U+FFFD, and a relative path depends on the directory uninstall runs in;
// either way gosetup's files and blocks would be left behind.
func checkRecordable(s *State) error {
	paths := append(append(slices.Clone(s.Scripts), s.Dirs...), s.Toolchain)
	for _, f := range s.Files {
		paths = append(paths, f.Path, f.Link)
	}
	if s.GoEnv != nil {
		paths = append(paths, s.GoEnv.Path)
	}
	for _, p := range paths {
		switch {
		case p == "":
		case !utf8.ValidString(p):
			return fmt.Errorf("the path %q is not valid UTF-8, and gosetup's record of what it writes (for uninstall) can only keep UTF-8 paths; set HOME, XDG_CONFIG_HOME or GOENV to a UTF-8 path, or set the values by hand", p)
		case !filepath.IsAbs(p):
			// Recorded as is, it would name another file when uninstall
			// runs in another directory.
			return fmt.Errorf("the path %q is relative (from HOME or GOENV); set it to an absolute path and run gosetup again", p)
		}
	}
	return nil
}

// Save writes the state record atomically, creating its directory.
func (s *State) Save(path string) error {
	s.Version = StateVersion
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating gosetup's config dir: %w", err)
	}
	if err := writeAtomic(path, b, 0o600); err != nil {
		return fmt.Errorf("saving gosetup's state record: %w", err)
	}
	return nil
}

// Empty reports whether the state records nothing to undo.
func (s *State) Empty() bool {
	return len(s.Files) == 0 && len(s.Scripts) == 0 && s.GoEnv == nil && len(s.Registry) == 0 && s.Toolchain == ""
}

// file returns the record for path, or nil.
func (s *State) file(path string) *FileRecord {
	for i := range s.Files {
		if s.Files[i].Path == path {
			return &s.Files[i]
		}
	}
	return nil
}

// MergeFile records a write to a file. The first record of a path keeps its
// prior content; later writes only update the written hash.
func (s *State) MergeFile(r FileRecord) {
	if old := s.file(r.Path); old != nil {
		old.Written = r.Written
		return
	}
	s.Files = append(s.Files, r)
}

// MergeScript records an env script gosetup created.
func (s *State) MergeScript(path string) {
	for _, p := range s.Scripts {
		if p == path {
			return
		}
	}
	s.Scripts = append(s.Scripts, path)
}

// MergeRegistry records registry writes, keeping the oldest prior value of
// each name (compared case-insensitively, as Windows does) and the union of
// Path segments added.
func (s *State) MergeRegistry(recs []RegistryRecord) {
	for _, r := range recs {
		found := false
		for i := range s.Registry {
			old := &s.Registry[i]
			if !strings.EqualFold(old.Name, r.Name) {
				continue
			}
			found = true
			old.Type, old.Data = r.Type, r.Data
			for _, a := range r.Added {
				dup := false
				for _, b := range old.Added {
					if strings.EqualFold(a, b) {
						dup = true
						break
					}
				}
				if !dup {
					old.Added = append(old.Added, a)
				}
			}
		}
		if !found {
			s.Registry = append(s.Registry, r)
		}
	}
}

// MergeRegistryEdits records repair's exact writes. When gosetup wrote the
// value before and it still held what gosetup wrote until this edit, the
// oldest prior stays (uninstall goes back to before gosetup's first
// write); when someone changed it in between, the edit's prior replaces
// it, so that uninstall does not undo their change.
func (s *State) MergeRegistryEdits(recs []RegistryRecord) {
	for _, r := range recs {
		found := false
		for i := range s.Registry {
			old := &s.Registry[i]
			if !strings.EqualFold(old.Name, r.Name) {
				continue
			}
			found = true
			if r.PriorExists && !old.Deleted && r.PriorType == old.Type && r.PriorData == old.Data {
				old.Type, old.Data, old.Deleted = r.Type, r.Data, r.Deleted
			} else {
				*old = r
			}
		}
		if !found {
			s.Registry = append(s.Registry, r)
		}
	}
}
