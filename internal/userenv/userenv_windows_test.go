package userenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPATHEXT(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "go.BAT"), nil, 0o644)
	os.WriteFile(filepath.Join(d, "go.exe"), nil, 0o644)
	got, err := LookPath(envOf(map[string]string{"PATH": d, "PATHEXT": ".BAT;.EXE"}), "go")
	if err != nil || filepath.Base(got) != "go.bat" && filepath.Base(got) != "go.BAT" {
		t.Fatalf("got %q %v", got, err)
	}
}
