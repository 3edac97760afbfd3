package shellenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Options say how to start the shells.
type Options struct {
	// Home is the home directory the shells start with (HOME); required.
	Home string
	// Env is the rest of the environment, as NAME=value entries; HOME in
	// it is replaced by Home. nil means DefaultEnv(os.Getenv).
	Env []string
	// Dir is the working directory; "" means Home.
	Dir string
	// Timeout bounds each shell run; 0 means DefaultTimeout.
	Timeout time.Duration
	// Shells to sweep; nil means Detect with Env's PATH.
	Shells []Shell
	// Modes to sweep; nil means Modes (login and interactive).
	Modes []Mode
	// Parallel is how many shells Sweep runs at once; 0 means twice the
	// number of CPUs, at least 4 (a shell starting up mostly waits on
	// exec and the disk: on 2 cores a sweep of 5 shells x 2 modes took
	// 408 ms one at a time, 249 ms two at a time, 190 ms four at a time).
	Parallel int
}

// DefaultTimeout is how long one shell may take to start and report.
// Startup files that load nvm, conda or oh-my-zsh take a second or two on
// a slow machine; a shell still running after this is taken as hung.
const DefaultTimeout = 15 * time.Second

// Output caps: what startup files print is kept for the report, up to a
// point; a file printing without end must not exhaust memory.
const (
	chatterCap = 64 << 10
	traceCap   = 64 << 20
	resultCap  = 8 << 20
)

// Sweep starts every shell in opts.Shells in every mode of opts.Modes, at
// most opts.Parallel at a time, and returns the results in shell order,
// then mode order. It returns when all have reported, timed out or been
// killed because ctx ended.
func Sweep(ctx context.Context, opts Options) []Result {
	shells := opts.Shells
	if shells == nil {
		shells = Detect(envValue(opts.env(), "PATH"))
	}
	modes := opts.Modes
	if modes == nil {
		modes = Modes
	}
	par := opts.Parallel
	if par <= 0 {
		par = max(2*runtime.NumCPU(), 4)
	}
	out := make([]Result, len(shells)*len(modes))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, sh := range shells {
		for j, m := range modes {
			wg.Go(func() {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					out[i*len(modes)+j] = Result{Shell: sh.Name, Program: sh.Program, Mode: m, Err: fmt.Errorf("%s %s shell not started: %w", sh.Name, m, ctx.Err())}
					return
				}
				defer func() { <-sem }()
				out[i*len(modes)+j] = Run(ctx, sh, m, opts)
			})
		}
	}
	wg.Wait()
	return out
}

func (o Options) env() []string {
	if o.Env == nil {
		return DefaultEnv(os.Getenv)
	}
	return o.Env
}

