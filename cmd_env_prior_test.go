package main

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/gosetup/gosetup/envwriter"
)

// TestDescribePlanRegistryPrior: the plan lines show a prior's text even
// when it was recorded as exact bytes (a REG_SZ with a stray NUL), and
// call only a value of another type "a non-text value", by its type.
func TestDescribePlanRegistryPrior(t *testing.T) {
	u := utf16.Encode([]rune("https://goproxy.io,direct\x00\x00"))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	p := &envwriter.Plan{Registry: []envwriter.RegistryRecord{
		{Name: "GOPROXY", PriorExists: true, PriorType: envwriter.RegSZ, PriorData: "\x00base64:" + base64.StdEncoding.EncodeToString(b), Type: envwriter.RegSZ, Data: "https://proxy.golang.org,direct"},
		{Name: "GOSUMDB", PriorExists: true, PriorType: 3, PriorData: "\x00base64:AAE=", Type: envwriter.RegSZ, Data: "sum.golang.org"},
	}}
	var out strings.Builder
	describePlan(&out, p, "")
	s := out.String()
	for _, want := range []string{
		`HKCU\Environment\GOPROXY: https://goproxy.io,direct -> https://proxy.golang.org,direct`,
		`HKCU\Environment\GOSUMDB: (a REG_BINARY value) -> sum.golang.org`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "base64") || strings.Contains(s, "\x00") {
		t.Errorf("marked bytes shown:\n%q", s)
	}
}
