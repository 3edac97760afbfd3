//go:build windows

package envwriter

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The user's environment lives in HKCU\Environment; Windows builds each new
// process's environment from it (after the machine-wide values), and
// Explorer rereads it when it receives WM_SETTINGCHANGE "Environment". It is
// written here through the registry API, never with setx, which cuts values
// at 1024 characters.
const envKeyPath = `Environment`

// pathValueName is the user's Path value. Registry value names are
// case-insensitive, so this also finds "PATH".
const pathValueName = "Path"

// Neither x/sys/windows nor x/sys/windows/registry wraps these two calls:
// SendMessageTimeoutW for the broadcast, and RegSetValueExW to write a value
// of any type with exact bytes (registry.Key's generic setter is private),
// which revert needs to restore a prior value byte for byte.
var (
	procSendMessageTimeoutW = windows.NewLazySystemDLL("user32.dll").NewProc("SendMessageTimeoutW")
	procRegSetValueExW      = windows.NewLazySystemDLL("advapi32.dll").NewProc("RegSetValueExW")
)

const (
	hwndBroadcast   = 0xffff
	wmSettingChange = 0x001A
	smtoAbortIfHung = 0x0002
	broadcastWaitMS = 5000
)

// PlanRegistry reads HKCU\Environment and returns the records that
// ApplyRegistry would write, changing nothing (the dry run).
func PlanRegistry(s Settings) ([]RegistryRecord, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, envKeyPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		// No user environment yet: every value would be created.
		return planRegistry(nil, s, os.LookupEnv)
	}
	if err != nil {
		return nil, fmt.Errorf(`opening HKCU\%s: %w`, envKeyPath, err)
	}
	defer k.Close()
	return planRegistry(&k, s, os.LookupEnv)
}

// ApplyRegistry writes s to HKCU\Environment (see the contract in state.go)
// and broadcasts WM_SETTINGCHANGE. It returns one record per value it
// changed; when a write fails it restores the values it had already written
// before returning the error.
func ApplyRegistry(s Settings) ([]RegistryRecord, error) {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, envKeyPath, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return nil, fmt.Errorf(`opening HKCU\%s for writing: %w`, envKeyPath, err)
	}
	defer k.Close()
	recs, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
	if err != nil || len(recs) == 0 {
		return recs, err
	}
	// A failed broadcast does not undo the write: every process started
	// after the next sign-in sees the values, and the registry is the
	// persistence. Windows itself gives no better signal than "some window
	// did not answer", so this is not reported as an error.
	_ = broadcastEnvironmentChange()
	return recs, nil
}

// RevertRegistry undoes recs (see the contract in state.go): a value that
// still holds what gosetup wrote gets its prior type and bytes back, or is
// deleted when it did not exist before; a value someone changed since is
// left alone, except that gosetup's own added segments are removed from
// Path. It broadcasts WM_SETTINGCHANGE.
func RevertRegistry(recs []RegistryRecord) error {
	if len(recs) == 0 {
		return nil
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, envKeyPath, registry.QUERY_VALUE|registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil // the whole user environment is gone: nothing of ours is left
	}
	if err != nil {
		return fmt.Errorf(`opening HKCU\%s for writing: %w`, envKeyPath, err)
	}
	defer k.Close()
	err = revertRegistry(k, recs, os.LookupEnv)
	_ = broadcastEnvironmentChange() // see ApplyRegistry
	return err
}

// regValue is a registry value as stored: its type and exact bytes.
type regValue struct {
	exists bool
	typ    uint32
	raw    []byte
}

// readRegValue reads name's type and exact bytes; a missing value (or a nil
// key) is !exists.
func readRegValue(k *registry.Key, name string) (regValue, error) {
	if k == nil {
		return regValue{}, nil
	}
	buf := make([]byte, 512)
	for {
		n, typ, err := k.GetValue(name, buf)
		switch {
		case errors.Is(err, registry.ErrNotExist):
			return regValue{}, nil
		case errors.Is(err, windows.ERROR_MORE_DATA) && n > len(buf):
			buf = make([]byte, n)
			continue
		case err != nil:
			return regValue{}, fmt.Errorf(`reading HKCU\%s\%s: %w`, envKeyPath, name, err)
		}
		return regValue{exists: true, typ: typ, raw: buf[:n]}, nil
	}
}

