//go:build windows

package envwriter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// These tests use the real Windows registry. Most run against a scratch key
// under HKCU\Software, so they are safe on a developer's Windows machine.
// The ones that use HKCU\Environment itself (the exported API and the
// broadcast after it) run only when GOSETUP_TEST_WINE=1, which wine_test.go
// sets for a throwaway Wine prefix.

const wineEnvVar = "GOSETUP_TEST_WINE"

// regScratchKey creates an empty key standing in for HKCU\Environment and
// deletes it when the test ends.
func regScratchKey(t *testing.T) registry.Key {
	t.Helper()
	path := fmt.Sprintf(`Software\gosetup-test\%d-%d`, os.Getpid(), time.Now().UnixNano())
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.ALL_ACCESS)
	if err != nil {
		t.Fatalf("creating scratch key: %v", err)
	}
	t.Cleanup(func() {
		k.Close()
		registry.DeleteKey(registry.CURRENT_USER, path)
		// Fails, harmlessly, while another test still has its key there.
		registry.DeleteKey(registry.CURRENT_USER, `Software\gosetup-test`)
	})
	return k
}

func regSetRaw(t *testing.T, k registry.Key, name string, typ uint32, raw []byte) {
	t.Helper()
	if err := setRegValue(k, name, typ, raw); err != nil {
		t.Fatal(err)
	}
}

// regSnapshot returns every value of k with its type and exact bytes.
func regSnapshot(t *testing.T, k registry.Key) map[string]regValue {
	t.Helper()
	names, err := k.ReadValueNames(-1)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]regValue{}
	for _, n := range names {
		v, err := readRegValue(&k, n)
		if err != nil {
			t.Fatal(err)
		}
		m[strings.ToLower(n)] = v
	}
	return m
}

func regSameSnapshot(t *testing.T, what string, got, want map[string]regValue) {
	t.Helper()
	for n, w := range want {
		g, ok := got[n]
		if !ok {
			t.Errorf("%s: value %s is gone", what, n)
			continue
		}
		if g.typ != w.typ || !bytes.Equal(g.raw, w.raw) {
			t.Errorf("%s: value %s is %s, want %s", what, n, g, w)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: unexpected value %s", what, n)
		}
	}
}

// String describes v for a failure message: type, size and text, with
// long text cut (the full bytes are compared, not this).
func (v regValue) String() string {
	text := regText(v.raw)
	if len(text) > 120 {
		text = text[:60] + "…" + text[len(text)-60:]
	}
	return fmt.Sprintf("type %d, %d bytes, text %q", v.typ, len(v.raw), text)
}

func regGetString(t *testing.T, k registry.Key, name string) (string, uint32) {
	t.Helper()
	v, err := readRegValue(&k, name)
	if err != nil {
		t.Fatal(err)
	}
	if !v.exists {
		t.Fatalf("value %s does not exist", name)
	}
	if !bytes.Equal(v.raw, regStringBytes(regText(v.raw))) {
		t.Errorf("value %s is not a NUL-terminated string: %q", name, v.raw)
	}
	return regText(v.raw), v.typ
}

