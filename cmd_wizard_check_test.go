package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/internal/mirrortest"
)

// The fresh-shell proof counts a download as verified only when the go
// command really asked the checksum database: with GONOSUMDB covering the
// module it still prints a Sum, which proves nothing.
func TestSumDBLookedUp(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	w := mirrortest.New(t, mirrortest.Options{})
	mod := mirrortest.HelloModule + "@" + mirrortest.HelloVersion
	for _, tc := range []struct {
		gonosumdb string
		want      bool
	}{{"", true}, {"example.com", false}} {
		dir := t.TempDir()
		cmd := exec.Command(goCmd, "mod", "download", "-json", mod)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOMODCACHE="+filepath.Join(dir, "mod"), "GOPATH="+filepath.Join(dir, "gopath"),
			"GOFLAGS=-mod=mod -modcacherw", "GOPROXY="+w.ProxyURL, "GOSUMDB="+w.SumDBKey,
			"GONOSUMDB="+tc.gonosumdb, "GOPRIVATE=", "GONOSUMCHECK=", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"Sum"`) {
			t.Fatalf("GONOSUMDB=%q: go mod download: %v\n%s", tc.gonosumdb, err, out)
		}
		if got := sumDBLookedUp(filepath.Join(dir, "mod"), mirrortest.HelloModule, mirrortest.HelloVersion); got != tc.want {
			t.Errorf("GONOSUMDB=%q: sumDBLookedUp = %v, want %v", tc.gonosumdb, got, tc.want)
		}
		exec.Command("chmod", "-R", "u+w", dir).Run()
	}
}
