package tui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/gosetup/gosetup/doctor"
	"github.com/gosetup/gosetup/envwriter"
)

// TestEveryStringInBothLanguages: a string added to Text must be given in
// every language, and with the same format verbs.
func TestEveryStringInBothLanguages(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		v := reflect.ValueOf(*TextFor(lang))
		for i := range v.NumField() {
			f, name := v.Field(i), v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: %s is empty", lang, name)
				}
			case reflect.Slice, reflect.Array:
				if f.Len() == 0 {
					t.Errorf("%s: %s is empty", lang, name)
				}
				for j := range f.Len() {
					if f.Index(j).String() == "" {
						t.Errorf("%s: %s[%d] is empty", lang, name, j)
					}
				}
			}
		}
	}
	en, zh := reflect.ValueOf(enText), reflect.ValueOf(zhText)
	for i := range en.NumField() {
		if en.Field(i).Kind() != reflect.String {
			continue
		}
		if a, b := verbs(en.Field(i).String()), verbs(zh.Field(i).String()); a != b {
			t.Errorf("%s: English has verbs %q, Chinese %q", en.Type().Field(i).Name, a, b)
		}
	}
}

func verbs(s string) string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+1 < len(s) {
			j := i + 1
			for j < len(s) && strings.ContainsRune(".0123456789", rune(s[j])) {
				j++
			}
			if j < len(s) {
				out = append(out, s[i:j+1])
			}
			i = j
		}
	}
	return strings.Join(out, " ")
}

func TestDetectLang(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, English},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Chinese},
		{map[string]string{"LANG": "zh_TW.UTF-8"}, Chinese},
		{map[string]string{"LANG": "en_US.UTF-8"}, English},
		{map[string]string{"LANG": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, Chinese},
		// LC_ALL wins over LC_MESSAGES, which wins over LANG.
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "zh_CN.UTF-8"}, English},
		{map[string]string{"LC_ALL": "zh_CN.GB18030", "LANG": "en_US.UTF-8"}, Chinese},
		{map[string]string{"LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, English},
		{map[string]string{"LANG": "zhx"}, English},
	}
	for _, c := range cases {
		if got := DetectLang(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
	for in, want := range map[string]Lang{"zh": Chinese, "en": English, "ZH": Chinese} {
		if got, ok := ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %s, %v", in, got, ok)
		}
	}
	if _, ok := ParseLang("fr"); ok {
		t.Error("ParseLang(fr) accepted")
	}
}

// TestEveryDoctorCheckHasATitle: each check doctor runs is named in every
// language, so no finding line on the detect screen falls back to its id;
// an id the wizard does not know shows as itself.
func TestEveryDoctorCheckHasATitle(t *testing.T) {
	for _, tx := range []*Text{&enText, &zhText} {
		for _, c := range doctor.Checks() {
			if tx.CheckTitles[c.ID] == "" {
				t.Errorf("%q has no title in %q", c.ID, tx.Title)
			}
		}
		if len(tx.CheckTitles) != len(doctor.Checks()) {
			t.Errorf("%q: %d titles for %d checks", tx.Title, len(tx.CheckTitles), len(doctor.Checks()))
		}
	}
	got := zhText.finding(DoctorFinding{Check: "go.found", Fail: true, Detail: "no go on PATH"}, 80)
	if got != "✗ 未找到 go 命令：no go on PATH" {
		t.Errorf("finding = %q", got)
	}
	got = zhText.finding(DoctorFinding{Check: "new.check", Detail: strings.Repeat("x", 100)}, 30)
	if !strings.HasPrefix(got, "! new.check：x") || !strings.HasSuffix(got, "…") || ansi.StringWidth(got) > 30 {
		t.Errorf("unknown id = %q", got)
	}
}

// TestStartupWhyByRole: a startup file's readers are named by its role in
// every language; what a plan adds after the role's text, or a reason that
// replaces it, stays the domain's.
func TestStartupWhyByRole(t *testing.T) {
	for _, tx := range []*Text{&enText, &zhText} {
		for _, r := range envwriter.StartupRoles() {
			if tx.StartupWhy[r] == "" {
				t.Errorf("role %q has no text in %q", r, tx.Title)
			}
		}
	}
	c := envwriter.Change{Kind: envwriter.KindStartup, Role: envwriter.RoleBashRC, Why: envwriter.RoleBashRC.Why()}
	if got := zhText.why(c); got != "bash 交互式 shell" {
		t.Errorf("why = %q", got)
	}
	c.Why += "; remove an old export"
	if got := zhText.why(c); got != "bash 交互式 shell; remove an old export" {
		t.Errorf("why with edits = %q", got)
	}
	c.Why = "gosetup's block removed"
	if got := zhText.why(c); got != c.Why {
		t.Errorf("replaced why = %q", got)
	}
}