// regJSONRoundTrip passes records through JSON as the state file does, so
// that revert works from what was saved, not from memory.
func regJSONRoundTrip(t *testing.T, recs []RegistryRecord) []RegistryRecord {
	t.Helper()
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	var out []RegistryRecord
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRegistryPlanApplyRevert(t *testing.T) {
	k := regScratchKey(t)
	home := os.Getenv("USERPROFILE")
	if home == "" {
		t.Fatal("USERPROFILE is not set")
	}
	seedPath := `%USERPROFILE%\go\bin;C:\Windows;;C:\Tools`
	if err := k.SetExpandStringValue("Path", seedPath); err != nil {
		t.Fatal(err)
	}
	if err := k.SetStringValue("GOPROXY", "https://proxy.golang.org,direct"); err != nil {
		t.Fatal(err)
	}
	if err := k.SetStringValue("OTHER", "untouched"); err != nil {
		t.Fatal(err)
	}
	before := regSnapshot(t, k)
	s := Settings{
		GOPROXY: "https://goproxy.cn,direct",
		GOSUMDB: "sum.golang.google.cn",
		Path:    []string{`C:\Program Files\Go\bin`, home + `\go\bin`},
	}

	plan, err := planRegistry(&k, s, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	regSameSnapshot(t, "after plan", regSnapshot(t, k), before)
	if len(plan) != 3 {
		t.Fatalf("plan has %d records, want Path, GOPROXY, GOSUMDB: %+v", len(plan), plan)
	}

	recs, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(recs) != fmt.Sprint(plan) {
		t.Errorf("apply did other than planned:\nplan  %+v\napply %+v", plan, recs)
	}
	path, typ := regGetString(t, k, "Path")
	if want := `C:\Program Files\Go\bin;%USERPROFILE%\go\bin;C:\Windows;;C:\Tools`; path != want || typ != registry.EXPAND_SZ {
		t.Errorf("Path = %q (type %d), want %q REG_EXPAND_SZ", path, typ, want)
	}
	for name, want := range map[string]string{"GOPROXY": s.GOPROXY, "GOSUMDB": s.GOSUMDB, "OTHER": "untouched"} {
		if got, typ := regGetString(t, k, name); got != want || typ != registry.SZ {
			t.Errorf("%s = %q (type %d), want %q REG_SZ", name, got, typ, want)
		}
	}
	for _, r := range recs {
		switch r.Name {
		case "Path":
			if !r.PriorExists || r.PriorType != registry.EXPAND_SZ || r.PriorData != seedPath {
				t.Errorf("Path record lost the prior value: %+v", r)
			}
			if len(r.Added) != 1 || r.Added[0] != `C:\Program Files\Go\bin` {
				t.Errorf("Path record Added = %q, want only the inserted dir", r.Added)
			}
		case "GOSUMDB":
			if r.PriorExists {
				t.Errorf("GOSUMDB did not exist before: %+v", r)
			}
		}
	}

	again, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
	if err != nil || len(again) != 0 {
		t.Fatalf("second apply changed %+v (%v), want nothing", again, err)
	}

	if err := revertRegistry(k, regJSONRoundTrip(t, recs), os.LookupEnv); err != nil {
		t.Fatal(err)
	}
	regSameSnapshot(t, "after revert", regSnapshot(t, k), before)
}

func TestRegistryPathTypes(t *testing.T) {
	s := Settings{Path: []string{`C:\Go\bin`}}
	t.Run("absent is created as REG_EXPAND_SZ", func(t *testing.T) {
		k := regScratchKey(t)
		recs, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
		if err != nil {
			t.Fatal(err)
		}
		if got, typ := regGetString(t, k, "Path"); got != `C:\Go\bin` || typ != registry.EXPAND_SZ {
			t.Errorf("Path = %q type %d", got, typ)
		}
		if err := revertRegistry(k, regJSONRoundTrip(t, recs), os.LookupEnv); err != nil {
			t.Fatal(err)
		}
		regSameSnapshot(t, "after revert", regSnapshot(t, k), map[string]regValue{})
	})
	t.Run("REG_SZ stays REG_SZ", func(t *testing.T) {
		k := regScratchKey(t)
		if err := k.SetStringValue("PATH", `C:\a`); err != nil {
			t.Fatal(err)
		}
		before := regSnapshot(t, k)
		recs, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
		if err != nil {
			t.Fatal(err)
		}
		if got, typ := regGetString(t, k, "Path"); got != `C:\Go\bin;C:\a` || typ != registry.SZ {
			t.Errorf("Path = %q type %d", got, typ)
		}
		if err := revertRegistry(k, regJSONRoundTrip(t, recs), os.LookupEnv); err != nil {
			t.Fatal(err)
		}
		regSameSnapshot(t, "after revert", regSnapshot(t, k), before)
	})
	t.Run("a non-string Path is refused untouched", func(t *testing.T) {
		k := regScratchKey(t)
		if err := k.SetDWordValue("Path", 7); err != nil {
			t.Fatal(err)
		}
		before := regSnapshot(t, k)
		_, err := applyRegistry(k, Settings{GOPROXY: "direct", Path: []string{`C:\Go\bin`}}, os.LookupEnv, setRegValue)
		if err == nil || !strings.Contains(err.Error(), "not a string") {
			t.Fatalf("err = %v, want a clear refusal", err)
		}
		regSameSnapshot(t, "after refusal", regSnapshot(t, k), before)
	})
	t.Run("relative and quoted dirs are refused", func(t *testing.T) {
		k := regScratchKey(t)
		for _, d := range []string{`go\bin`, `C:\a"b`, ""} {
			if _, err := applyRegistry(k, Settings{Path: []string{d}}, os.LookupEnv, setRegValue); err == nil {
				t.Errorf("dir %q accepted", d)
			}
		}
		regSameSnapshot(t, "after refusals", regSnapshot(t, k), map[string]regValue{})
	})
}

// TestRegistryLongPath writes Path values past setx's 1024 and cmd's 2047
// character limits and far beyond, and reads back every character.
func TestRegistryLongPath(t *testing.T) {
	for _, n := range []int{1100, 2100, 40000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			k := regScratchKey(t)
			var segs []string
			for size, i := 0, 0; size < n; i++ {
				s := fmt.Sprintf(`C:\Vendor %04d\Long Product Name\bin`, i)
				segs = append(segs, s)
				size += len(s) + 1
			}
			old := strings.Join(segs, ";")
			if err := k.SetExpandStringValue("Path", old); err != nil {
				t.Fatal(err)
			}
			before := regSnapshot(t, k)
			recs, err := applyRegistry(k, Settings{Path: []string{`C:\Go\bin`}}, os.LookupEnv, setRegValue)
			if err != nil {
				t.Fatal(err)
			}
			got, typ := regGetString(t, k, "Path")
			if want := `C:\Go\bin;` + old; got != want || typ != registry.EXPAND_SZ {
				t.Fatalf("Path has %d chars (type %d), want %d chars", len(got), typ, len(want))
			}
			if err := revertRegistry(k, regJSONRoundTrip(t, recs), os.LookupEnv); err != nil {
				t.Fatal(err)
			}
			regSameSnapshot(t, "after revert", regSnapshot(t, k), before)
		})
	}
}