// setRegValue writes name with exactly typ and raw.
func setRegValue(k registry.Key, name string, typ uint32, raw []byte) error {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return err
	}
	var data *byte
	if len(raw) > 0 {
		data = &raw[0]
	}
	r, _, _ := procRegSetValueExW.Call(uintptr(k), uintptr(unsafe.Pointer(p)), 0,
		uintptr(typ), uintptr(unsafe.Pointer(data)), uintptr(len(raw)))
	if r != 0 {
		return fmt.Errorf(`writing HKCU\%s\%s: %w`, envKeyPath, name, windows.Errno(r))
	}
	return nil
}

// regSetter is setRegValue's signature; tests pass one that fails part way
// to check that applyRegistry rolls back.
type regSetter func(k registry.Key, name string, typ uint32, raw []byte) error

// isRegString reports whether typ holds text a Path or GO* value can be
// read from.
func isRegString(typ uint32) bool { return typ == registry.SZ || typ == registry.EXPAND_SZ }

// encodePrior returns PriorData for v: its text when the bytes are exactly
// the canonical encoding of that text, else its marked base64 bytes.
func encodePrior(v regValue) string {
	if isRegString(v.typ) {
		t := regText(v.raw)
		if !strings.Contains(t, "\x00") && bytes.Equal(regStringBytes(t), v.raw) {
			return t
		}
	}
	return rawPriorMark + base64.StdEncoding.EncodeToString(v.raw)
}

// planRegistry computes the records for s against k (nil: an absent key).
func planRegistry(k *registry.Key, s Settings, lookup func(string) (string, bool)) ([]RegistryRecord, error) {
	var recs []RegistryRecord
	if len(s.Path) > 0 {
		for _, d := range s.Path {
			if err := checkWinPathDir(d); err != nil {
				return nil, err
			}
			if !filepath.IsAbs(expandWinVars(d, lookup)) {
				return nil, fmt.Errorf("directory %q for Path is not absolute: give a full path such as C:\\Go\\bin", d)
			}
		}
		cur, err := readRegValue(k, pathValueName)
		if err != nil {
			return nil, err
		}
		typ := uint32(registry.EXPAND_SZ) // what Windows' own editor uses, so %VAR% entries work
		old := ""
		if cur.exists {
			if !isRegString(cur.typ) {
				return nil, fmt.Errorf(`HKCU\%s\%s is %s, not a string (REG_EXPAND_SZ), so gosetup cannot add to it without losing what it holds: %s`, envKeyPath, pathValueName, RegTypeName(cur.typ), NonStringPathAdvice+", then run gosetup again")
			}
			// An existing REG_SZ Path stays REG_SZ: turning it into
			// REG_EXPAND_SZ would change the meaning of any literal '%'.
			typ = cur.typ
			old = regText(cur.raw)
		}
		val, err := prependWinPath(old, s.Path, lookup)
		if err != nil {
			return nil, err
		}
		if !cur.exists || val != old {
			recs = append(recs, newRegistryRecord(pathValueName, cur, typ, val, addedWinPathDirs(old, val, lookup)))
		}
	}
	for _, v := range s.Vars() {
		if strings.Contains(v.Value, "\x00") {
			return nil, fmt.Errorf("%s contains a NUL character, which a registry string cannot hold: check the value", v.Name)
		}
		cur, err := readRegValue(k, v.Name)
		if err != nil {
			return nil, err
		}
		if cur.exists && cur.typ == registry.SZ && bytes.Equal(cur.raw, regStringBytes(v.Value)) {
			continue
		}
		recs = append(recs, newRegistryRecord(v.Name, cur, registry.SZ, v.Value, nil))
	}
	return recs, nil
}

func newRegistryRecord(name string, prior regValue, typ uint32, data string, added []string) RegistryRecord {
	r := RegistryRecord{Name: name, Type: typ, Data: data, Added: added}
	if prior.exists {
		r.PriorExists, r.PriorType, r.PriorData = true, prior.typ, encodePrior(prior)
	}
	return r
}

// applyRegistry writes the planned records through set; if one write fails,
// it restores the ones already written and returns the error.
func applyRegistry(k registry.Key, s Settings, lookup func(string) (string, bool), set regSetter) ([]RegistryRecord, error) {
	recs, err := planRegistry(&k, s, lookup)
	if err != nil {
		return nil, err
	}
	for i, r := range recs {
		if err := set(k, r.Name, r.Type, regStringBytes(r.Data)); err != nil {
			if rerr := restorePrior(k, recs[:i]); rerr != nil {
				return nil, fmt.Errorf("%w; and restoring the values already written failed too (%v): check HKCU\\Environment by hand", err, rerr)
			}
			return nil, fmt.Errorf("%w; nothing was changed", err)
		}
	}
	return recs, nil
}

