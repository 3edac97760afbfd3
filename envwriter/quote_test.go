package envwriter

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostileValues would run code, split words or end the quoting if any
// quoting rule were wrong.
var hostileValues = []string{
	"plain",
	"",
	"'",
	"''",
	"a'b",
	"'$(touch pwned)'",
	"$(touch pwned)",
	"`touch pwned`",
	"${IFS}touch${IFS}pwned",
	`"; touch pwned; "`,
	"; touch pwned",
	"a\nb\ntouch pwned",
	`\`, `\\`, `\'`, `'\''`, `a\'b'c\\`,
	"$HOME ~ * ? [a] {a,b} !! #c %s",
	"(touch pwned)", "end\\", "tab\there", "é日本",
}

// TestQuotingInRealShells has each real shell print every quoted value back
// and checks it is the same bytes, and that nothing ran.
func TestQuotingInRealShells(t *testing.T) {
	for _, sh := range []string{"sh", "dash", "bash", "zsh", "ksh", "fish"} {
		t.Run(sh, func(t *testing.T) {
			prog := need(t, sh)
			dir := t.TempDir()
			var script strings.Builder
			for _, v := range hostileValues {
				if sh == "fish" {
					script.WriteString("printf '%s\\0' " + fishQuote(v) + "\n")
				} else {
					script.WriteString("printf '%s\\0' " + shQuote(v) + "\n")
				}
			}
			args := []string{"-c", script.String()}
			if sh == "zsh" {
				// RC_QUOTES changes what '' means inside quotes.
				args = []string{"-o", "rcquotes", "-c", script.String()}
			}
			cmd := exec.Command(prog, args...)
			cmd.Dir = dir
			cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got := strings.Split(string(bytes.TrimSuffix(out, []byte{0})), "\x00")
			if len(got) != len(hostileValues) {
				t.Fatalf("got %d values back, want %d: %q", len(got), len(hostileValues), got)
			}
			for i, v := range hostileValues {
				if got[i] != v {
					t.Errorf("value %q came back as %q", v, got[i])
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
				t.Errorf("a quoted value ran code")
			}
		})
	}
}