// TestRegistryExactPriorBytes restores values whose bytes are not the
// canonical form of a string: no terminating NUL, data after the NUL, odd
// lengths, another type, and non-ASCII text.
func TestRegistryExactPriorBytes(t *testing.T) {
	k := regScratchKey(t)
	noNUL := regStringBytes(`C:\NoTerminator`)
	regSetRaw(t, k, "Path", registry.EXPAND_SZ, noNUL[:len(noNUL)-2])
	regSetRaw(t, k, "GOPROXY", registry.SZ, append(regStringBytes("https://a.example"), 'x', 0, 'y', 0, 0, 0))
	regSetRaw(t, k, "GOSUMDB", registry.BINARY, []byte{0xff, 0x00, 0x01})
	regSetRaw(t, k, "GOPRIVATE", registry.EXPAND_SZ, []byte{'a', 0, 'b'}) // odd length
	if err := k.SetStringValue("GONOPROXY", "gitlab.例子.cn/*"); err != nil {
		t.Fatal(err)
	}
	before := regSnapshot(t, k)
	s := Settings{GOPROXY: "direct", GOSUMDB: "off", GOPRIVATE: "x.example", GONOPROXY: "y.example", Path: []string{`C:\Go\bin`}}
	recs, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("got %d records, want 5: %+v", len(recs), recs)
	}
	if got, _ := regGetString(t, k, "Path"); got != `C:\Go\bin;C:\NoTerminator` {
		t.Errorf("Path = %q", got)
	}
	for _, r := range recs {
		if r.Name == "GONOPROXY" && r.PriorData != "gitlab.例子.cn/*" {
			t.Errorf("a canonical string should be recorded as text, got %q", r.PriorData)
		}
	}
	if err := revertRegistry(k, regJSONRoundTrip(t, recs), os.LookupEnv); err != nil {
		t.Fatal(err)
	}
	regSameSnapshot(t, "after revert", regSnapshot(t, k), before)
}

