package doctor

import (
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
)

// TestWinPathNotAString: a user Path of another type than a string
// (REG_DWORD here) is reported as what it is, with what to do, and repair
// plans nothing for it: there is no list to keep, and writing gosetup's
// directories over it would lose what it holds. (It counted as no Path,
// so repair planned to create one and always found one there.)
func TestWinPathNotAString(t *testing.T) {
	user := WinValue{Key: `HKCU\Environment\Path`, Name: "Path", Exists: true, OtherType: 4, Raw: "\x00base64:BwAAAA=="}
	sys := WinValue{Key: "s", Exists: true, Expand: true, Data: `C:\Windows\System32`}
	w := newWorld(t)
	w.manage(`C:\Gosetup`)
	paths := &WinPaths{User: user, System: sys}
	rep := w.run(Options{WinPaths: func() (*WinPaths, error) { return paths, nil }}, "windows")
	f := must(t, rep, "windows.path-type", Fail, `HKCU\Environment\Path) is REG_DWORD, not a string`)
	if f.Repairable || !strings.Contains(f.Fix, `reg query HKCU\Environment /v Path`) || !strings.Contains(f.Fix, "gosetup repair") {
		t.Errorf("finding %+v: want not repairable, with what to do", f)
	}
	if len(find(rep, "windows.path-entries", Warn)) != 0 || len(find(rep, "windows.path-entries", OK)) != 0 {
		t.Errorf("path-entries judges a Path with no entries:\n%s", dump(rep))
	}
	for _, a := range Actions(rep) {
		if a.WinPath != nil {
			t.Errorf("repair plans %q over a REG_DWORD Path", a.Title)
		}
	}
}

// TestWinValueHeldByType: a value doctor read as another type is held by
// a record only with that type and those bytes, and "missing" is not
// held by a value of any type.
func TestWinValueHeldByType(t *testing.T) {
	v := WinValue{Exists: true, OtherType: 4, Raw: "\x00base64:BwAAAA=="}
	rec := envwriter.RegistryRecord{Name: "Path", PriorExists: true, PriorType: 4, PriorData: v.Raw}
	if !v.heldBy(rec) {
		t.Error("the same REG_DWORD is not held")
	}
	for _, r := range []envwriter.RegistryRecord{
		{PriorExists: true, PriorType: 3, PriorData: v.Raw},
		{PriorExists: true, PriorType: 4, PriorData: "\x00base64:CAAAAA=="},
		{PriorExists: true, PriorType: envwriter.RegSZ, PriorData: v.Raw},
		{},
	} {
		if v.heldBy(r) {
			t.Errorf("held by %+v", r)
		}
	}
	if (WinValue{}).heldBy(rec) {
		t.Error("a missing value is held by a REG_DWORD")
	}
}
