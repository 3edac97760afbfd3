package envwriter

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestScriptsGolden pins the env scripts' text: they are what every shell
// runs, so any change to them should be a visible diff in review.
func TestScriptsGolden(t *testing.T) {
	vars := []Var{{"GOPROXY", "https://goproxy.cn,direct"}, {"GOSUMDB", "sum.golang.google.cn"}, {"GOPRIVATE", "it's.example.com"}}
	path := []string{"/usr/local/go/bin", "/home/u/go/bin"}
	for name, got := range map[string][]byte{
		"env":               ShScript(vars, path),
		"env.fish":          FishScript(vars, path),
		"env-nopath":        ShScript(vars, nil),
		"env-pathonly.fish": FishScript(nil, path),
	} {
		golden := filepath.Join("..", "testdata", "envwriter", "scripts", name+".golden")
		if *update {
			os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
}
