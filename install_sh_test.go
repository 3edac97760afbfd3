//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosetup/gosetup/selfupdate"
)

// These tests run install.sh for real, under dash, bash and busybox sh,
// against a release host on loopback, each in a fresh environment (env -i
// style: only HOME, PATH, TMPDIR and the script's variables) and in a new
// session, so that there is no controlling terminal either.

type shellRun struct {
	code           int
	stdout, stderr string
}

// installEnv is one run's environment and tools.
type installEnv struct {
	shell []string // e.g. {"dash"} or {"busybox", "sh"}
	path  string   // PATH
	url   string   // GOSETUP_DOWNLOAD_URL
	extra []string // more VAR=value
}

func lookShell(t *testing.T, argv ...string) []string {
	t.Helper()
	p, err := exec.LookPath(argv[0])
	if err != nil {
		requireOrSkip(t, argv[0]+" is not installed (apt-get install "+argv[0]+")")
	}
	return append([]string{p}, argv[1:]...)
}

// toolsDir makes a directory of symlinks to the named system commands, to
// be the whole PATH of a run: what a minimal machine has.
func toolsDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			continue // absent here too; install.sh copes or the test says so
		}
		if err := os.Symlink(p, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// baseTools are the commands install.sh uses besides a downloader.
var baseTools = []string{"uname", "getconf", "ldd", "mktemp", "rm", "mkdir", "chmod", "dd", "grep", "awk", "tr", "tar", "gzip", "sha256sum", "cat"}

// busyboxDir is a PATH of busybox applets only: its sh, wget, tar, awk.
func busyboxDir(t *testing.T, bb string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command(bb, "--install", "-s", dir).CombinedOutput(); err != nil {
		t.Fatalf("busybox --install: %v\n%s", err, out)
	}
	return dir
}

// runInstallScript runs install.sh with args and checks that it left
// nothing behind: TMPDIR and HOME are as empty afterwards as before.
func runInstallScript(t *testing.T, e installEnv, stdin []byte, args ...string) shellRun {
	t.Helper()
	home, tmp := t.TempDir(), t.TempDir()
	script, err := filepath.Abs("install.sh")
	if err != nil {
		t.Fatal(err)
	}
	argv := append(append([]string{}, e.shell...), script)
	if stdin != nil {
		argv = append(e.shell[:len(e.shell):len(e.shell)], "-s") // the script on stdin, as curl | sh
	}
	argv = append(argv, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + e.path, "TMPDIR=" + tmp, "GOSETUP_DOWNLOAD_URL=" + e.url}, e.extra...)
	cmd.Dir = home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err = cmd.Run()
	r := shellRun{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
	if err != nil && r.code < 0 {
		t.Fatalf("%v: %v\n%s", argv, err, r.stderr)
	}
	for _, d := range []string{home, tmp} {
		if left, _ := os.ReadDir(d); len(left) > 0 {
			t.Errorf("install.sh left %s behind in %s", left[0].Name(), d)
		}
	}
	return r
}

func (r shellRun) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func TestInstallScript(t *testing.T) {
	version, archives := hostRelease(t)
	good := newReleaseSite(t)
	good.publish(t, version, archives, nil, true)
	systemPath := os.Getenv("PATH")
	shells := map[string]installEnv{
		"dash": {shell: lookShell(t, "dash"), path: systemPath},
		"bash": {shell: lookShell(t, "bash", "--posix"), path: systemPath},
	}
	bb := lookShell(t, "busybox")
	shells["busybox"] = installEnv{shell: append(bb, "sh"), path: busyboxDir(t, bb[0])}

	for name, e := range shells {
		e.url = good.URL
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runInstallScript(t, e, nil, "--", "version")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "gosetup "+version+"\n") {
				t.Fatalf("install.sh -- version:\n%s", r)
			}
			if !strings.Contains(r.stderr, "gosetup "+version+" for "+runtime.GOOS+"/") {
				t.Errorf("no platform line on stderr:\n%s", r)
			}
			// curl ... | sh -s -- ARGS: the script on stdin.
			script, _ := os.ReadFile("install.sh")
			if r := runInstallScript(t, e, script, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "gosetup "+version) {
				t.Errorf("sh -s version with the script on stdin:\n%s", r)
			}
			// gosetup's exit status comes through: 2 for a usage error.
			if r := runInstallScript(t, e, nil, "--", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
				t.Errorf("install.sh -- frobnicate: want gosetup's exit 2:\n%s", r)
			}
		})
	}

	dash := shells["dash"]
	dash.url = good.URL
	t.Run("wget", func(t *testing.T) {
		t.Parallel()
		e := dash
		e.path = toolsDir(t, append(baseTools, "wget")...)
		if _, err := os.Stat(filepath.Join(e.path, "wget")); err != nil {
			requireOrSkip(t, "wget is not installed (apt-get install wget)")
		}
		if r := runInstallScript(t, e, nil, "--", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "gosetup "+version) {
			t.Errorf("with wget only:\n%s", r)
		}
	})

	// refused checks that a run failed with a message naming the reason,
	// before gosetup ever ran.
	refused := func(t *testing.T, r shellRun, want string) {
		t.Helper()
		if r.code != 1 || !strings.Contains(r.stderr, want) || r.stdout != "" {
			t.Errorf("want exit 1 and %q on stderr, nothing on stdout:\n%s", want, r)
		}
	}

	t.Run("no terminal, no --yes", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		e := dash
		e.url = site.URL
		refused(t, runInstallScript(t, e, nil), "the gosetup wizard needs a terminal")
		refused(t, runInstallScript(t, e, nil, "--", "install", "1.22"), "gosetup install asks before it changes anything")
		if hits := site.requests(); len(hits) > 0 {
			t.Errorf("refused runs still downloaded %v", hits)
		}
	})

	name, _ := selfupdate.ArchiveName(version, runtime.GOOS, runtime.GOARCH)
	t.Run("corrupted archive", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		bad := map[string][]byte{}
		for n, b := range archives {
			b = bytes.Clone(b)
			b[len(b)/2] ^= 0xff
			bad[n] = b
		}
		site.publish(t, version, bad, nil, true)
		// The checksums are those of the good archives.
		good, _ := os.ReadFile(filepath.Join(goodDir(good, version), "checksums.txt"))
		os.WriteFile(filepath.Join(goodDir(site, version), "checksums.txt"), good, 0o644)
		e := dash
		e.url = site.URL
		refused(t, runInstallScript(t, e, nil, "--", "version"), "checksum mismatch for "+name)
	})

	t.Run("missing checksum line", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		site.publish(t, version, archives, map[string]string{name: ""}, true)
		e := dash
		e.url = site.URL
		refused(t, runInstallScript(t, e, nil, "--", "version"), "lists no gosetup archive for "+runtime.GOOS+"/")
	})

	html := []byte("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>\n")
	t.Run("HTML instead of checksums", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		site.answer(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write(html)
		})
		for _, e := range shells {
			e.url = site.URL
			refused(t, runInstallScript(t, e, nil, "--", "version"), "is an HTML page, not a checksums file")
		}
	})

	t.Run("HTML instead of the archive", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		os.WriteFile(filepath.Join(goodDir(site, version), name), html, 0o644)
		e := dash
		e.url = site.URL
		refused(t, runInstallScript(t, e, nil, "--", "version"), "is an HTML page, not a gosetup archive")
	})

	t.Run("version pin", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		old := map[string][]byte{}
		for n, b := range archives {
			old[strings.Replace(n, "_"+version+"_", "_"+fixtureOldVersion+"_", 1)] = b
		}
		site.publish(t, fixtureOldVersion, old, nil, false)
		site.publish(t, version, archives, nil, true)
		e := dash
		e.url = site.URL + "/" // a trailing slash is fine
		e.extra = []string{"GOSETUP_VERSION=v" + fixtureOldVersion}
		r := runInstallScript(t, e, nil, "--", "version")
		if r.code != 0 || !strings.Contains(r.stderr, "gosetup "+fixtureOldVersion+" for") {
			t.Fatalf("GOSETUP_VERSION=%s:\n%s", fixtureOldVersion, r)
		}
		for _, h := range site.requests() {
			if !strings.HasPrefix(h, "/download/v"+fixtureOldVersion+"/") {
				t.Errorf("pinned run fetched %s", h)
			}
		}
	})

	t.Run("unsupported platform", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct{ s, m, want string }{
			{"SunOS", "i86pc", "unsupported operating system 'SunOS'"},
			{"Linux", "mips64", "unsupported processor 'mips64' on linux"},
			{"MINGW64_NT-10.0", "x86_64", "run install.ps1 in PowerShell"},
		} {
			e := dash
			e.path = toolsDir(t, append(baseTools, "curl")...)
			fake := fmt.Sprintf("#!/bin/sh\ncase $1 in -s) echo %s;; -m) echo %s;; *) echo %s;; esac\n", c.s, c.m, c.s)
			os.Remove(filepath.Join(e.path, "uname"))
			if err := os.WriteFile(filepath.Join(e.path, "uname"), []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			refused(t, runInstallScript(t, e, nil, "--", "version"), c.want)
		}
	})

	t.Run("no downloader", func(t *testing.T) {
		t.Parallel()
		e := dash
		e.path = toolsDir(t, baseTools...)
		refused(t, runInstallScript(t, e, nil, "--", "version"), "neither curl nor wget is installed")
	})

	t.Run("wrong base URL", func(t *testing.T) {
		t.Parallel()
		e := dash
		e.url = good.URL + "/nothing-here"
		refused(t, runInstallScript(t, e, nil, "--", "version"), "could not download "+e.url+"/latest/download/checksums.txt")
	})

	t.Run("interrupted download", func(t *testing.T) {
		t.Parallel()
		site := newReleaseSite(t)
		site.publish(t, version, archives, nil, true)
		stalled := make(chan struct{})
		var stallOnce sync.Once
		release := make(chan struct{})
		defer close(release)
		files := http.FileServer(http.Dir(site.root))
		site.answer(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, name) {
				files.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Length", "10000000")
			w.Write(archives[name][:1000])
			w.(http.Flusher).Flush()
			stallOnce.Do(func() { close(stalled) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		tmp := t.TempDir()
		script, _ := filepath.Abs("install.sh")
		cmd := exec.Command(dash.shell[0], script, "--", "version")
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + systemPath, "TMPDIR=" + tmp, "GOSETUP_DOWNLOAD_URL=" + site.URL}
		// Its own process group, as a terminal's foreground job: Ctrl-C
		// reaches the shell and curl alike.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-stalled:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			t.Fatalf("the archive was never requested:\n%s", errb.String())
		}
		// The partial download is in TMPDIR now.
		if left, _ := os.ReadDir(tmp); len(left) == 0 {
			t.Error("no temporary directory while downloading")
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("install.sh did not end on SIGINT")
		}
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("exit %d after SIGINT, want 130\n%s", code, errb.String())
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("SIGINT left %s in TMPDIR", left[0].Name())
		}
	})
}

// goodDir is where a site keeps one release's files.
func goodDir(s *releaseSite, version string) string {
	return filepath.Join(s.root, "download", "v"+version)
}
