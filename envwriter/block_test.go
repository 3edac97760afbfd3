package envwriter

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/envwriter")

var goldenBody = sourceBlock("/home/u/.config/gosetup/env", false)

// TestBlockGolden checks UpsertBlock against golden files, that every byte
// outside the block is the input's, that running it twice changes nothing,
// and that RemoveBlock undoes a fresh insertion exactly.
func TestBlockGolden(t *testing.T) {
	ins, err := filepath.Glob("../testdata/envwriter/block/*.in")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			old, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UpsertBlock(old, goldenBody)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".in") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("UpsertBlock:\n got %q\nwant %q", got, want)
			}
			again, err := UpsertBlock(got, goldenBody)
			if err != nil || !bytes.Equal(again, got) {
				t.Errorf("second UpsertBlock changed the text: %q (%v)", again, err)
			}
			if !HasBlock(got) {
				t.Error("no block found after UpsertBlock")
			}
			back, found, err := RemoveBlock(got)
			if err != nil || !found {
				t.Fatalf("RemoveBlock: found=%v err=%v", found, err)
			}
			if HasBlock(old) {
				// Removing a pre-existing block leaves the rest intact.
				wantBack := old
				s, e, _, _ := blockSpan(old)
				wantBack = append(append([]byte{}, old[:s]...), old[e:]...)
				if bytes.HasSuffix(old[:e], []byte(EndMarker)) {
					wantBack = bytes.TrimSuffix(old[:s], []byte("\n"))
				}
				if !bytes.Equal(back, wantBack) {
					t.Errorf("RemoveBlock = %q, want %q", back, wantBack)
				}
				return
			}
			if !bytes.Equal(back, old) {
				t.Errorf("RemoveBlock did not restore the input:\n got %q\nwant %q", back, old)
			}
			// Every line ending in the block is the file's own.
			if bytes.Contains(old, []byte("\r\n")) && bytes.Count(got, []byte("\r\n")) != bytes.Count(got, []byte("\n")) {
				t.Errorf("mixed line endings in %q", got)
			}
		})
	}
}

func TestBlockDamaged(t *testing.T) {
	for _, text := range []string{
		"# >>> gosetup >>>\nx\n",
		"x\n# <<< gosetup <<<\n",
		"# >>> gosetup >>>\n# <<< gosetup <<<\n# >>> gosetup >>>\n# <<< gosetup <<<\n",
		"# >>> gosetup >>>\n# >>> gosetup >>>\n# <<< gosetup <<<\n",
	} {
		if _, err := UpsertBlock([]byte(text), goldenBody); err == nil || !strings.Contains(err.Error(), "by hand") {
			t.Errorf("UpsertBlock(%q) error = %v, want one saying to fix it by hand", text, err)
		}
		if _, _, err := RemoveBlock([]byte(text)); err == nil {
			t.Errorf("RemoveBlock(%q) succeeded on a damaged block", text)
		}
	}
}