func TestRegistryRevertKeepsLaterEdits(t *testing.T) {
	k := regScratchKey(t)
	home := os.Getenv("USERPROFILE")
	if err := k.SetExpandStringValue("Path", `%USERPROFILE%\go\bin;C:\Windows`); err != nil {
		t.Fatal(err)
	}
	s := Settings{GOPROXY: "https://goproxy.cn,direct", GOSUMDB: "sum.golang.google.cn", GOPRIVATE: "corp.example",
		Path: []string{`C:\Go\bin`, home + `\go\bin`}}
	recs, err := applyRegistry(k, s, os.LookupEnv, setRegValue)
	if err != nil {
		t.Fatal(err)
	}
	// Since then the user added a Path entry, set GOPROXY themselves and
	// deleted GOPRIVATE.
	path, _ := regGetString(t, k, "Path")
	if err := k.SetExpandStringValue("Path", path+`;C:\Later`); err != nil {
		t.Fatal(err)
	}
	if err := k.SetStringValue("GOPROXY", "https://mine.example"); err != nil {
		t.Fatal(err)
	}
	if err := k.DeleteValue("GOPRIVATE"); err != nil {
		t.Fatal(err)
	}
	if err := revertRegistry(k, regJSONRoundTrip(t, recs), os.LookupEnv); err != nil {
		t.Fatal(err)
	}
	if got, typ := regGetString(t, k, "Path"); got != `%USERPROFILE%\go\bin;C:\Windows;C:\Later` || typ != registry.EXPAND_SZ {
		t.Errorf("Path = %q (type %d): want the user's entries and order of moved ones kept, ours removed", got, typ)
	}
	if got, _ := regGetString(t, k, "GOPROXY"); got != "https://mine.example" {
		t.Errorf("GOPROXY = %q: the user's later value must win", got)
	}
	snap := regSnapshot(t, k)
	if _, ok := snap["gosumdb"]; ok {
		t.Error("GOSUMDB, unchanged since gosetup created it, should be deleted")
	}
	if _, ok := snap["goprivate"]; ok {
		t.Error("GOPRIVATE was deleted by the user and must stay deleted")
	}
}

// TestRegistryApplyRollsBack fails the second write and checks that the
// first one is undone and the error says so.
func TestRegistryApplyRollsBack(t *testing.T) {
	k := regScratchKey(t)
	if err := k.SetExpandStringValue("Path", `C:\Windows`); err != nil {
		t.Fatal(err)
	}
	if err := k.SetStringValue("GOPROXY", "https://proxy.golang.org"); err != nil {
		t.Fatal(err)
	}
	before := regSnapshot(t, k)
	writes := 0
	failing := func(k registry.Key, name string, typ uint32, raw []byte) error {
		writes++
		if writes == 3 {
			return fmt.Errorf(`writing HKCU\Environment\%s: %w`, name, windows.ERROR_ACCESS_DENIED)
		}
		return setRegValue(k, name, typ, raw)
	}
	s := Settings{GOPROXY: "direct", GOSUMDB: "off", Path: []string{`C:\Go\bin`}}
	recs, err := applyRegistry(k, s, os.LookupEnv, failing)
	if err == nil || !errors.Is(err, windows.ERROR_ACCESS_DENIED) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err = %v, want the write error saying nothing was changed", err)
	}
	if recs != nil {
		t.Errorf("records returned on failure: %+v", recs)
	}
	if writes != 3 {
		t.Errorf("%d writes, want 3", writes)
	}
	regSameSnapshot(t, "after failed apply", regSnapshot(t, k), before)
}