func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// Run starts sh fresh in mode, with opts' home and environment, and
// reports what it ended up with and which assignments got it there. It
// always returns within opts.Timeout (plus a moment to collect output), or
// sooner when ctx ends; a failure is in Result.Err.
func Run(ctx context.Context, sh Shell, mode Mode, opts Options) (r Result) {
	start := time.Now()
	r = Result{Shell: sh.Name, Program: sh.Program, Mode: mode}
	defer func() { r.Duration = time.Since(start) }()
	if !filepath.IsAbs(opts.Home) {
		r.Err = fmt.Errorf("shellenv: home directory %q is not absolute", opts.Home)
		return r
	}
	env := make([]string, 0, len(opts.env())+4)
	for _, kv := range opts.env() {
		k, _, _ := strings.Cut(kv, "=")
		// The trace's settings are ours alone: inherited ones would turn
		// tracing off or send it elsewhere.
		if k == "HOME" || k == "PS4" || k == "BASH_XTRACEFD" || k == "fish_trace" || strings.HasPrefix(k, "BASH_FUNC_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+opts.Home)
	initial := envMap(env)

	tok, err := token()
	if err != nil {
		r.Err = err
		return r
	}
	inv := invocation(sh, mode, tok, initial)
	if inv.ps4 != "" {
		env = append(env, "PS4="+inv.ps4)
	}
	env = append(env, inv.env...)
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// Every output goes through a pipe of our own, not exec's copying
	// goroutines: a background job a startup file started may hold them
	// open long after the shell exits, and waiting for it is not ours to
	// do.
	var pipes [4]struct {
		r, w *os.File
		buf  capped
	}
	limits := [4]int{chatterCap, chatterCap, traceCap, resultCap}
	for i := range pipes {
		pr, pw, err := os.Pipe()
		if err != nil {
			for j := 0; j < i; j++ {
				pipes[j].r.Close()
				pipes[j].w.Close()
			}
			r.Err = fmt.Errorf("shellenv: %w", err)
			return r
		}
		pipes[i].r, pipes[i].w, pipes[i].buf.limit = pr, pw, limits[i]
	}
	stdout, stderr, trace, res := &pipes[0], &pipes[1], &pipes[2], &pipes[3]
	cmd := exec.CommandContext(rctx, sh.Program, inv.args...)
	cmd.Env = env
	cmd.Dir = opts.Dir
	if cmd.Dir == "" {
		cmd.Dir = opts.Home
	}
	cmd.Stdin = nil // /dev/null: a startup file that reads gets end of file
	cmd.Stdout = stdout.w
	cmd.Stderr = stderr.w
	if inv.traceOnStderr {
		cmd.Stderr = trace.w
	}
	cmd.ExtraFiles = []*os.File{trace.w, res.w} // fd 3: bash's xtrace; fd 4: results
	setProcAttr(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process) }

	var readers sync.WaitGroup
	for i := range pipes {
		p := &pipes[i]
		readers.Go(func() { io.Copy(&p.buf, p.r) })
	}
	runErr := cmd.Start()
	for i := range pipes {
		pipes[i].w.Close()
	}
	if runErr == nil {
		runErr = cmd.Wait()
		// Whatever the startup files left running in the background goes
		// too: a probe must not leave processes behind.
		killGroup(cmd.Process)
	}
	// A process that escaped the group may still hold the pipes open;
	// what it has not written by now is not ours.
	for i := range pipes {
		pipes[i].r.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	}
	readers.Wait()
	for i := range pipes {
		pipes[i].r.Close()
	}
	r.Stdout = stdout.buf.String()
	r.Stderr = stderr.buf.String()

	var tr traceResult
	if sh.Traceable() {
		tr = parseTrace(trace.buf.Bytes(), tok, sh.Name, initial)
		r.Assignments, r.Files, r.Traced = tr.assignments, tr.files, true
		if inv.traceOnStderr {
			r.Stderr = capString(tr.chatter, chatterCap)
		}
		if !tr.complete {
			r.TraceNote = "the trace ended before the startup files did (a startup file turned xtrace off, moved standard error, exited or hung), so assignments after " + tr.last + " are missing"
		}
		if trace.buf.truncated {
			r.TraceNote = fmt.Sprintf("the trace was cut at %d MB, so later assignments are missing", traceCap>>20)
		}
		r.Assignments = annotate(r.Assignments)
	} else {
		st := Static(sh.Name, mode, opts.Home, mapGetenv(initial))
		r.Assignments, r.Files = st.Assignments, st.Files
	}

	got, perr := parseResult(res.buf.Bytes(), tok)
	if perr == nil {
		r.Env = got.env
		delete(r.Env, "PS4")
		r.Go = got.goPath
		r.PathValue, r.PathSet = r.Env["PATH"]
		if r.PathSet {
			r.Path = strings.Split(r.PathValue, ":")
		}
		r.GoEnv = map[string]string{}
		for k, v := range r.Env {
			if strings.HasPrefix(k, "GO") || k == "CGO_ENABLED" {
				r.GoEnv[k] = v
			}
		}
	}
	where := ""
	if tr.last != "" {
		where = " (last traced: " + tr.last + ")"
	}
	switch {
	case ctx.Err() != nil:
		r.Err = fmt.Errorf("%s %s shell stopped: %w", sh.Name, mode, ctx.Err())
	case rctx.Err() != nil:
		r.Err = fmt.Errorf("%s %s shell did not finish within %s and was killed; a startup file may wait for input or hang%s", sh.Name, mode, timeout, where)
	case runErr != nil && isStartErr(runErr):
		r.Err = fmt.Errorf("cannot start %s: %w", sh.Program, runErr)
	case perr != nil:
		status := ""
		if runErr != nil {
			status = " (" + runErr.Error() + ")"
		}
		r.Err = fmt.Errorf("%s %s shell exited%s before reporting its environment; a startup file may call exit or fail%s: %w", sh.Name, mode, status, where, perr)
	}
	return r
}

func isStartErr(err error) bool {
	var ee *exec.ExitError
	return !errors.As(err, &ee)
}

// invocationSpec is how to start one shell in one mode.
type invocationSpec struct {
	args []string
	// ps4 is put in the environment (zsh and ksh import it; bash as root
	// does not, so bash sets it in its -c script).
	ps4 string
	// traceOnStderr: zsh and ksh write xtrace to standard error, which
	// then goes to the trace pipe, and the token separates the records
	// from the startup files' own output.
	traceOnStderr bool
	// env is added to the shell's environment.
	env []string
}

// The probe runs after the startup files: it ends tracing, then writes
// the environment and the go the shell finds to fd 4 as NUL-terminated
// records between token marks. set +e and set +u first, since a startup
// file may have set them; env by its full name, since a startup file may
// define a function called env.
func posixProbe(tok string) string {
	return ": " + tok + "probe; set +x; set +e +u 2>/dev/null; " +
		"{ printf '%s\\000' '" + tok + "begin'; command env -0; printf '%s\\000' '" + tok + "go'; command -v go; printf '%s\\000' '" + tok + "end'; } >&4 2>/dev/null"
}

func fishProbe(tok string) string {
	return "begin; printf '%s\\0' '" + tok + "begin'; command env -0; printf '%s\\0' '" + tok + "go'; command -v go; printf '%s\\0' '" + tok + "end'; end >&4 2>/dev/null"
}

func invocation(sh Shell, mode Mode, tok string, initialEnv map[string]string) invocationSpec {
	login := mode == Login
	// PS4: "+" (which bash repeats for nesting), the token, then
	// subshell level, line and file, separated by \x1f.
	const us = "\x1f"
	switch sh.Name {
	case "bash":
		// bash ignores PS4 from the environment when run as root, so it
		// is set in the script, and bash is told not to read its startup
		// files itself; the script reads them in bash's own order
		// (StartupFiles), with bash already a login and interactive
		// shell, so that every test in them ($-, shopt login_shell) sees
		// what it would.
		ps4 := "+" + tok + us + "${BASH_SUBSHELL}" + us + "${LINENO}" + us + "${BASH_SOURCE[0]}" + us
		var b strings.Builder
		b.WriteString("BASH_XTRACEFD=3; PS4='" + ps4 + "'; set -x; ")
		b.WriteString(bashSources(mode))
		b.WriteString(posixProbe(tok))
		b.WriteString("; unset BASH_XTRACEFD")
		args := []string{"--noprofile", "--norc"}
		if login {
			args = append(args, "-l")
		}
		return invocationSpec{args: append(args, "-i", "-c", b.String())}
	case "zsh":
		ps4 := "+" + tok + us + "${ZSH_SUBSHELL}" + us + "%I" + us + "%x" + us
		args := []string{"-o", "promptsubst", "-x"}
		if login {
			args = append(args, "-l")
		}
		return invocationSpec{args: append(args, "-i", "-c", posixProbe(tok)), ps4: ps4, traceOnStderr: true}
	case "ksh":
		// ksh93 miscounts LINENO in the profiles it reads itself once
		// they source a file (ksh93u+m 1.0.4: every later line is off by
		// the sourced file's length), but not in files sourced from -c.
		// So, as for bash, the script reads the startup files in ksh's
		// order; ENV=/dev/null keeps ksh from reading $ENV itself, and
		// the script puts the user's ENV back first.
		ps4 := "+" + tok + us + "${.sh.subshell}" + us + "${LINENO}" + us + "${.sh.file}" + us
		var b strings.Builder
		b.WriteString("PS4='" + ps4 + "'; ")
		if v, ok := initialEnv["ENV"]; ok {
			b.WriteString("ENV=" + shQuote(v) + "; ")
		} else {
			b.WriteString("unset ENV; ")
		}
		b.WriteString("set -x; ")
		b.WriteString(kshSources(mode))
		b.WriteString(posixProbe(tok))
		return invocationSpec{args: []string{"-i", "-c", b.String()}, traceOnStderr: true, env: []string{"ENV=/dev/null"}}
	case "fish":
		var args []string
		if login {
			args = append(args, "-l")
		}
		return invocationSpec{args: append(args, "-i", "-c", fishProbe(tok))}
	default: // dash, sh, mksh
		var args []string
		if login {
			args = append(args, "-l")
		}
		return invocationSpec{args: append(args, "-i", "-c", posixProbe(tok))}
	}
}

// bashSources reads bash's startup files for mode in bash's order, with
// HOME as the shell has it: /etc/profile, then the first of
// ~/.bash_profile, ~/.bash_login and ~/.profile that exists, for login
// shells; /etc/bash.bashrc (where this bash was built to read it) and
// ~/.bashrc for the others.
func bashSources(mode Mode) string {
	if mode == Login {
		return `if [ -e /etc/profile ]; then . /etc/profile; fi; ` +
			`if [ -e "$HOME/.bash_profile" ]; then . "$HOME/.bash_profile"; elif [ -e "$HOME/.bash_login" ]; then . "$HOME/.bash_login"; elif [ -e "$HOME/.profile" ]; then . "$HOME/.profile"; fi; `
	}
	return `if [ -e /etc/bash.bashrc ]; then . /etc/bash.bashrc; fi; if [ -e "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi; `
}

// kshSources reads ksh93's startup files in its order: /etc/profile and
// ~/.profile for login shells, then /etc/ksh.kshrc and the file $ENV
// names after expansion (~/.kshrc when ENV is unset) for interactive ones.
func kshSources(mode Mode) string {
	s := ""
	if mode == Login {
		s = `if [ -e /etc/profile ]; then . /etc/profile; fi; if [ -e "$HOME/.profile" ]; then . "$HOME/.profile"; fi; `
	}
	return s + `if [ -e /etc/ksh.kshrc ]; then . /etc/ksh.kshrc; fi; ` +
		`if [ "${ENV+set}" = set ]; then eval "__gosetup_env=\"$ENV\""; else __gosetup_env="$HOME/.kshrc"; fi; ` +
		`if [ -n "$__gosetup_env" ] && [ -e "$__gosetup_env" ]; then . "$__gosetup_env"; fi; unset __gosetup_env; `
}

// shQuote quotes s for any POSIX shell.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func token() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("shellenv: %w", err)
	}
	return "gs" + hex.EncodeToString(b[:]), nil
}

