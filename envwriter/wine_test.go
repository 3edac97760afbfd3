//go:build !windows

package envwriter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// This file runs the Windows registry code for real, under Wine: it
// cross-compiles this package's tests (and gosetup itself) for
// windows/amd64, runs them in a throwaway Wine prefix, and checks
// HKCU\Environment from outside with Wine's reg.exe. Debian's Wine 8 lacks
// bcryptprimitives.dll, which current Go runtimes load at start-up, so each
// prefix gets a small shim built with mingw-w64 from
// testdata/envwriter/wine.

// wine holds the tools and artefacts shared by the subtests of TestWine.
type wineKit struct {
	wine64, wineserver string
	shim               string // the built bcryptprimitives.dll
	moduleRoot         string
}

// wineRequireTool skips (or, with GOSETUP_TEST_REQUIRE=all, fails) when a tool
// the test needs is missing.
func wineRequireTool(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
		t.Fatalf("%s (GOSETUP_TEST_REQUIRE=all; .ci/run installs wine64 and gcc-mingw-w64-x86-64)", why)
	}
	t.Skip(why)
}

func setupWine(t *testing.T) *wineKit {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		wineRequireTool(t, "the Wine tests need an amd64 host for wine64")
	}
	w := &wineKit{}
	for _, p := range []string{"/usr/lib/wine/wine64", "/usr/lib64/wine/wine64"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			w.wine64 = p
			break
		}
	}
	if w.wine64 == "" {
		if p, err := exec.LookPath("wine64"); err == nil {
			w.wine64 = p
		} else {
			wineRequireTool(t, "wine64 not found (apt-get install wine64)")
		}
	}
	w.wineserver = filepath.Join(filepath.Dir(w.wine64), "wineserver")
	if _, err := os.Stat(w.wineserver); err != nil {
		p, err := exec.LookPath("wineserver")
		if err != nil {
			wineRequireTool(t, "wineserver not found next to wine64 or on PATH")
		}
		w.wineserver = p
	}
	gcc, err := exec.LookPath("x86_64-w64-mingw32-gcc")
	if err != nil {
		wineRequireTool(t, "x86_64-w64-mingw32-gcc not found (apt-get install gcc-mingw-w64-x86-64)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	w.moduleRoot = root
	src := filepath.Join(root, "testdata", "envwriter", "wine")
	w.shim = filepath.Join(t.TempDir(), "bcryptprimitives.dll")
	cmd := exec.Command(gcc, "-shared", "-O2", "-o", w.shim,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"), "-ladvapi32")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the bcryptprimitives.dll shim: %v\n%s", err, out)
	}
	return w
}

// buildWindows cross-compiles for windows/amd64 with the go command that
// runs this test ("go test" puts its GOROOT/bin first on PATH).
func (w *wineKit) buildWindows(t *testing.T, out string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = w.moduleRoot
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("go %s produced no %s: %v", strings.Join(args, " "), out, err)
	}
}

// winePrefix is one fresh Wine prefix, with its own registry.
type winePrefix struct {
	w   *wineKit
	dir string
}

// newPrefix creates a prefix in a temp dir, puts the shim in its system32,
// selects Wine's null graphics driver (so that top-level windows, which
// WM_SETTINGCHANGE is broadcast to, exist without a display), and stops its
// wineserver when the test ends.
func (w *wineKit) newPrefix(t *testing.T) *winePrefix {
	t.Helper()
	p := &winePrefix{w: w, dir: filepath.Join(t.TempDir(), "wineprefix")}
	t.Cleanup(p.stopServer)
	// Boot the prefix and wait for every process of the boot to finish:
	// wineboot lets the first program run before it has installed all of
	// system32, so an early "reg" can fail to start.
	if out, err := p.run(t, nil, "cmd", "/c", "exit"); err != nil {
		t.Fatalf("creating Wine prefix: %v\n%s", err, out)
	}
	p.waitServer(t)
	sys32 := filepath.Join(p.dir, "drive_c", "windows", "system32")
	dll, err := os.ReadFile(w.shim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sys32, "bcryptprimitives.dll"), dll, 0o644); err != nil {
		t.Fatalf("installing the shim into the prefix: %v", err)
	}
	if out, err := p.run(t, nil, "reg", "add", `HKCU\Software\Wine\Drivers`, "/v", "Graphics", "/d", "null", "/f"); err != nil {
		t.Fatalf("selecting the null graphics driver: %v\n%s", err, out)
	}
	// The desktop process that reg started keeps the driver it found: stop
	// it, then keep a server up for the test's commands.
	p.stopServer()
	p.startServer(t)
	return p
}

