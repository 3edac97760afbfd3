package main

import (
	"strings"
	"testing"

	"github.com/gosetup/gosetup/doctor"
)

// TestBeforeAfterSaysWhatToDo: a problem repair cannot fix (a user Path
// of the wrong type) is listed with what the user can do; a repairable
// one is not given doctor's fix text.
func TestBeforeAfterSaysWhatToDo(t *testing.T) {
	before := &doctor.Report{Findings: []doctor.Finding{
		{Severity: doctor.Fail, Check: "windows.path-type", Message: `the user Path (HKCU\Environment\Path) is REG_DWORD`, Fix: `delete it (reg delete HKCU\Environment /v Path)`},
		{Severity: doctor.Warn, Check: "windows.path-duplicates", Message: "entries listed twice", Fix: "run gosetup repair", Repairable: true},
	}}
	for _, after := range []*doctor.Report{nil, before} {
		var b strings.Builder
		printBeforeAfter(&b, before, after, "")
		out := b.String()
		if !strings.Contains(out, `fix: delete it (reg delete HKCU\Environment /v Path)`) || strings.Contains(out, "fix: run gosetup repair") {
			t.Errorf("before -> after:\n%s", out)
		}
	}
}
