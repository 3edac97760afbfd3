package toolchain

import (
	"os"
	"path/filepath"
	"testing"
)

// Only a real toolchain, or one gosetup marked, counts as Go: a home with
// ~/bin/go, or a project whose VERSION says go..., does not.
func TestInspectStrongGoTest(t *testing.T) {
	write := func(dir string, files ...string) string {
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f))
			os.MkdirAll(filepath.Dir(p), 0o755)
			body := "x"
			if filepath.Base(f) == "VERSION" {
				body = "go1.22.5\ntime 2024\n"
			}
			os.WriteFile(p, []byte(body), 0o755)
		}
		return dir
	}
	real := write(t.TempDir(), "VERSION", "bin/go", "src/runtime/proc.go", "pkg/tool/linux_amd64/compile")
	marked := write(t.TempDir(), "bin/go")
	if err := writeMark(marked, Mark{Dir: marked, Version: "go1.22.5"}); err != nil {
		t.Fatal(err)
	}
	copied := write(t.TempDir(), "bin/go")
	writeMark(copied, Mark{Dir: "/somewhere/else", Version: "go1.22.5"})
	forged := write(t.TempDir(), "bin/go")
	os.WriteFile(filepath.Join(forged, MarkFile), []byte(`{"tool":"other","dir":"`+forged+`"}`), 0o644)
	project := write(t.TempDir(), "VERSION", "main.go", "src/runtime/x.go")
	badVersion := write(t.TempDir(), "src/runtime/x.go", "pkg/tool/x")
	os.WriteFile(filepath.Join(badVersion, "VERSION"), []byte("gopher 3\n"), 0o644)
	for _, c := range []struct {
		name string
		dir  string
		isGo bool
	}{
		{"real toolchain", real, true},
		{"gosetup's mark", marked, true},
		{"home with bin/go", write(t.TempDir(), "bin/go", ".bashrc"), false},
		{"project with VERSION", project, false},
		{"VERSION not naming a release", badVersion, false},
		{"mark for another directory", copied, false},
		{"mark not gosetup's", forged, false},
	} {
		ex, err := Inspect(c.dir)
		if err != nil || ex.IsGo != c.isGo || ex.Empty {
			t.Errorf("%s: Inspect = %+v, %v; want IsGo %v", c.name, ex, err, c.isGo)
		}
	}
	if ex, _ := Inspect(t.TempDir()); !ex.Exists || !ex.Empty || ex.IsGo {
		t.Errorf("empty dir: %+v", ex)
	}
}
