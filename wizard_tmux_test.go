package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// wizardWorld is the real gosetup binary running in a tmux pane, as a
// non-root user with a fresh HOME, against a loopback mirror world whose
// toolchain's bin/go hands everything but "version" to the real go
// command, so the fresh-shell proof (go env, go mod download through the
// proxy, checked by the checksum database) runs for real.
type wizardWorld struct {
	t       *testing.T
	world   *mirrortest.World
	root    string // readable by the user: binary, mirrors file, home
	home    string
	dir     string // the install directory
	socket  string
	exitLog string
	asUser  []string // the command prefix that drops to the user
	uid     int
	// hidden are this machine's own Go installations in the places
	// doctor looks (/usr/local/go), covered by an empty directory in a
	// private mount namespace so the wizard sees a new machine.
	hidden []string
	// shownHome, when set, is where the wizard's namespace mounts home
	// (over a fresh /home), so screenshots show no path of this machine.
	shownHome string
}

func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatalf("%s is required (GOSETUP_TEST_REQUIRE=all) but not installed", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// wizardGo is a bin/go that answers version as its release would and
// runs the real go command for everything else.
func wizardGo(version string, p dist.Platform, realGo string, extra ...mirrortest.Entry) func(dist.Platform) []mirrortest.Entry {
	return func(p dist.Platform) []mirrortest.Entry {
		es := append(mirrortest.Toolchain(version, p), extra...)
		for i := range es {
			if es[i].Name == "bin/go" {
				es[i].Body = fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = version ] && [ $# = 1 ]; then echo \"go version %s %s\"; exit 0; fi\nexec %s \"$@\"\n", version, p, realGo)
			}
		}
		return es
	}
}

func newWizardWorld(t *testing.T, extra ...mirrortest.Entry) *wizardWorld {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the tmux test runs on Linux")
	}
	requireTool(t, "tmux")
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build gosetup with")
	}
	realGo, _ = filepath.EvalSymlinks(realGo)
	w := &wizardWorld{t: t}
	host := dist.Host()
	// A directory the user can read (t.TempDir is 0700 and root's).
	root, err := os.MkdirTemp("", "gosetup-wizard-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("chmod", "-R", "u+w", root).Run()
		os.RemoveAll(root)
	})
	os.Chmod(root, 0o755)
	w.root, w.home = root, filepath.Join(root, "home")
	w.dir = filepath.Join(w.home, ".local", "share", "gosetup", "go")
	if err := os.MkdirAll(w.home, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		w.hideHostGo()
	}
	// The toolchain's bin/go runs the real go, reached inside the
	// namespace through its alias when its own directory is hidden.
	w.world = mirrortest.New(t, mirrortest.Options{Releases: []mirrortest.Release{
		{Version: mirrortest.DefaultVersion, Files: wizardGo(mirrortest.DefaultVersion, host, w.visible(realGo), extra...)},
	}})
	bin := filepath.Join(root, "gosetup")
	build := exec.Command(realGo, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(root, "mirrors.json"), w.world.CatalogJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	w.uid = os.Getuid()
	if os.Geteuid() == 0 {
		// As a user, never as root: root's install dir and files differ,
		// and a wizard that only works as root is not tested.
		setpriv := requireTool(t, "setpriv")
		w.uid = 65534
		w.asUser = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"}
		if out, err := exec.Command("chown", "-R", "65534:65534", w.home).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	w.socket = "gosetup-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	w.exitLog = filepath.Join(root, "exit")
	t.Cleanup(func() { exec.Command("tmux", "-L", w.socket, "kill-server").Run() })
	return w
}

// hideHostGo covers the machine's own Go installations where doctor looks
// for a go that is not on PATH. Without this the machine that builds the
// test (whose go lives in /usr/local/go) is not a new machine: doctor
// rightly reports a go off PATH and the wizard preselects repair.
func (w *wizardWorld) hideHostGo() {
	var dirs []string
	for _, d := range []string{"/usr/local/go", "/usr/lib/go"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		w.t.Logf("no unshare: the machine's Go in %v stays visible", dirs)
		return
	}
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "true").CombinedOutput(); err != nil {
		w.t.Logf("no private mount namespace here (%v %s): the machine's Go in %v stays visible", err, out, dirs)
		return
	}
	w.hidden = dirs
}

// alias is where hidden directory i stays reachable inside the namespace.
func (w *wizardWorld) alias(i int) string {
	return filepath.Join(w.root, "host", strconv.Itoa(i))
}

// visible is path as the wizard's namespace reaches it.
func (w *wizardWorld) visible(path string) string {
	for i, d := range w.hidden {
		if rel, err := filepath.Rel(d, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join(w.alias(i), rel)
		}
	}
	return path
}

