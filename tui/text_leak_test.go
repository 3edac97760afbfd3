package tui

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/gosetup/gosetup/doctor"
	"github.com/gosetup/gosetup/envwriter"
)

// englishPhrases are the fixed parts of the wizard's own English strings
// (format verbs cut out) that are words, not names: text that must never
// show on a Chinese screen. A phrase the Chinese text keeps too (a command,
// a name) is not one.
func englishPhrases() []string {
	verb := regexp.MustCompile(`%(\[[0-9]+\])?[-+# 0-9.]*[a-zA-Z]`)
	words := regexp.MustCompile(`^[A-Za-z][a-z]+( [A-Za-z,'-]+)+$`)
	var zhAll strings.Builder
	var en []string
	var walk func(en, zh reflect.Value)
	walk = func(e, z reflect.Value) {
		switch e.Kind() {
		case reflect.String:
			zhAll.WriteString(z.String() + "\n")
			for _, part := range verb.Split(e.String(), -1) {
				for _, l := range strings.Split(part, "\n") {
					l = strings.Trim(l, " .:;()–—•·")
					if len(l) >= 10 && words.MatchString(l) {
						en = append(en, l)
					}
				}
			}
		case reflect.Map:
			for _, k := range e.MapKeys() {
				walk(e.MapIndex(k), z.MapIndex(k))
			}
		case reflect.Array, reflect.Slice:
			for i := range e.Len() {
				walk(e.Index(i), z.Index(i))
			}
		case reflect.Struct:
			for i := range e.NumField() {
				walk(e.Field(i), z.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(enText), reflect.ValueOf(zhText))
	var out []string
	for _, p := range en {
		if !strings.Contains(zhAll.String(), p) {
			out = append(out, p)
		}
	}
	return out
}

// TestChineseScreensHaveNoEnglish: every Chinese golden view (each screen
// at 80×24 and 120×40, rendered by TestGoldenViews) is free of the
// wizard's own English phrases, failure classes of the probe included.
func TestChineseScreensHaveNoEnglish(t *testing.T) {
	phrases := englishPhrases()
	if len(phrases) < 50 {
		t.Fatalf("only %d English phrases found: the extraction is broken", len(phrases))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "TestGoldenViews", "*-zh-*.golden"))
	if len(files) < 16 {
		t.Fatalf("only %d Chinese golden views", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Join(strings.Fields(ansi.Strip(string(b))), " ")
		for _, p := range phrases {
			if strings.Contains(s, p) {
				t.Errorf("%s shows English %q", filepath.Base(f), p)
			}
		}
		// A startup file's readers come from its role, not envwriter's
		// English (the fixture's plan has ~/.profile and ~/.bashrc).
		for _, r := range envwriter.StartupRoles() {
			if w := r.Why(); strings.Contains(w, " ") && strings.Contains(s, w) {
				t.Errorf("%s shows envwriter's English %q", filepath.Base(f), w)
			}
		}
		// A doctor finding is named by its title; its id shows only when
		// the wizard has no title for it.
		for _, c := range doctor.Checks() {
			if strings.Contains(s, c.ID+":") || strings.Contains(s, c.ID+"：") {
				t.Errorf("%s shows doctor's check id %q, not its title", filepath.Base(f), c.ID)
			}
		}
	}
}
