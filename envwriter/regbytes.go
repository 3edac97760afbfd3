package envwriter

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
)

// The stored form of registry strings and of the priors in gosetup's
// record, kept apart from the registry calls so that every platform can
// read a record (the faces show a prior's text; doctor compares priors).

// regStringBytes is the canonical stored form of a string value: UTF-16LE
// with one terminating NUL, as RegSetValueEx expects.
func regStringBytes(s string) []byte {
	u := utf16.Encode([]rune(s + "\x00"))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return b
}

// regText decodes a string value's bytes as Windows reads them: up to the
// first NUL, with or without a terminator.
func regText(raw []byte) string {
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return string(utf16.Decode(u))
}

// rawPriorMark starts RegistryRecord.PriorData when the prior value is not
// a canonical string (another type, no terminating NUL, bytes after it, or
// invalid UTF-16): the rest is its exact bytes in base64. A canonical string
// never holds a NUL, so the mark cannot be mistaken for text, and the record
// stays valid JSON either way.
const rawPriorMark = "\x00base64:"

// decodePrior returns the exact bytes encodePrior recorded.
func decodePrior(data string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(data, rawPriorMark); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("gosetup's record of a prior registry value is damaged (%v); restore it by hand", err)
		}
		return b, nil
	}
	return regStringBytes(data), nil
}

// PriorText is the text Windows reads from r's prior string value: its
// PriorData, or, when the prior was recorded as exact bytes (not a
// canonical string: no terminating NUL, bytes after it), those bytes up
// to the first NUL. A damaged record reads as "".
func (r RegistryRecord) PriorText() string {
	if !strings.HasPrefix(r.PriorData, rawPriorMark) {
		return r.PriorData
	}
	b, err := decodePrior(r.PriorData)
	if err != nil {
		return ""
	}
	return regText(b)
}

// PriorIsText reports whether r's prior was a string value (REG_SZ or
// REG_EXPAND_SZ), whose text PriorText returns; the bytes of any other
// type (REG_DWORD, REG_BINARY, ...) read as no text, so faces name the
// type instead (RegTypeName). A record without a type is taken as text
// unless it holds marked bytes.
func (r RegistryRecord) PriorIsText() bool {
	switch r.PriorType {
	case RegSZ, RegExpandSZ:
		return true
	case 0:
		return !strings.HasPrefix(r.PriorData, rawPriorMark)
	}
	return false
}

// RegTypeName names a registry value type as reg.exe does.
func RegTypeName(typ uint32) string {
	names := [...]string{"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
		"REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD"}
	if int(typ) < len(names) {
		return names[typ]
	}
	return fmt.Sprintf("registry type %d", typ)
}

// NonStringPathAdvice says what to do about a user Path that is not a
// string value (REG_DWORD, REG_BINARY, REG_MULTI_SZ, ...): Windows reads
// no directory list from it, and nothing in it can be trusted as one, so
// gosetup leaves it to the user rather than replace it.
const NonStringPathAdvice = `see what it holds with: reg query HKCU\Environment /v Path; note any directories you need, ` +
	`delete it (reg delete HKCU\Environment /v Path) or enter it again as text in "Edit environment variables for your account"`
