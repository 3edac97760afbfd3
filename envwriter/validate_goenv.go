package envwriter

import (
	"fmt"
	"go/version"
	"strings"
)

// ValidateGoVar checks any GO* value gosetup reads or writes: the managed
// ones as ValidateVar does, and GOFLAGS, GO111MODULE, GOTOOLCHAIN and
// GOINSECURE by the go command's rules. A name it has no rule for is
// accepted.
func ValidateGoVar(name, value string) error {
	if err := checkPlain(name, value); err != nil {
		return err
	}
	switch name {
	case "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB":
		return ValidateVar(name, value)
	case "GOINSECURE":
		return ValidatePatterns(name, value)
	case "GOFLAGS":
		return ValidateGOFLAGS(value)
	case "GO111MODULE":
		return ValidateGO111MODULE(value)
	case "GOTOOLCHAIN":
		return ValidateGOTOOLCHAIN(value)
	}
	return nil
}

// ValidateGOFLAGS checks GOFLAGS as cmd/go/internal/base.InitGOFLAGS
// splits it: space-separated fields, each a flag (-name or -name=value).
// The go command fails every build on anything else.
func ValidateGOFLAGS(v string) error {
	for _, f := range strings.Fields(v) {
		if !strings.HasPrefix(f, "-") || f == "-" || f == "--" {
			return fmt.Errorf("GOFLAGS: %q is not a flag; every field must look like -name or -name=value (the go command refuses to run)", f)
		}
		name := strings.TrimLeft(f, "-")
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		if name == "" {
			return fmt.Errorf("GOFLAGS: %q has no flag name", f)
		}
	}
	return nil
}

// ValidateGO111MODULE accepts on, off, auto and empty, as the go command does.
func ValidateGO111MODULE(v string) error {
	switch v {
	case "", "on", "off", "auto":
		return nil
	}
	return fmt.Errorf("GO111MODULE: %q is not on, off or auto (the go command refuses to run)", v)
}

// ValidateGOTOOLCHAIN checks local, auto, path, or goVERSION, each
// optionally followed by +auto or +path, as cmd/go/internal/toolchain reads it.
func ValidateGOTOOLCHAIN(v string) error {
	switch v {
	case "", "local", "auto", "path":
		return nil
	}
	name, suffix, has := strings.Cut(v, "+")
	if has && suffix != "auto" && suffix != "path" {
		return fmt.Errorf("GOTOOLCHAIN: %q: the part after + must be auto or path", v)
	}
	if name == "local" {
		return nil
	}
	if !strings.HasPrefix(name, "go") || !version.IsValid(name) {
		return fmt.Errorf("GOTOOLCHAIN: %q is not local, auto, path or a Go version such as go1.26.3 (optionally with +auto or +path)", v)
	}
	return nil
}