// restorePrior puts back the prior values of recs unconditionally, last
// first; applyRegistry uses it right after its own writes.
func restorePrior(k registry.Key, recs []RegistryRecord) error {
	var errs []error
	for i := len(recs) - 1; i >= 0; i-- {
		errs = append(errs, restoreOne(k, recs[i]))
	}
	return errors.Join(errs...)
}

// restoreOne sets r's prior type and bytes, or deletes r's value when it did
// not exist before.
func restoreOne(k registry.Key, r RegistryRecord) error {
	if !r.PriorExists {
		if err := k.DeleteValue(r.Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf(`deleting HKCU\%s\%s: %w`, envKeyPath, r.Name, err)
		}
		return nil
	}
	raw, err := decodePrior(r.PriorData)
	if err != nil {
		return fmt.Errorf(`restoring HKCU\%s\%s: %w`, envKeyPath, r.Name, err)
	}
	return setRegValue(k, r.Name, r.PriorType, raw)
}

// revertRegistry undoes recs, last first, leaving values changed since alone
// (Path loses only gosetup's added segments).
func revertRegistry(k registry.Key, recs []RegistryRecord, lookup func(string) (string, bool)) error {
	var errs []error
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		cur, err := readRegValue(&k, r.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case r.Deleted:
			// gosetup removed it: it comes back unless someone set it since.
			if !cur.exists {
				errs = append(errs, restoreOne(k, r))
			}
		case cur.exists && cur.typ == r.Type && bytes.Equal(cur.raw, regStringBytes(r.Data)):
			errs = append(errs, restoreOne(k, r))
		case cur.exists && strings.EqualFold(r.Name, pathValueName) && isRegString(cur.typ) && len(r.Added) > 0:
			// The user edited Path since: keep their edit, take out ours.
			old := regText(cur.raw)
			val := removeWinPath(old, r.Added, lookup)
			switch {
			case val == old:
			case val == "" && !r.PriorExists:
				errs = append(errs, restoreOne(k, r))
			default:
				errs = append(errs, setRegValue(k, r.Name, cur.typ, regStringBytes(val)))
			}
		}
		// Otherwise the value was changed or deleted by someone else after
		// gosetup wrote it: theirs wins.
	}
	return errors.Join(errs...)
}

// broadcastEnvironmentChange tells every top-level window, Explorer above
// all, to reread the environment, so that programs started from it see the
// new values without a sign-out.
func broadcastEnvironmentChange() error {
	env, err := windows.UTF16PtrFromString("Environment")
	if err != nil {
		return err
	}
	var result uintptr
	r, _, callErr := procSendMessageTimeoutW.Call(hwndBroadcast, wmSettingChange, 0,
		uintptr(unsafe.Pointer(env)), smtoAbortIfHung, broadcastWaitMS, uintptr(unsafe.Pointer(&result)))
	if r == 0 {
		return fmt.Errorf("broadcasting the environment change: %w", callErr)
	}
	return nil
}

// systemEnvKeyPath holds the machine-wide variables, under HKLM.
const systemEnvKeyPath = `SYSTEM\CurrentControlSet\Control\Session Manager\Environment`

// SystemPathGo returns the directories of the machine-wide Path that hold a
// go.exe, other than dirs. Windows builds a process's PATH as the system
// Path followed by the user Path, so such a go.exe wins over the toolchain
// gosetup put first in HKCU\Environment: the caller should tell the user
// (only an administrator can change the system Path).
func SystemPathGo(dirs []string) ([]string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, systemEnvKeyPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf(`reading the system Path (HKLM\%s): %w`, systemEnvKeyPath, err)
	}
	defer k.Close()
	v, err := readRegValue(&k, pathValueName)
	if err != nil || !v.exists || !isRegString(v.typ) {
		return nil, err
	}
	return goDirsOutside(regText(v.raw), dirs, os.LookupEnv, func(dir string) bool {
		fi, err := os.Stat(filepath.Join(dir, "go.exe"))
		return err == nil && fi.Mode().IsRegular()
	}), nil
}