// hideWrap is the command prefix that runs cmd with w.hidden covered, each
// first bound at its alias.
func (w *wizardWorld) hideWrap(cmd []string) []string {
	if len(w.hidden) == 0 && w.shownHome == "" {
		return cmd
	}
	empty := filepath.Join(w.root, "empty")
	os.MkdirAll(empty, 0o755)
	var script []string
	if w.shownHome != "" {
		script = append(script, "mount -t tmpfs tmpfs /home", "mkdir -p "+shellWord(w.shownHome),
			"mount --bind "+shellWord(w.home)+" "+shellWord(w.shownHome))
	}
	for i, d := range w.hidden {
		os.MkdirAll(w.alias(i), 0o755)
		script = append(script, "mount --bind "+shellWord(d)+" "+shellWord(w.alias(i)),
			"mount --bind "+shellWord(empty)+" "+shellWord(d))
	}
	script = append(script, `exec "$@"`)
	return append([]string{"unshare", "--mount", "--propagation", "private", "sh", "-c", strings.Join(script, " && "), "sh"}, cmd...)
}

// start runs the wizard in a fresh tmux server at width×height.
func (w *wizardWorld) start(width, height int, extraEnv ...string) {
	w.t.Helper()
	home := w.home
	if w.shownHome != "" {
		home = w.shownHome
	}
	env := []string{"env", "-i", "HOME=" + home, "PATH=/usr/local/bin:/usr/bin:/bin", "SHELL=/bin/bash",
		"TERM=xterm-256color", "LANG=C.UTF-8", "USER=gosetup-test",
		"GOSETUP_CHECK_MODULE=" + mirrortest.HelloModule + "@" + mirrortest.HelloVersion}
	env = append(env, extraEnv...)
	mirrors := filepath.Join(w.root, "mirrors.json")
	if w.shownHome != "" {
		mirrors = filepath.Join(w.shownHome, "mirrors.json")
		if err := os.WriteFile(filepath.Join(w.home, "mirrors.json"), w.world.CatalogJSON(), 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	cmd := append(append(append([]string{}, w.asUser...), env...), filepath.Join(w.root, "gosetup"), "--mirrors", mirrors)
	cmd = w.hideWrap(cmd)
	script := shellJoin(cmd) + "; echo $? > " + shellWord(w.exitLog) + "; sleep 600"
	args := []string{"-L", w.socket, "-f", "/dev/null", "new-session", "-d", "-s", "wiz", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), script}
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		w.t.Fatalf("tmux: %v\n%s", err, out)
	}
}

func shellJoin(args []string) string {
	var q []string
	for _, a := range args {
		q = append(q, shellWord(a))
	}
	return strings.Join(q, " ")
}

func (w *wizardWorld) tmux(args ...string) string {
	w.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", w.socket}, args...)...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (w *wizardWorld) keys(keys ...string) {
	w.tmux(append([]string{"send-keys", "-t", "wiz"}, keys...)...)
}

func (w *wizardWorld) screen() string { return w.tmux("capture-pane", "-p", "-t", "wiz") }

