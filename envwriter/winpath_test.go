package envwriter

import (
	"fmt"
	"strings"
	"testing"
)

// winLookup is a small, case-insensitive Windows-like environment.
func winLookup(name string) (string, bool) {
	v, ok := map[string]string{
		"USERPROFILE":  `C:\Users\Ann`,
		"SYSTEMROOT":   `C:\Windows`,
		"LOCALAPPDATA": `C:\Users\Ann\AppData\Local`,
	}[strings.ToUpper(name)]
	return v, ok
}

func TestSplitWinPathListRoundTrip(t *testing.T) {
	for _, v := range []string{
		"", ";", ";;", `C:\a`, `C:\a;`, `;C:\a`, `C:\a;;C:\b`,
		`"C:\x;y";C:\b`, `C:\a;"unbalanced;C:\b`, `%USERPROFILE%\bin; C:\sp ;`,
	} {
		segs := splitWinPathList(v)
		if got := strings.Join(segs, ";"); got != v {
			t.Errorf("split(%q) = %q, joins back to %q", v, segs, got)
		}
	}
	if segs := splitWinPathList(`"C:\x;y";C:\b`); len(segs) != 2 || segs[0] != `"C:\x;y"` {
		t.Errorf("a quoted ';' must not split: %q", segs)
	}
	if segs := splitWinPathList(""); len(segs) != 0 {
		t.Errorf("empty value has segments %q", segs)
	}
}

func TestWinPathKeyEquivalence(t *testing.T) {
	same := [][2]string{
		{`C:\Go\bin`, `c:\go\BIN`},
		{`C:\Go\bin`, `C:\Go\bin\`},
		{`C:\Go\bin`, `C:\Go\bin\\`},
		{`C:\Go\bin`, `"C:\Go\bin"`},
		{`C:\Go\bin`, ` C:\Go\bin `},
		{`C:\Go\bin`, `C:/Go/bin/`},
		{`C:\Go\bin`, `C:\Go\\bin`},
		{`C:\Users\Ann\go\bin`, `%USERPROFILE%\go\bin`},
		{`C:\Users\Ann\go\bin`, `%userprofile%\go\bin\`},
		{`C:\`, `C:\\`},
		{`\\srv\share\bin`, `\\SRV\share\bin\`},
	}
	for _, p := range same {
		a, b := winPathKey(p[0], winLookup), winPathKey(p[1], winLookup)
		if a != b {
			t.Errorf("%q and %q should compare equal: keys %q vs %q", p[0], p[1], a, b)
		}
	}
	differ := [][2]string{
		{`C:\Go\bin`, `C:\Go\bin2`},
		{`C:\`, `C:`}, // "C:" is the current directory on C:, not its root
		{`%NOPE%\bin`, `C:\bin`},
		{`D:\Go\bin`, `C:\Go\bin`},
	}
	for _, p := range differ {
		if a, b := winPathKey(p[0], winLookup), winPathKey(p[1], winLookup); a == b {
			t.Errorf("%q and %q should differ, both key to %q", p[0], p[1], a)
		}
	}
	for _, empty := range []string{"", " ", `""`, "\t"} {
		if k := winPathKey(empty, winLookup); k != "" {
			t.Errorf("segment %q should name no directory, got key %q", empty, k)
		}
	}
	// Without a lookup, variables are compared as written.
	if winPathKey(`%USERPROFILE%\go\bin`, nil) == winPathKey(`C:\Users\Ann\go\bin`, nil) {
		t.Error("nil lookup must not expand")
	}
}

func TestExpandWinVars(t *testing.T) {
	for in, want := range map[string]string{
		`%USERPROFILE%\go`:         `C:\Users\Ann\go`,
		`%SystemRoot%;%NOPE%`:      `C:\Windows;%NOPE%`,
		`100%`:                     `100%`,
		`%%`:                       `%%`,
		`%NOPE%USERPROFILE%`:       `%NOPE%USERPROFILE%`,
		`a%USERPROFILE%b%LOCALAPP`: `aC:\Users\Annb%LOCALAPP`,
	} {
		if got := expandWinVars(in, winLookup); got != want {
			t.Errorf("expandWinVars(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrependWinPath(t *testing.T) {
	goBin, gopathBin := `C:\Program Files\Go\bin`, `C:\Users\Ann\go\bin`
	dirs := []string{goBin, gopathBin}
	for _, tc := range []struct{ name, old, want string }{
		{"empty", "", goBin + ";" + gopathBin},
		{"plain", `C:\Windows;C:\Tools`, goBin + ";" + gopathBin + `;C:\Windows;C:\Tools`},
		{"already first", goBin + ";" + gopathBin + `;C:\Windows`, goBin + ";" + gopathBin + `;C:\Windows`},
		{"moved to front", `C:\Windows;` + gopathBin + `;C:\Tools;` + goBin, goBin + ";" + gopathBin + `;C:\Windows;C:\Tools`},
		{"wrong order", gopathBin + ";" + goBin, goBin + ";" + gopathBin},
		{"duplicates dropped", goBin + `;C:\a;` + goBin + `\;c:\PROGRAM FILES\go\bin`, goBin + ";" + gopathBin + `;C:\a`},
		{"user spelling kept", `C:\a;%USERPROFILE%\go\bin\;"c:\program files\GO\bin"`,
			`"c:\program files\GO\bin";%USERPROFILE%\go\bin\;C:\a`},
		{"empty segments kept verbatim", `;C:\a;;C:\b;`, goBin + ";" + gopathBin + `;;C:\a;;C:\b;`},
		{"only separators", ";", goBin + ";" + gopathBin + ";;"},
		{"unexpanded vars untouched", `%SystemRoot%\system32;%NOPE%\bin`, goBin + ";" + gopathBin + `;%SystemRoot%\system32;%NOPE%\bin`},
		{"quoted entry with ;", `"C:\odd;dir";C:\b`, goBin + ";" + gopathBin + `;"C:\odd;dir";C:\b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := prependWinPath(tc.old, dirs, winLookup)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("prepend to %q:\n got %q\nwant %q", tc.old, got, tc.want)
			}
			again, err := prependWinPath(got, dirs, winLookup)
			if err != nil || again != got {
				t.Fatalf("second prepend changed %q to %q (%v)", got, again, err)
			}
		})
	}
}

