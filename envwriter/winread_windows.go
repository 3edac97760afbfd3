//go:build windows

package envwriter

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows/registry"
)

// PathValue is a Path value as stored in the registry.
type PathValue struct {
	// Key names it for the user: HKCU\Environment\Path.
	Key    string
	Exists bool
	// Expand is true for REG_EXPAND_SZ, false for REG_SZ (in which
	// %VAR% references are not expanded).
	Expand bool
	Data   string
	// Type is its registry type. A Path of another type than REG_SZ or
	// REG_EXPAND_SZ exists but holds no text Windows reads as a list
	// (Data is empty, Expand false); Raw still holds its bytes.
	Type uint32
	// Raw is its exact bytes as gosetup's record holds a prior value
	// (RegistryRecord.PriorData): comparing it with a record's prior, and
	// the type, tells whether the value is still exactly what was read.
	// Data cannot tell: a value stored without its terminating NUL, or
	// with bytes after it, reads as the same text.
	Raw string
}

// ReadPaths reads the user Path (HKCU\Environment) and the system Path
// (HKLM\...\Session Manager\Environment), for doctor.
func ReadPaths() (user, system PathValue, err error) {
	user.Key = `HKCU\` + envKeyPath + `\` + pathValueName
	system.Key = `HKLM\` + systemEnvKeyPath + `\` + pathValueName
	read := func(root registry.Key, path string, out *PathValue) error {
		k, err := registry.OpenKey(root, path, registry.QUERY_VALUE)
		if errors.Is(err, registry.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf(`reading %s: %w`, out.Key, err)
		}
		defer k.Close()
		v, err := readRegValue(&k, pathValueName)
		if err != nil || !v.exists {
			return err
		}
		// A value of another type is reported as it is, not as missing:
		// planning from "no Path" would then find one there.
		out.Exists, out.Type, out.Raw = true, v.typ, encodePrior(v)
		if isRegString(v.typ) {
			out.Expand, out.Data = v.typ == registry.EXPAND_SZ, regText(v.raw)
		}
		return nil
	}
	if err := read(registry.CURRENT_USER, envKeyPath, &user); err != nil {
		return user, system, err
	}
	err = read(registry.LOCAL_MACHINE, systemEnvKeyPath, &system)
	return user, system, err
}

// ExpandWinVars expands %NAME% as Windows does for a REG_EXPAND_SZ value,
// from this process's environment.
func ExpandWinVars(s string) string { return expandWinVars(s, os.LookupEnv) }