// parsedResult is what the probe wrote to fd 4.
type parsedResult struct {
	env    map[string]string
	goPath string
}

func parseResult(b []byte, tok string) (parsedResult, error) {
	var p parsedResult
	i := bytes.Index(b, []byte(tok+"begin\x00"))
	if i < 0 {
		return p, errors.New("no report from the shell")
	}
	b = b[i+len(tok)+len("begin")+1:]
	g := bytes.Index(b, []byte(tok+"go\x00"))
	e := bytes.Index(b, []byte(tok+"end\x00"))
	if g < 0 || e < g {
		return p, errors.New("the shell's report was cut short")
	}
	p.env = map[string]string{}
	for _, kv := range bytes.Split(b[:g], []byte{0}) {
		if k, v, ok := bytes.Cut(kv, []byte("=")); ok && len(k) > 0 {
			p.env[string(k)] = string(v)
		}
	}
	p.goPath = strings.TrimRight(string(b[g+len(tok)+len("go")+1:e]), "\n")
	return p, nil
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func mapGetenv(m map[string]string) Getenv {
	return func(k string) string { return m[k] }
}

// capped is an io.Writer that keeps the first limit bytes and drops the
// rest, so that a startup file printing without end costs no memory.
type capped struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.limit - c.buf.Len(); room < len(p) {
		c.truncated = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return c.buf.Write(p)
}

func (c *capped) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Bytes()
}

func (c *capped) String() string { return string(c.Bytes()) }

func capString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