// waitFor polls the pane until it shows every one of want.
func (w *wizardWorld) waitFor(want ...string) string {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := w.screen()
		ok := true
		for _, x := range want {
			ok = ok && strings.Contains(s, x)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the screen never showed %q:\n%s", want, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exitCode waits for the wizard to end and returns its exit status.
func (w *wizardWorld) exitCode() int {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(w.exitLog); err == nil && len(b) > 0 {
			n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return n
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the wizard did not exit:\n%s", w.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkWhole asserts the pane shows a whole frame: title on top, the keys
// at the bottom, nothing wider than the pane.
func (w *wizardWorld) checkWhole(width, height int) {
	w.t.Helper()
	s := strings.TrimRight(w.tmux("capture-pane", "-p", "-t", "wiz"), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) != height || !strings.HasPrefix(lines[0], "gosetup") || !strings.Contains(lines[len(lines)-1], "quit") {
		w.t.Errorf("not a whole %dx%d frame (%d lines):\n%s", width, height, len(lines), s)
	}
	for _, l := range lines {
		if lipgloss.Width(ansi.Strip(l)) > width {
			w.t.Errorf("a line is wider than %d: %q", width, l)
		}
	}
}

// TestWizardTmuxEnterAllTheWay: the real binary in tmux, as a non-root
// user on a new machine: Esc goes back a step, a resize to 80×24 keeps the
// frame whole, and Enter all the way installs the latest Go from the
// fastest source with the fastest proxy, proved in a fresh login shell.
func TestWizardTmuxEnterAllTheWay(t *testing.T) {
	w := newWizardWorld(t)
	w.start(120, 40)
	// Doctor's verdict first: it decides what Enter does here.
	s := w.waitFor("Proceed with the installation", "Install go1.22.5", " failures")
	if !strings.Contains(s, "❯ Proceed with the installation") {
		if len(w.hidden) > 0 || !strings.Contains(s, "❯ Repair") {
			t.Fatalf("on a new machine Proceed is not preselected:\n%s", s)
		}
		// Not root, or no mount namespace: this machine's own go is off
		// PATH, so repair is rightly preselected; move to Proceed.
		t.Logf("doctor sees this machine's own go; moving to Proceed:\n%s", s)
		w.keys("Up", "Up")
		w.waitFor("❯ Proceed with the installation")
	}
	w.keys("Enter")
	w.waitFor("Probing mirrors", "finished in", "● toolchain")
	w.keys("Escape")
	w.waitFor("Proceed with the installation")
	w.keys("Enter")
	w.waitFor("finished in")
	w.tmux("resize-window", "-t", "wiz", "-x", "80", "-y", "24")
	time.Sleep(500 * time.Millisecond)
	w.waitFor("Probing mirrors")
	w.checkWhole(80, 24)
	w.keys("Enter")
	w.waitFor("Review the changes", "+++ ~/.config/gosetup/env")
	w.keys("Enter")
	s = w.waitFor("Proof in a fresh login shell (bash -l)", "go mod download")
	for range 600 {
		if strings.Contains(s, "✓ go mod download") || strings.Contains(s, "✗ go mod download") {
			break
		}
		time.Sleep(100 * time.Millisecond)
		s = w.screen()
	}
	// The proof: the new go, the chosen proxy, and a real module download
	// through the world's proxy, verified by its checksum database.
	for _, want := range []string{"Installed go1.22.5 in ~/.local/share/gosetup/go", "gosetup uninstall", "✓ go version", "✓ go env GOPROXY",
		"✓ go mod download " + mirrortest.HelloModule + "@" + mirrortest.HelloVersion} {
		if !strings.Contains(s, want) {
			t.Errorf("the done screen lacks %q:\n%s", want, s)
		}
	}
	w.keys("Enter")
	if code := w.exitCode(); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, w.screen())
	}
	if v := readVersion(w.dir); v != mirrortest.DefaultVersion {
		t.Errorf("installed VERSION %q", v)
	}
	// What the wizard proved, checked once more from outside: a fresh
	// login shell of the user finds the new go and the chosen proxy.
	args := w.hideWrap(append(append([]string{}, w.asUser...), "env", "-i", "HOME="+w.home, "PATH=/usr/bin:/bin", "bash", "-l", "-c", "go version; go env GOPROXY"))
	cmd := exec.Command(args[0], args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "go version go1.22.5") || !strings.Contains(string(out), w.world.ProxyURL) {
		t.Errorf("a fresh login shell: %v\n%s", err, out)
	}
}

// treeHash is every path, mode and content under dir.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v\n", strings.TrimPrefix(p, dir), fi.Mode())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestWizardTmuxCtrlCDuringDownload: Ctrl-C while the archive is coming
// in asks first, then stops; the previous toolchain is exactly as it was
// and the exit status is 130.
func TestWizardTmuxCtrlCDuringDownload(t *testing.T) {
	w := newWizardWorld(t)
	host := dist.Host()
	if err := mirrortest.WriteTree(w.dir, mirrortest.Toolchain("go1.21.0", host)); err != nil {
		t.Fatal(err)
	}
	if len(w.asUser) > 0 {
		exec.Command("chown", "-R", "65534:65534", w.home).Run()
	}
	before := treeHash(t, w.dir)
	// Once the install starts, the download sends half and then hangs;
	// the wizard's probe before it and the install's one-byte ranking
	// probe are served as usual. A ranged download's chunk request gets
	// the 200 too, so it falls back to the single stream, which hangs.
	var installing atomic.Bool
	w.world.Hook(mirrortest.RouteArchive, func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		if !installing.Load() || r.Header.Get("Range") == "bytes=0-0" || r.Method == http.MethodHead {
			serve(rw, r)
			return
		}
		data := w.world.ArchiveBytes(mirrortest.DefaultVersion, host)
		rw.Header().Set("Content-Length", strconv.Itoa(len(data)))
		rw.WriteHeader(http.StatusOK)
		rw.Write(data[:len(data)/2])
		rw.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	w.start(100, 30)
	w.waitFor("Proceed with the installation", "replacing go1.21.0")
	w.keys("Enter")
	w.waitFor("finished in", "● toolchain")
	w.keys("Enter")
	w.waitFor("Replaces:  go1.21.0")
	installing.Store(true)
	w.keys("Enter")
	w.waitFor("Installing go1.22.5", "MB")
	w.keys("C-c")
	w.waitFor("Stop the install?")
	w.keys("y")
	if code := w.exitCode(); code != exitInterrupted {
		t.Fatalf("exit %d, want 130:\n%s", code, w.screen())
	}
	if s := w.screen(); !strings.Contains(s, "was left exactly as it was") {
		t.Errorf("no word on what was left:\n%s", s)
	}
	if after := treeHash(t, w.dir); after != before || readVersion(w.dir) != "go1.21.0" {
		t.Errorf("the previous toolchain changed (VERSION %q)", readVersion(w.dir))
	}
	if _, err := os.Stat(filepath.Join(w.home, ".config", "gosetup", "env")); err == nil {
		t.Error("settings were written after the install was stopped")
	}
}