// waitServer waits until the prefix's wineserver has exited by itself (it
// lingers a few seconds after its last process).
func (p *winePrefix) waitServer(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.w.wineserver, "-w")
	cmd.Env = p.env(nil)
	if err := cmd.Run(); err != nil {
		t.Fatalf("waiting for the Wine prefix to settle: %v", err)
	}
}

// startServer starts a wineserver that stays up until stopServer: it saves
// every command the server's start-up (about a second) and its linger.
func (p *winePrefix) startServer(t *testing.T) {
	t.Helper()
	// The server daemonizes and keeps its stdio: give it no pipe to hold.
	server := exec.Command(p.w.wineserver, "-p")
	server.Env = p.env(nil)
	if err := server.Run(); err != nil {
		t.Fatalf("starting a persistent wineserver: %v", err)
	}
}

// stopServer kills the prefix's wineserver and its processes and waits
// until they are gone, so that the prefix can be removed.
func (p *winePrefix) stopServer() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.w.wineserver, "-k")
	cmd.Env = p.env(nil)
	cmd.Run() // fails harmlessly when the server has already exited
	cmd = exec.CommandContext(ctx, p.w.wineserver, "-w")
	cmd.Env = p.env(nil)
	cmd.Run()
}

// env is the environment for Wine in this prefix, plus extra.
func (p *winePrefix) env(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "DISPLAY", "WAYLAND_DISPLAY", "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "GOSETUP_TEST_WINE":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "WINEPREFIX="+p.dir, "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=", // no Mono/Gecko install prompts
		"GOSETUP_TEST_WINE=1")
	return append(env, extra...)
}

// run runs a Windows program in the prefix and returns its combined output.
// The output goes to a file, not a pipe: wineserver, which wine64 may
// spawn, would inherit a pipe and keep the command "running" until it exits.
func (p *winePrefix) run(t *testing.T, extraEnv []string, args ...string) (string, error) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "wine-out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.w.wine64, args...)
	cmd.Env = p.env(extraEnv)
	cmd.Dir = filepath.Dir(p.dir)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out: %w", ctx.Err())
	}
	out, rerr := os.ReadFile(f.Name())
	if rerr != nil {
		t.Fatal(rerr)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n"), err
}

// wineRegValueRE matches one line of "reg query" output: name, type, data.
var wineRegValueRE = regexp.MustCompile(`^\s+(\S+)\s+(REG_\w+)\s+(.*?)\s*$`)

// regQuery runs reg.exe query with args and returns its output. Under
// load a reg.exe run can fail for reasons of Wine's own (CI once read a
// value as missing that a new process, a moment later, saw set), so a
// failure is retried twice; reg.exe's own "not found" answer is not a
// failure to retry but what found reports false for.
func (p *winePrefix) regQuery(t *testing.T, args ...string) (out string, found bool) {
	t.Helper()
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		out, err = p.run(t, nil, append([]string{"reg", "query"}, args...)...)
		if err == nil {
			return out, true
		}
		if strings.Contains(out, "Unable to find the specified registry") {
			return out, false
		}
	}
	t.Fatalf("reg query %s failed three times: %v\n%s", strings.Join(args, " "), err, out)
	return "", false
}

// query returns the type and data of HKCU\Environment\name as Wine's
// reg.exe shows them, or ok=false when the value does not exist.
func (p *winePrefix) query(t *testing.T, name string) (typ, data string, ok bool) {
	t.Helper()
	out, found := p.regQuery(t, `HKCU\Environment`, "/v", name)
	if !found {
		return "", "", false
	}
	for _, line := range strings.Split(out, "\n") {
		if m := wineRegValueRE.FindStringSubmatch(line); m != nil && strings.EqualFold(m[1], name) {
			return m[2], m[3], true
		}
	}
	t.Fatalf("reg query %s printed no value line:\n%s", name, out)
	return "", "", false
}

// queryAll returns every value of HKCU\Environment as reg.exe lists them.
func (p *winePrefix) queryAll(t *testing.T) string {
	t.Helper()
	out, found := p.regQuery(t, `HKCU\Environment`)
	if !found {
		t.Fatalf("reg query HKCU\\Environment: the key is missing\n%s", out)
	}
	return out
}

func (p *winePrefix) regAdd(t *testing.T, name, typ, data string) {
	t.Helper()
	if out, err := p.run(t, nil, "reg", "add", `HKCU\Environment`, "/v", name, "/t", typ, "/d", data, "/f"); err != nil {
		t.Fatalf("reg add %s: %v\n%s", name, err, out)
	}
}