// PlanRegistryValue reads name in HKCU\Environment and returns the record
// of writing it as typ with data: what it holds now is the prior that
// uninstall restores, type and bytes. Nothing is written.
func PlanRegistryValue(name string, typ uint32, data string) (RegistryRecord, error) {
	if strings.Contains(data, "\x00") {
		return RegistryRecord{}, fmt.Errorf("%s contains a NUL character, which a registry string cannot hold", name)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, envKeyPath, registry.QUERY_VALUE)
	var cur regValue
	switch {
	case errors.Is(err, registry.ErrNotExist):
	case err != nil:
		return RegistryRecord{}, fmt.Errorf(`opening HKCU\%s: %w`, envKeyPath, err)
	default:
		defer k.Close()
		if cur, err = readRegValue(&k, name); err != nil {
			return RegistryRecord{}, err
		}
	}
	return newRegistryRecord(name, cur, typ, data, nil), nil
}

// ErrRegistryChanged is returned when a value repair planned to rewrite
// no longer holds what it read.
var ErrRegistryChanged = errors.New("changed since it was read")

// ApplyRegistryEdits writes each record's type and data exactly, after
// checking that the value still holds the record's prior (type and
// bytes), so that an edit made from a stale reading writes nothing. A
// failed write puts back the ones already made. It broadcasts
// WM_SETTINGCHANGE and returns the records written.
func ApplyRegistryEdits(recs []RegistryRecord) ([]RegistryRecord, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, envKeyPath, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return nil, fmt.Errorf(`opening HKCU\%s for writing: %w`, envKeyPath, err)
	}
	defer k.Close()
	for i, r := range recs {
		cur, err := readRegValue(&k, r.Name)
		if err == nil && !priorHolds(cur, r) {
			err = fmt.Errorf(`HKCU\%s\%s %w; nothing was changed`, envKeyPath, r.Name, ErrRegistryChanged)
		}
		switch {
		case err != nil:
		case r.Deleted:
			err = k.DeleteValue(r.Name)
		default:
			err = setRegValue(k, r.Name, r.Type, regStringBytes(r.Data))
		}
		if err != nil {
			if rerr := restorePrior(k, recs[:i]); rerr != nil {
				return nil, fmt.Errorf("%w; and restoring the values already written failed too (%v): check HKCU\\Environment by hand", err, rerr)
			}
			return nil, err
		}
	}
	_ = broadcastEnvironmentChange() // see ApplyRegistry
	return recs, nil
}

// priorHolds reports whether cur is still r's prior.
func priorHolds(cur regValue, r RegistryRecord) bool {
	if !r.PriorExists || !cur.exists {
		return r.PriorExists == cur.exists
	}
	raw, err := decodePrior(r.PriorData)
	return err == nil && cur.typ == r.PriorType && bytes.Equal(cur.raw, raw)
}

// PlanRegistryDelete is PlanRegistryValue for removing name: the record
// keeps its prior type and bytes, for uninstall.
func PlanRegistryDelete(name string) (RegistryRecord, error) {
	r, err := PlanRegistryValue(name, 0, "")
	if err != nil {
		return r, err
	}
	if !r.PriorExists {
		return r, fmt.Errorf(`HKCU\%s\%s %w`, envKeyPath, name, ErrRegistryChanged)
	}
	r.Type, r.Data, r.Deleted = r.PriorType, "", true
	return r, nil
}

// RegValue is one string value of HKCU\Environment.
type RegValue struct {
	Key, Name string
	Expand    bool
	Data      string
	// Raw is its exact bytes as a record's prior holds them (see
	// PathValue.Raw).
	Raw string
}

// ReadUserGoValues lists the GO* string values of HKCU\Environment.
func ReadUserGoValues() ([]RegValue, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, envKeyPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf(`opening HKCU\%s: %w`, envKeyPath, err)
	}
	defer k.Close()
	names, err := k.ReadValueNames(-1)
	if err != nil {
		return nil, fmt.Errorf(`listing HKCU\%s: %w`, envKeyPath, err)
	}
	var out []RegValue
	for _, n := range names {
		if !strings.HasPrefix(strings.ToUpper(n), "GO") {
			continue
		}
		v, err := readRegValue(&k, n)
		if err != nil {
			return nil, err
		}
		if v.exists && isRegString(v.typ) {
			out = append(out, RegValue{Key: `HKCU\` + envKeyPath + `\` + n, Name: n, Expand: v.typ == registry.EXPAND_SZ, Data: regText(v.raw), Raw: encodePrior(v)})
		}
	}
	return out, nil
}
