package tui

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/gosetup/gosetup/envwriter"
)

// markedPrior is a record's prior as envwriter stores bytes that are not
// a canonical string: here text with bytes after its terminating NUL.
func markedPrior(text, after string) string {
	u := utf16.Encode([]rune(text + "\x00" + after))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return "\x00base64:" + base64.StdEncoding.EncodeToString(b)
}

// TestRegPriorShowsText: the plan lines show the text Windows reads from a
// prior recorded as exact bytes, not the record's marked base64, and name
// the type of a prior that is no string.
func TestRegPriorShowsText(t *testing.T) {
	c := &common{t: TextFor(English)}
	r := envwriter.RegistryRecord{Name: "Path", PriorExists: true, PriorType: envwriter.RegExpandSZ,
		PriorData: markedPrior(`C:\tools;%USERPROFILE%\bin`, "junk"), Type: envwriter.RegExpandSZ, Data: `C:\go\bin;C:\tools`}
	if got := regPrior(c, r); got != `C:\tools;%USERPROFILE%\bin` {
		t.Errorf("prior shown as %q", got)
	}
	r.PriorData = `C:\tools`
	if got := regPrior(c, r); got != `C:\tools` {
		t.Errorf("canonical prior shown as %q", got)
	}
	r.PriorType, r.PriorData = 4, "\x00base64:AQAAAA=="
	if got := regPrior(c, r); got != "(a REG_DWORD value)" || strings.Contains(got, "base64") {
		t.Errorf("REG_DWORD prior shown as %q", got)
	}
	if got := regPrior(&common{t: TextFor(Chinese)}, r); !strings.Contains(got, "REG_DWORD") {
		t.Errorf("zh REG_DWORD prior shown as %q", got)
	}
}
