package envwriter

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiffExact(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\n"
	new := "a\nb\nc\nd\ne\nf\ng\nh\n# >>> gosetup >>>\nx\n# <<< gosetup <<<\n"
	want := "--- old\n+++ new\n@@ -6,3 +6,6 @@\n f\n g\n h\n+# >>> gosetup >>>\n+x\n+# <<< gosetup <<<\n"
	if got := UnifiedDiff("old", "new", []byte(old), []byte(new)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	want = "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n"
	if got := UnifiedDiff("old", "new", nil, []byte("x\ny")); got != want {
		t.Errorf("new file: got\n%s\nwant\n%s", got, want)
	}
	if got := UnifiedDiff("a", "b", []byte("same\n"), []byte("same\n")); got != "" {
		t.Errorf("equal texts: %q", got)
	}
	want = "--- old\n+++ new\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x\n"
	if got := UnifiedDiff("old", "new", []byte("x"), []byte("x\n")); got != want {
		t.Errorf("final newline: got\n%s\nwant\n%s", got, want)
	}
}

// TestUnifiedDiffAppliesWithGit checks random diffs by applying them with
// git apply (a strict patch tool) and comparing with the new text.
func TestUnifiedDiffAppliesWithGit(t *testing.T) {
	git := need(t, "git")
	rng := rand.New(rand.NewSource(1))
	words := []string{"alpha", "beta", "gamma", "delta", "", "export X=1"}
	randText := func() string {
		var b strings.Builder
		n := rng.Intn(30)
		for i := 0; i < n; i++ {
			b.WriteString(words[rng.Intn(len(words))] + "\n")
		}
		s := b.String()
		if rng.Intn(4) == 0 && len(s) > 0 {
			s = strings.TrimSuffix(s, "\n")
		}
		return s
	}
	dir := t.TempDir()
	for i := 0; i < 60; i++ {
		old := randText()
		var new string
		if rng.Intn(2) == 0 {
			// Local edits, as gosetup makes.
			lines := strings.SplitAfter(old, "\n")
			k := rng.Intn(len(lines) + 1)
			new = strings.Join(lines[:k], "") + "# >>> gosetup >>>\nnew\n# <<< gosetup <<<\n" + strings.Join(lines[k:], "")
		} else {
			new = randText()
		}
		if old == new {
			continue
		}
		f := filepath.Join(dir, "f")
		os.WriteFile(f, []byte(old), 0o644)
		d := UnifiedDiff("a/f", "b/f", []byte(old), []byte(new))
		cmd := exec.Command(git, "apply", "--unsafe-paths", "-")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("case %d: git apply: %v\n%s\nold %q\nnew %q\ndiff:\n%s", i, err, out, old, new, d)
		}
		got, _ := os.ReadFile(f)
		if string(got) != new {
			t.Fatalf("case %d: patched %q, want %q\ndiff:\n%s", i, got, new, d)
		}
	}
}
