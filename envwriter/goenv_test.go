package envwriter

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func goCmd(t *testing.T) string {
	t.Helper()
	return filepath.Join(realGoroot(t), "bin", "go")
}

// runGo runs the real go command with only the given environment.
func runGo(t *testing.T, home string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goCmd(t), args...)
	cmd.Env = append([]string{"HOME=" + home, "GOCACHE=" + filepath.Join(home, ".cache-go"), "PATH=/usr/bin:/bin", "GOTOOLCHAIN=local", "GOFLAGS="}, env...)
	cmd.Dir = home
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestUpdateGoEnvMatchesGoEnvW compares UpdateGoEnv with what the real
// `go env -w` writes, starting from a range of existing files.
func TestUpdateGoEnvMatchesGoEnvW(t *testing.T) {
	starts := []string{
		"",
		"GOPROXY=https://old.example\n",
		"GOFLAGS=-mod=mod\nGOPROXY=https://old.example\nGOPROXY=https://dup.example\n",
		"# comment\nGOTOOLCHAIN=local\n\nGOPRIVATE=x.example",
		"GONOSUMDB=a.example\r\nGOPROXY=off\n",
		"junk line\n=nokey\nGO=1\n",
	}
	add := map[string]string{"GOPROXY": "https://goproxy.cn,direct", "GOSUMDB": "sum.golang.google.cn", "GOPRIVATE": "*.corp.example.com"}
	for i, start := range starts {
		home := t.TempDir()
		quietGo(t, filepath.Join(home, ".config"))
		file := filepath.Join(home, "goenv")
		if err := os.WriteFile(file, []byte(start), 0o644); err != nil {
			t.Fatal(err)
		}
		var args []string
		for k, v := range add {
			args = append(args, k+"="+v)
		}
		runGo(t, home, []string{"GOENV=" + file}, append([]string{"env", "-w"}, args...)...)
		want, _ := os.ReadFile(file)
		got := UpdateGoEnv([]byte(start), add, nil)
		if string(got) != string(want) {
			t.Errorf("start %d %q:\nUpdateGoEnv %q\ngo env -w   %q", i, start, got, want)
		}
		// And -u.
		runGo(t, home, []string{"GOENV=" + file}, "env", "-u", "GOPROXY", "GOSUMDB")
		wantU, _ := os.ReadFile(file)
		if gotU := UpdateGoEnv(want, nil, []string{"GOPROXY", "GOSUMDB"}); string(gotU) != string(wantU) {
			t.Errorf("start %d: -u: UpdateGoEnv %q, go env -u %q", i, gotU, wantU)
		}
	}
}

// TestGoEnvScope writes with --scope goenv and reads the values back with the
// real go command, which finds the file through os.UserConfigDir as gosetup
// did; then uninstall restores the file's exact bytes.
func TestGoEnvScope(t *testing.T) {
	for _, withGOENV := range []bool{false, true} {
		home := t.TempDir()
		vars := map[string]string{}
		var goEnv []string
		file := filepath.Join(home, ".config", "go", "env")
		if withGOENV {
			file = filepath.Join(home, "elsewhere", "goenv")
			vars["GOENV"] = file
			goEnv = []string{"GOENV=" + file}
		}
		quietGo(t, filepath.Join(home, ".config"))
		userFiles(t, home, map[string]string{strings.TrimPrefix(file, home+"/"): "GOFLAGS=-mod=mod\nGOPROXY=https://before.example\n", ".profile": "export GOPROXY=https://shadow.example\n"})
		before := snapshot(t, home)
		env := testEnv(home, []string{"sh"}, vars)
		s := Settings{GOPROXY: "https://goproxy.cn,direct", GONOSUMDB: "corp.example.com", Path: []string{"/opt/go/bin"}}
		p := mustApply(t, Options{Settings: s, Scope: ScopeGoEnv, Env: env})
		if got := runGo(t, home, goEnv, "env", "GOPROXY"); got != s.GOPROXY {
			t.Errorf("go env GOPROXY = %q, want %q", got, s.GOPROXY)
		}
		if got := runGo(t, home, goEnv, "env", "GONOSUMDB"); got != s.GONOSUMDB {
			t.Errorf("go env GONOSUMDB = %q, want %q", got, s.GONOSUMDB)
		}
		sh, _ := os.ReadFile(filepath.Join(home, ".config/gosetup/env"))
		if strings.Contains(string(sh), "GOPROXY") || !strings.Contains(string(sh), "/opt/go/bin") {
			t.Errorf("goenv scope: the env script should hold PATH only:\n%s", sh)
		}
		warned := false
		for _, w := range p.Warnings {
			if strings.Contains(w, ".profile:1") && strings.Contains(w, "overrides the Go env file") {
				warned = true
			}
		}
		if !warned {
			t.Errorf("no warning about the export in .profile: %q", p.Warnings)
		}
		mustUninstall(t, UninstallOptions{Env: env})
		diffSnapshots(t, "uninstall", before, snapshot(t, home))
	}
}

// When the user changes the Go env file after gosetup (go env -w), undo
// goes value by value: gosetup's values get their prior ones back, the
// user's new values stay.
func TestGoEnvUninstallValueByValue(t *testing.T) {
	home := t.TempDir()
	quietGo(t, filepath.Join(home, ".config"))
	file := filepath.Join(home, "goenv")
	os.WriteFile(file, []byte("GOPROXY=https://before.example\n"), 0o644)
	env := testEnv(home, []string{"sh"}, map[string]string{"GOENV": file})
	mustApply(t, Options{Settings: Settings{GOPROXY: "https://goproxy.cn", GOSUMDB: "off", GOPRIVATE: "a.example"}, Scope: ScopeGoEnv, Env: env})
	runGo(t, home, []string{"GOENV=" + file}, "env", "-w", "GOFLAGS=-mod=mod", "GOPRIVATE=b.example")
	mustUninstall(t, UninstallOptions{Env: env})
	got := ParseGoEnv(must(os.ReadFile(file)))
	want := map[string]string{"GOPROXY": "https://before.example", "GOFLAGS": "-mod=mod", "GOPRIVATE": "b.example"}
	if len(got) != len(want) {
		t.Errorf("after uninstall: %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("after uninstall %s = %q, want %q", k, got[k], v)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// quietGo makes the go command's own telemetry (counters it writes under
// the user config dir on every run, from a child process that may outlive
// the command) off for that config dir, so it neither races the temp dir
// cleanup nor shows up as a change.
func quietGo(t *testing.T, configDir string) {
	t.Helper()
	d := filepath.Join(configDir, "go", "telemetry")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "mode"), []byte("off"), 0o644); err != nil {
		t.Fatal(err)
	}
}