// TestRegistryValuesVerbatim stores values that would mean something to a
// shell or to ExpandEnvironmentStrings exactly as given, as REG_SZ, so that
// Windows does not expand them.
func TestRegistryValuesVerbatim(t *testing.T) {
	k := regScratchKey(t)
	s := Settings{
		GOPROXY:   "https://proxy.example/a%PATH%b,direct",
		GOPRIVATE: "corp.例子.cn/*,\"q\";x$(y)`z`|w",
		GONOSUMDB: strings.Repeat("very.long.example/", 200),
	}
	if _, err := applyRegistry(k, s, os.LookupEnv, setRegValue); err != nil {
		t.Fatal(err)
	}
	for _, v := range s.Vars() {
		got, err := readRegValue(&k, v.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.typ != registry.SZ || !bytes.Equal(got.raw, regStringBytes(v.Value)) {
			t.Errorf("%s stored as %s, want REG_SZ %q", v.Name, got, v.Value)
		}
	}
}

func TestRegistryRejectsNUL(t *testing.T) {
	k := regScratchKey(t)
	if _, err := applyRegistry(k, Settings{GOPROXY: "direct\x00off"}, os.LookupEnv, setRegValue); err == nil {
		t.Fatal("a value with NUL was accepted")
	}
	regSameSnapshot(t, "after refusal", regSnapshot(t, k), map[string]regValue{})
}

// TestRegistryExpandMatchesWindows checks expandWinVars, which decides
// whether two Path entries are the same directory, against Windows' own
// ExpandEnvironmentStrings.
func TestRegistryExpandMatchesWindows(t *testing.T) {
	t.Setenv("GOSETUP_X", `C:\x`)
	for _, s := range []string{
		`%USERPROFILE%\go\bin`, `%gosetup_x%\bin`, `%GOSETUP_NOPE%\bin`, `100%`, `%%`,
		`%GOSETUP_NOPE%GOSETUP_X%`, `a%GOSETUP_X%b%GOSETUP_X`, `%GOSETUP_X%%GOSETUP_X%`,
	} {
		want, err := registry.ExpandString(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := expandWinVars(s, os.LookupEnv); got != want {
			t.Errorf("expandWinVars(%q) = %q, Windows says %q", s, got, want)
		}
	}
}

// regReceiver is a hidden top-level window that records the lParam string of
// every WM_SETTINGCHANGE it receives.
type regReceiver struct{ got chan string }

var regReceiverClasses atomic.Int64

func newRegReceiver(t *testing.T) *regReceiver {
	t.Helper()
	user32 := windows.NewLazySystemDLL("user32.dll")
	registerClass := user32.NewProc("RegisterClassExW")
	createWindow := user32.NewProc("CreateWindowExW")
	destroyWindow := user32.NewProc("DestroyWindow")
	getMessage := user32.NewProc("GetMessageW")
	dispatchMessage := user32.NewProc("DispatchMessageW")
	defWindowProc := user32.NewProc("DefWindowProcW")
	postMessage := user32.NewProc("PostMessageW")

	rc := &regReceiver{got: make(chan string, 16)}
	ready := make(chan error, 1)
	var hwnd uintptr
	go func() {
		runtime.LockOSThread() // a window belongs to its thread's message loop
		proc := syscall.NewCallback(func(h, msg, w, l uintptr) uintptr {
			if msg == wmSettingChange {
				s := ""
				if l != 0 {
					s = windows.UTF16PtrToString(*(**uint16)(unsafe.Pointer(&l))) // lParam is a string pointer
				}
				rc.got <- s
				return 0
			}
			r, _, _ := defWindowProc.Call(h, msg, w, l)
			return r
		})
		name, _ := windows.UTF16PtrFromString(fmt.Sprintf("gosetup-test-%d-%d", os.Getpid(), regReceiverClasses.Add(1)))
		wc := struct {
			size, style                        uint32
			wndProc                            uintptr
			clsExtra, wndExtra                 int32
			instance, icon, cursor, background windows.Handle
			menuName, className                *uint16
			iconSm                             windows.Handle
		}{wndProc: proc, className: name}
		wc.size = uint32(unsafe.Sizeof(wc))
		if r, _, err := registerClass.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			ready <- fmt.Errorf("RegisterClassExW: %w", err)
			return
		}
		h, _, err := createWindow.Call(0, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)), 0, 0, 0, 0, 0, 0, 0, 0, 0)
		if h == 0 {
			ready <- fmt.Errorf("CreateWindowExW: %w", err)
			return
		}
		hwnd = h
		ready <- nil
		var m struct {
			hwnd          uintptr
			message       uint32
			wParam        uintptr
			lParam        uintptr
			time          uint32
			x, y, private int32
		}
		for {
			if r, _, _ := getMessage.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0); int32(r) <= 0 {
				return
			}
			if m.message == 0x0400 { // WM_USER from Cleanup: stop
				destroyWindow.Call(h)
				return
			}
			dispatchMessage.Call(uintptr(unsafe.Pointer(&m)))
		}
	}()
	if err := <-ready; err != nil {
		t.Fatalf("creating a window to receive the broadcast: %v", err)
	}
	t.Cleanup(func() { postMessage.Call(hwnd, 0x0400, 0, 0) })
	return rc
}

// wait returns the next WM_SETTINGCHANGE parameter, or fails the test.
func (rc *regReceiver) wait(t *testing.T) string {
	t.Helper()
	select {
	case s := <-rc.got:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no WM_SETTINGCHANGE received")
		return ""
	}
}

func TestRegistryBroadcast(t *testing.T) {
	rc := newRegReceiver(t)
	if err := broadcastEnvironmentChange(); err != nil {
		t.Fatal(err)
	}
	if got := rc.wait(t); got != "Environment" {
		t.Errorf("WM_SETTINGCHANGE carried %q, want \"Environment\"", got)
	}
}

// regRequireWine skips tests that change the real HKCU\Environment unless they
// run in the throwaway Wine prefix that wine_test.go prepares.
func regRequireWine(t *testing.T) {
	t.Helper()
	if os.Getenv(wineEnvVar) != "1" {
		t.Skipf(`this test changes your real HKCU\Environment; it runs under Wine from wine_test.go (%s=1)`, wineEnvVar)
	}
}

