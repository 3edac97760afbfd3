package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
)

// winWorld runs the Windows checks on given Path values: the logic is the
// same on every OS; the registry read itself is tested under Wine.
func winRun(t *testing.T, user, system WinValue, vars map[string]string, checks ...string) *Report {
	t.Helper()
	w := newWorld(t)
	paths := &WinPaths{User: user, System: system, Expand: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	return w.run(Options{WinPaths: func() (*WinPaths, error) { return paths, nil }}, checks...)
}

func TestWinPathREGSZWithVars(t *testing.T) {
	user := WinValue{Key: `HKCU\Environment\Path`, Exists: true, Expand: false, Data: `%USERPROFILE%\go\bin;C:\tools`}
	rep := winRun(t, user, WinValue{}, map[string]string{"USERPROFILE": `C:\Users\u`}, "windows.path-type")
	f := must(t, rep, "windows.path-type", Fail, `%USERPROFILE%\go\bin`)
	if !f.Repairable || !hasSource(f, SourceRegistry, `HKCU\Environment\Path`, 0) {
		t.Errorf("%+v", f)
	}
	user.Expand = true
	rep = winRun(t, user, WinValue{}, nil, "windows.path-type")
	must(t, rep, "windows.path-type", OK, "REG_EXPAND_SZ")
}

func TestWinPathLengthAndDuplicates(t *testing.T) {
	long := strings.Repeat(`C:\a-long-directory-name\bin;`, 300)
	rep := winRun(t, WinValue{Key: "u", Exists: true, Expand: true, Data: long}, WinValue{Key: "s", Exists: true, Expand: true, Data: `C:\Windows`}, nil, "windows.path-length")
	must(t, rep, "windows.path-length", Fail, "more than the 8191 cmd.exe accepts")

	user := WinValue{Key: "u", Exists: true, Expand: true, Data: `%SystemRoot%\system32;C:\Tools;c:\tools\`}
	sys := WinValue{Key: "s", Exists: true, Expand: true, Data: `C:\Windows\System32;C:\Windows`}
	rep = winRun(t, user, sys, map[string]string{"SystemRoot": `C:\Windows`}, "windows.path-duplicates")
	must(t, rep, "windows.path-duplicates", Warn, `both the user and the system Path: %SystemRoot%\system32`)
	must(t, rep, "windows.path-duplicates", Warn, `twice in the user Path: c:\tools\`)
}

func TestWinSystemPathGo(t *testing.T) {
	dir := t.TempDir()
	msi := filepath.Join(dir, "Program Files", "Go", "bin")
	os.MkdirAll(msi, 0o755)
	os.WriteFile(filepath.Join(msi, "go.exe"), []byte("MZ"), 0o755)
	ours := filepath.Join(dir, "gosetup", "go", "bin")
	os.MkdirAll(ours, 0o755)
	os.WriteFile(filepath.Join(ours, "go.exe"), []byte("MZ"), 0o755)
	rep := winRun(t, WinValue{Key: "u", Exists: true, Expand: true, Data: ours}, WinValue{Key: "s", Exists: true, Expand: true, Data: msi}, nil, "windows.system-go")
	f := must(t, rep, "windows.system-go", Fail, "a Go in the system Path ("+msi+") comes before the user Path")
	if f.Repairable {
		t.Error("only an administrator can change the system Path; repair must not claim it")
	}
}

func TestPathHelperLogic(t *testing.T) {
	w := newWorld(t)
	zp := w.write("etc/zprofile", "# System-wide profile for interactive zsh(1) login shells.\nif [ -x /usr/libexec/path_helper ]; then\n\teval `/usr/libexec/path_helper -s`\nfi\n")
	w.write(".zshenv", "export EDITOR=vi\n# >>> gosetup >>>\n. x # gosetup\n# <<< gosetup <<<\nexport PATH=$HOME/go/bin:$PATH\n")
	e := w.envw()
	e.GOOS = "darwin"
	e.Shells = []string{"zsh"}
	rep, err := runWith(t, Options{Env: e, Checks: []string{"macos.path-helper"}, Offline: true, ZProfile: zp})
	if err != nil {
		t.Fatal(err)
	}
	f := must(t, rep, "macos.path-helper", Fail, "gosetup's PATH is set in ~/.zshenv")
	if !hasSource(f, SourceFile, zp, 2) {
		t.Errorf("path_helper line:\n%s", dump(rep))
	}
	f = must(t, rep, "macos.path-helper", Warn, "~/.zshenv sets PATH")
	if !hasSource(f, SourceFile, filepath.Join(w.home, ".zshenv"), 5) {
		t.Errorf("user's PATH line:\n%s", dump(rep))
	}
	// With gosetup's block in ~/.zprofile too, which runs after path_helper.
	w.write(".zprofile", "# >>> gosetup >>>\n. x # gosetup\n# <<< gosetup <<<\n")
	rep, _ = runWith(t, Options{Env: e, Checks: []string{"macos.path-helper"}, Offline: true, ZProfile: zp})
	if len(find(rep, "macos.path-helper", Fail)) != 0 {
		t.Errorf("still failing:\n%s", dump(rep))
	}
	// Not macOS: nothing to say.
	e.GOOS = "linux"
	rep, _ = runWith(t, Options{Env: e, Checks: []string{"macos.path-helper"}, Offline: true, ZProfile: zp})
	if len(rep.Findings) != 0 {
		t.Errorf("findings on linux:\n%s", dump(rep))
	}
}

// TestWinPathRepairAction: repair's user Path keeps the text of each live
// entry, turns the type to REG_EXPAND_SZ, puts gosetup's directory first
// and drops duplicates (of itself, or of the system Path) and empty entries.
func TestWinPathRepairAction(t *testing.T) {
	ours := filepath.Join(`C:\Gosetup`, "bin") // as the state record has it on this OS
	user := WinValue{Key: `HKCU\Environment\Path`, Exists: true, Expand: false,
		Data: `%USERPROFILE%\go\bin;C:\tools;;` + ours + `;c:\TOOLS\;%SystemRoot%\system32`}
	sys := WinValue{Key: "s", Exists: true, Expand: true, Data: `C:\Windows\System32;C:\Windows`}
	w := newWorld(t)
	w.manage(`C:\Gosetup`)
	vars := map[string]string{"USERPROFILE": `C:\Users\u`, "SystemRoot": `C:\Windows`}
	paths := &WinPaths{User: user, System: sys, Expand: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	rep := w.run(Options{WinPaths: func() (*WinPaths, error) { return paths, nil }}, "windows")
	must(t, rep, "windows.path-entries", Warn, "gosetup's directories ("+ours+") are not first")
	var acts []*Action
	for _, a := range Actions(rep) {
		if a.WinPath != nil {
			acts = append(acts, a)
		}
	}
	if len(acts) != 1 {
		t.Fatalf("want one Path action, got %d:\n%s", len(acts), dump(rep))
	}
	x := acts[0].WinPath
	if want := ours + `;%USERPROFILE%\go\bin;C:\tools`; x.Data != want || !x.Expand || x.Prior.Expand || x.Prior != user {
		t.Errorf("fix = %+v, want data %s as REG_EXPAND_SZ", x, want)
	}
	if !strings.Contains(acts[0].Title, "REG_EXPAND_SZ") || !strings.Contains(acts[0].Title, `"c:\TOOLS\"`) {
		t.Errorf("title %q", acts[0].Title)
	}
}

// TestWinGoEnvInRegistry: a GOPROXY someone set in HKCU\Environment
// shadows the Go env file; repair moves it there, keeping the value. The
// GO* values gosetup env wrote itself are not findings.
func TestWinGoEnvInRegistry(t *testing.T) {
	w := newWorld(t)
	cfg, err := envwriter.ConfigDir(w.envw())
	if err != nil {
		t.Fatal(err)
	}
	st := &envwriter.State{Registry: []envwriter.RegistryRecord{{Name: "GOSUMDB", Type: envwriter.RegSZ, Data: "sum.golang.google.cn"}}}
	if err := st.Save(envwriter.StatePath(cfg)); err != nil {
		t.Fatal(err)
	}
	paths := &WinPaths{UserGo: []WinValue{
		{Key: `HKCU\Environment\GOPROXY`, Name: "GOPROXY", Exists: true, Data: "https://goproxy.io,direct"},
		{Key: `HKCU\Environment\GOSUMDB`, Name: "GOSUMDB", Exists: true, Data: "sum.golang.google.cn"},
	}}
	rep := w.run(Options{WinPaths: func() (*WinPaths, error) { return paths, nil }}, "windows.go-env")
	f := must(t, rep, "windows.go-env", Warn, `GOPROXY=https://goproxy.io,direct is set in HKCU\Environment`)
	if !f.Repairable || !hasSource(f, SourceRegistry, `HKCU\Environment\GOPROXY`, 0) {
		t.Errorf("%+v", f)
	}
	if fs := find(rep, "windows.go-env", Warn); len(fs) != 1 {
		t.Errorf("gosetup's own GOSUMDB is a finding:\n%s", dump(rep))
	}
	acts := Actions(rep)
	if len(acts) != 1 || len(acts[0].RegDelete) != 1 || acts[0].RegDelete[0].Name != "GOPROXY" || len(acts[0].Edits) != 1 || !acts[0].Edits[0].GoEnv {
		t.Fatalf("actions: %+v", acts)
	}
	got, err := acts[0].Edits[0].Edit([]byte("GOPROXY=https://goproxy.cn\n"))
	if err != nil || string(got) != "GOPROXY=https://goproxy.io,direct\n" {
		t.Errorf("Go env file edit: %q, %v", got, err)
	}
}