func TestPrependWinPathDirsEdgeCases(t *testing.T) {
	got, err := prependWinPath(`C:\a`, []string{`C:\x;y\bin`}, winLookup)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"C:\x;y\bin";C:\a`; got != want {
		t.Errorf("a dir holding ';' must be quoted: got %q want %q", got, want)
	}
	if segs := splitWinPathList(got); len(segs) != 2 {
		t.Errorf("quoted dir split into %q", segs)
	}
	got, err = prependWinPath(`C:\a`, []string{`C:\Go\bin`, `c:\go\bin\`}, winLookup)
	if err != nil || got != `C:\Go\bin;C:\a` {
		t.Errorf("the same dir twice: got %q, %v", got, err)
	}
	for _, bad := range []string{"", "  ", `C:\a"b`, "C:\\a\x00"} {
		if _, err := prependWinPath(`C:\a`, []string{bad}, winLookup); err == nil {
			t.Errorf("dir %q accepted", bad)
		}
	}
	got, err = prependWinPath(`C:\a`, nil, winLookup)
	if err != nil || got != `C:\a` {
		t.Errorf("no dirs changed the value: %q, %v", got, err)
	}
}

// TestPrependWinPathLong checks that nothing is cut at the lengths where
// setx (1024) and old shells (2047) truncate, nor far beyond.
func TestPrependWinPathLong(t *testing.T) {
	for _, n := range []int{1100, 2100, 40000} {
		var segs []string
		for size, i := 0, 0; size < n; i++ {
			s := fmt.Sprintf(`C:\Some Vendor %04d\Long Product Name\bin`, i)
			segs = append(segs, s)
			size += len(s) + 1
		}
		old := strings.Join(segs, ";")
		got, err := prependWinPath(old, []string{`C:\Go\bin`}, winLookup)
		if err != nil {
			t.Fatal(err)
		}
		if want := `C:\Go\bin;` + old; got != want {
			t.Fatalf("len %d: result of len %d differs from the expected len %d", len(old), len(got), len(want))
		}
		// Moving the last entry of a long list keeps every other byte.
		last := segs[len(segs)-1]
		got, err = prependWinPath(old, []string{strings.ToUpper(last) + `\`}, winLookup)
		if err != nil {
			t.Fatal(err)
		}
		if want := last + ";" + strings.Join(segs[:len(segs)-1], ";"); got != want {
			t.Fatalf("len %d: moving the last entry lost bytes (got len %d want %d)", len(old), len(got), len(want))
		}
	}
}

func TestRemoveAndAddedWinPath(t *testing.T) {
	before := `%USERPROFILE%\go\bin;C:\Windows;;C:\Tools`
	after, err := prependWinPath(before, []string{`C:\Go\bin`, `C:\Users\Ann\go\bin`}, winLookup)
	if err != nil {
		t.Fatal(err)
	}
	added := addedWinPathDirs(before, after, winLookup)
	if len(added) != 1 || added[0] != `C:\Go\bin` {
		t.Fatalf("added = %q, want only the new dir (the other one was moved)", added)
	}
	// The user added an entry since; removing ours keeps theirs.
	edited := `C:\New;` + after
	if got, want := removeWinPath(edited, added, winLookup), `C:\New;%USERPROFILE%\go\bin;C:\Windows;;C:\Tools`; got != want {
		t.Errorf("remove: got %q want %q", got, want)
	}
	if got := removeWinPath(`C:\go\BIN\;C:\a;"C:\Go\bin"`, []string{`C:\Go\bin`}, winLookup); got != `C:\a` {
		t.Errorf("remove must drop every equivalent segment: %q", got)
	}
}

func TestGoDirsOutside(t *testing.T) {
	hasGo := map[string]bool{`C:\Program Files\Go\bin`: true, `C:\Users\Ann\go\bin`: true, `C:\Old Go\bin`: true}
	value := `%SystemRoot%\system32;C:\Program Files\Go\bin;"C:\Old Go\bin";c:\program files\go\bin\;%USERPROFILE%\go\bin;;C:\NoGo`
	got := goDirsOutside(value, []string{`C:\Users\Ann\go\bin`}, winLookup, func(d string) bool { return hasGo[d] })
	want := []string{`C:\Program Files\Go\bin`, `C:\Old Go\bin`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("goDirsOutside = %q, want %q (ours excluded, duplicates once, quotes removed)", got, want)
	}
	if got := goDirsOutside("", nil, winLookup, func(string) bool { return true }); len(got) != 0 {
		t.Errorf("empty Path gave %q", got)
	}
}

// BenchmarkPrependWinPath measures a prepend to a 40,000-character Path
// with the directory present at the end (the worst case: a move).
func BenchmarkPrependWinPath(b *testing.B) {
	var segs []string
	for size, i := 0, 0; size < 40000; i++ {
		s := fmt.Sprintf(`C:\Some Vendor %04d\Long Product Name\bin`, i)
		segs = append(segs, s)
		size += len(s) + 1
	}
	segs = append(segs, `%USERPROFILE%\go\bin`)
	old := strings.Join(segs, ";")
	dirs := []string{`C:\Program Files\Go\bin`, `C:\Users\Ann\go\bin`}
	b.SetBytes(int64(len(old)))
	for b.Loop() {
		if _, err := prependWinPath(old, dirs, winLookup); err != nil {
			b.Fatal(err)
		}
	}
}