// TestRegistryHKCUEnvironment drives the exported API against the real
// HKCU\Environment: dry run, apply with broadcast, idempotence, revert.
func TestRegistryHKCUEnvironment(t *testing.T) {
	regRequireWine(t)
	k, err := registry.OpenKey(registry.CURRENT_USER, envKeyPath, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.SetExpandStringValue("Path", `%USERPROFILE%\bin;C:\Tools`); err != nil {
		t.Fatal(err)
	}
	k.DeleteValue("GOPROXY")
	k.DeleteValue("GOSUMDB")
	before := regSnapshot(t, k)
	s := Settings{GOPROXY: "https://goproxy.cn,direct", GOSUMDB: "sum.golang.google.cn", Path: []string{`C:\Go\bin`}}

	plan, err := PlanRegistry(s)
	if err != nil {
		t.Fatal(err)
	}
	regSameSnapshot(t, "after PlanRegistry", regSnapshot(t, k), before)
	rc := newRegReceiver(t)
	recs, err := ApplyRegistry(s)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(plan) != fmt.Sprint(recs) {
		t.Errorf("ApplyRegistry did other than PlanRegistry said:\n%+v\n%+v", plan, recs)
	}
	if got := rc.wait(t); got != "Environment" {
		t.Errorf("ApplyRegistry broadcast %q", got)
	}
	if got, typ := regGetString(t, k, "Path"); got != `C:\Go\bin;%USERPROFILE%\bin;C:\Tools` || typ != registry.EXPAND_SZ {
		t.Errorf("Path = %q type %d", got, typ)
	}
	if again, err := ApplyRegistry(s); err != nil || len(again) != 0 {
		t.Errorf("second ApplyRegistry changed %+v (%v)", again, err)
	}
	if err := RevertRegistry(regJSONRoundTrip(t, recs)); err != nil {
		t.Fatal(err)
	}
	regSameSnapshot(t, "after RevertRegistry", regSnapshot(t, k), before)
}

// TestRegistrySystemPathGo puts a go.exe in a directory on the machine-wide
// Path (in the throwaway Wine prefix) and checks that it is reported, and
// that gosetup's own directory is not.
func TestRegistrySystemPathGo(t *testing.T) {
	regRequireWine(t)
	// Not t.TempDir: Wine 8 lacks a call Go's RemoveAll uses on Windows,
	// so the cleanup would fail; the whole prefix is thrown away anyway.
	base, err := os.MkdirTemp("", "gosetup-syspath")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	theirs, ours := base+`\Program Files\Go\bin`, base+`\gosetup\go\bin`
	for _, d := range []string{theirs, ours} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(d+`\go.exe`, []byte("MZ"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, systemEnvKeyPath, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	old, typ, err := k.GetStringValue("Path")
	if err != nil {
		k.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := setRegValue(k, "Path", typ, regStringBytes(old)); err != nil {
			t.Error(err)
		}
		k.Close()
	})
	if err := k.SetExpandStringValue("Path", old+";"+ours+";"+theirs+`\;`+base+`\NoGo`); err != nil {
		t.Fatal(err)
	}
	got, err := SystemPathGo([]string{ours})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.EqualFold(got[0], theirs+`\`) {
		t.Errorf("SystemPathGo = %q, want only %q", got, theirs)
	}
}

// TestWineHelperProcess is not a test: wine_test.go runs this binary with
// GOSETUP_WINE_HELPER=apply|revert to change HKCU\Environment and then
// checks the result with Wine's reg.exe from outside.
func TestWineHelperProcess(t *testing.T) {
	mode := os.Getenv("GOSETUP_WINE_HELPER")
	if mode == "" {
		t.Skip("helper for wine_test.go")
	}
	regRequireWine(t)
	recFile := os.Getenv("GOSETUP_WINE_RECORDS")
	switch mode {
	case "apply":
		var s Settings
		if err := json.Unmarshal([]byte(os.Getenv("GOSETUP_WINE_SETTINGS")), &s); err != nil {
			t.Fatal(err)
		}
		recs, err := ApplyRegistry(s)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(recs)
		if err := os.WriteFile(recFile, b, 0o600); err != nil {
			t.Fatal(err)
		}
	case "revert":
		b, err := os.ReadFile(recFile)
		if err != nil {
			t.Fatal(err)
		}
		var recs []RegistryRecord
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatal(err)
		}
		if err := RevertRegistry(recs); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown helper mode %q", mode)
	}
}
