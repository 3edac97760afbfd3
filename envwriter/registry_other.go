//go:build !windows

package envwriter

import "errors"

// errNoRegistry is what the registry functions return off Windows, where
// the shell env scripts and the Go env file carry the settings instead.
var errNoRegistry = errors.New(`HKCU\Environment exists only on Windows: on this system gosetup writes env scripts for your shells, or the Go env file`)

// PlanRegistry is only available on Windows; see registry_windows.go.
func PlanRegistry(s Settings) ([]RegistryRecord, error) { return nil, errNoRegistry }

// ApplyRegistry is only available on Windows; see registry_windows.go.
func ApplyRegistry(s Settings) ([]RegistryRecord, error) { return nil, errNoRegistry }

// RevertRegistry is only available on Windows; see registry_windows.go. It
// fails only when there is something to revert, so that an empty record
// set (the normal case off Windows) is not an error.
func RevertRegistry(recs []RegistryRecord) error {
	if len(recs) == 0 {
		return nil
	}
	return errNoRegistry
}

// SystemPathGo reports nothing off Windows: there is no machine-wide Path
// that comes before the user's, and the shell env scripts put gosetup's
// directories first at run time.
func SystemPathGo(dirs []string) ([]string, error) { return nil, nil }

// PlanRegistryValue is only available on Windows; see registry_windows.go.
func PlanRegistryValue(name string, typ uint32, data string) (RegistryRecord, error) {
	return RegistryRecord{}, errNoRegistry
}

// ApplyRegistryEdits is only available on Windows; see registry_windows.go.
func ApplyRegistryEdits(recs []RegistryRecord) ([]RegistryRecord, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	return nil, errNoRegistry
}

// PlanRegistryDelete is only available on Windows; see registry_windows.go.
func PlanRegistryDelete(name string) (RegistryRecord, error) { return RegistryRecord{}, errNoRegistry }

// RegValue is one string value of HKCU\Environment.
type RegValue struct {
	Key, Name string
	Expand    bool
	Data      string
	Raw       string
}

// ReadUserGoValues lists the GO* values of HKCU\Environment; elsewhere
// there are none.
func ReadUserGoValues() ([]RegValue, error) { return nil, errNoRegistry }