func (p *winePrefix) expect(t *testing.T, name, wantType, wantData string) {
	t.Helper()
	typ, data, ok := p.query(t, name)
	switch {
	case !ok:
		t.Errorf(`HKCU\Environment\%s is missing, want %s %q`, name, wantType, wantData)
	case typ != wantType || data != wantData:
		t.Errorf(`HKCU\Environment\%s = %s %q, want %s %q`, name, typ, data, wantType, wantData)
	}
}

func (p *winePrefix) expectAbsent(t *testing.T, name string) {
	t.Helper()
	if typ, data, ok := p.query(t, name); ok {
		t.Errorf(`HKCU\Environment\%s = %s %q, want it absent`, name, typ, data)
	}
}

// TestWine runs the registry code under Wine. The two subtests have their
// own prefixes and run in parallel, because most of their time is Wine
// booting.
func TestWine(t *testing.T) {
	w := setupWine(t)
	bin := t.TempDir()
	testExe := filepath.Join(bin, "envwriter.test.exe")
	w.buildWindows(t, testExe, "test", "-c", "-o", testExe, "-overlay", registryTestOverlay(t), "./envwriter")

	// The registry tests and the reg.exe cross-check share one prefix (a
	// boot costs seconds of CPU); each seeds the values it checks.
	t.Run("registry", func(t *testing.T) {
		t.Parallel()
		p := w.newPrefix(t)
		t.Run("reg query cross-check", func(t *testing.T) { wineCrossCheck(t, p, testExe) })
		t.Run("registry tests", func(t *testing.T) {
			out, err := p.run(t, nil, testExe, "-test.run", "Registry", "-test.v", "-test.count=1")
			t.Logf("envwriter.test.exe under Wine:\n%s", out)
			if err != nil {
				t.Fatalf("envwriter.test.exe failed under Wine: %v", err)
			}
			// Every registry test must have run and passed, not been skipped
			// or left out by a build tag.
			for _, name := range []string{
				"TestRegistryPlanApplyRevert", "TestRegistryPathTypes", "TestRegistryLongPath",
				"TestRegistryExactPriorBytes", "TestRegistryRevertKeepsLaterEdits", "TestRegistryApplyRollsBack",
				"TestRegistryRejectsNUL", "TestRegistryValuesVerbatim", "TestRegistryExpandMatchesWindows", "TestRegistryBroadcast",
				"TestRegistryHKCUEnvironment", "TestRegistrySystemPathGo",
			} {
				if !strings.Contains(out, "--- PASS: "+name+" ") {
					t.Errorf("%s did not pass under Wine", name)
				}
			}
			if strings.Contains(out, "--- SKIP") || strings.Contains(out, "--- FAIL") || !strings.HasSuffix(strings.TrimSpace(out), "PASS") {
				t.Error("a registry test was skipped or failed under Wine")
			}
		})
	})

	t.Run("gosetup env and uninstall", func(t *testing.T) {
		t.Parallel()
		exe := filepath.Join(t.TempDir(), "gosetup.exe")
		w.buildWindows(t, exe, "build", "-o", exe, ".")
		p := w.newPrefix(t)
		p.regAdd(t, "Path", "REG_EXPAND_SZ", `%USERPROFILE%\bin;`+longWinPath(1100))
		p.regAdd(t, "GOPROXY", "REG_EXPAND_SZ", "https://proxy.golang.org,direct")
		before := p.queryAll(t)
		gosetup := func(args ...string) string {
			t.Helper()
			out, err := p.run(t, nil, append([]string{exe}, args...)...)
			if err != nil {
				t.Fatalf("gosetup %s under Wine: %v\n%s", strings.Join(args, " "), err, out)
			}
			return out
		}
		env := []string{"env", "--yes", "--proxy", "https://goproxy.cn,direct", "--sumdb", "sum.golang.google.cn", "--path", `C:\Go\bin`}

		gosetup(append(env, "--dry-run")...)
		if got := p.queryAll(t); got != before {
			t.Fatalf("env --dry-run changed HKCU\\Environment:\n%s\nwas:\n%s", got, before)
		}

		gosetup(env...)
		p.expect(t, "Path", "REG_EXPAND_SZ", `C:\Go\bin;%USERPROFILE%\bin;`+longWinPath(1100))
		p.expect(t, "GOPROXY", "REG_SZ", "https://goproxy.cn,direct")
		p.expect(t, "GOSUMDB", "REG_SZ", "sum.golang.google.cn")
		written := p.queryAll(t)

		// A new process (Wine builds its environment from the registry, as
		// Windows does at sign-in) sees the values, with %USERPROFILE%
		// expanded and C:\Go\bin ahead of the user's other entries.
		p.stopServer()
		p.startServer(t)
		out, err := p.run(t, nil, "cmd", "/c", "echo GOPROXY=%GOPROXY% & echo GOSUMDB=%GOSUMDB% & echo PATH=%PATH%")
		if err != nil {
			t.Fatalf("cmd under Wine: %v\n%s", err, out)
		}
		user := wineUser(t, p)
		for _, want := range []string{
			"GOPROXY=https://goproxy.cn,direct",
			"GOSUMDB=sum.golang.google.cn",
			`;C:\Go\bin;C:\users\` + user + `\bin;C:\Vendor 0000\`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("a new process does not see %q:\n%s", want, out)
			}
		}

		gosetup(env...)
		if got := p.queryAll(t); got != written {
			t.Errorf("a second env run changed HKCU\\Environment:\n%s\nwas:\n%s", got, written)
		}

		gosetup("uninstall", "--yes")
		if got := p.queryAll(t); got != before {
			t.Errorf("uninstall did not restore HKCU\\Environment exactly:\n%s\nwant:\n%s", got, before)
		}
	})
}

// wineCrossCheck seeds HKCU\Environment with reg.exe, applies and reverts
// Settings with the test binary as a helper process, and checks each step
// with reg.exe: a reader other than the writer.
func wineCrossCheck(t *testing.T, p *winePrefix, testExe string) {
	long := longWinPath(2100)
	seed := `%USERPROFILE%\go\bin;` + long
	p.regAdd(t, "Path", "REG_EXPAND_SZ", seed)
	p.regAdd(t, "GOPROXY", "REG_EXPAND_SZ", "https://proxy.golang.org,direct")
	p.regAdd(t, "GOPRIVATE", "REG_SZ", "corp.example")
	s := Settings{
		GOPROXY: "https://goproxy.cn,direct",
		GOSUMDB: "sum.golang.google.cn",
		Path:    []string{`C:\Program Files\Go\bin`, `C:\users\` + wineUser(t, p) + `\go\bin`},
	}
	settings, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	recFile := filepath.Join(t.TempDir(), "records.json")
	helperEnv := []string{"GOSETUP_WINE_SETTINGS=" + string(settings), "GOSETUP_WINE_RECORDS=" + recFile}
	helper := func(mode string) {
		t.Helper()
		out, err := p.run(t, append(helperEnv, "GOSETUP_WINE_HELPER="+mode), testExe, "-test.run", "^TestWineHelperProcess$", "-test.v", "-test.count=1")
		if err != nil || !strings.Contains(out, "--- PASS: TestWineHelperProcess") {
			t.Fatalf("helper %s under Wine: %v\n%s", mode, err, out)
		}
	}

	helper("apply")
	p.expect(t, "Path", "REG_EXPAND_SZ", `C:\Program Files\Go\bin;%USERPROFILE%\go\bin;`+long)
	p.expect(t, "GOPROXY", "REG_SZ", s.GOPROXY)
	p.expect(t, "GOSUMDB", "REG_SZ", s.GOSUMDB)
	p.expect(t, "GOPRIVATE", "REG_SZ", "corp.example")

	helper("revert")
	p.expect(t, "Path", "REG_EXPAND_SZ", seed)
	p.expect(t, "GOPROXY", "REG_EXPAND_SZ", "https://proxy.golang.org,direct")
	p.expectAbsent(t, "GOSUMDB")
	p.expect(t, "GOPRIVATE", "REG_SZ", "corp.example")
}

// registryTestOverlay writes a go build -overlay file that leaves out this
// package's other test files, so that the Windows test binary holds the
// registry tests and no Unix-only test (real shells, FIFOs, rlimits) can
// keep it from compiling.
func registryTestOverlay(t *testing.T) string {
	t.Helper()
	keep := map[string]bool{"registry_windows_test.go": true, "winpath_test.go": true}
	tests, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	replace := map[string]string{}
	for _, f := range tests {
		if !keep[f] {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			replace[abs] = "" // as if the file did not exist
		}
	}
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wineUser is the Windows user name in the prefix (Wine uses the Unix one).
func wineUser(t *testing.T, p *winePrefix) string {
	t.Helper()
	out, err := p.run(t, nil, "cmd", "/c", "echo", "%USERNAME%")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("asking Wine for %%USERNAME%%: %v %q", err, out)
	}
	return strings.TrimSpace(out)
}

// longWinPath returns a Path list of at least n characters.
func longWinPath(n int) string {
	var segs []string
	for size, i := 0, 0; size < n; i++ {
		s := fmt.Sprintf(`C:\Vendor %04d\Long Product Name\bin`, i)
		segs = append(segs, s)
		size += len(s) + 1
	}
	return strings.Join(segs, ";")
}
