package shellenv

import (
	"strconv"
	"strings"
	"time"
)

// Mode is how a shell is started.
type Mode string

const (
	// Login is a login shell that is also interactive, as a terminal
	// login, ssh or macOS's Terminal start one (bash -l -i).
	Login Mode = "login"
	// Interactive is an interactive shell that is not a login shell, as a
	// terminal window on a Linux desktop starts one (bash -i).
	Interactive Mode = "interactive"
)

// Modes are both modes, login first.
var Modes = []Mode{Login, Interactive}

// Op says what an assignment does to its variable.
type Op string

const (
	OpSet     Op = "set"     // NAME=value, not (yet) exported by this statement
	OpExport  Op = "export"  // export NAME=value, export NAME, declare -x, set -x
	OpAppend  Op = "append"  // PATH=$PATH:dir, set -a PATH dir, fish_add_path -a
	OpPrepend Op = "prepend" // PATH=dir:$PATH, set -p PATH dir, fish_add_path
	OpUnset   Op = "unset"   // unset NAME, set -e NAME
)

// Range is a byte range [Start, End) in a file.
type Range struct {
	Start, End int
}

// Assignment is one assignment of a variable that a shell executed (from
// its trace) or that a startup file contains (from static parsing).
type Assignment struct {
	Var string
	// Value is the variable's value after the statement: as the shell
	// computed it when traced; as written (quotes removed) when static.
	// Empty for OpUnset.
	Value string
	File  string
	Line  int // 1-based
	Op    Op
	// Export is true when the statement marks the variable for export, so
	// that the go command sees it (export, declare -x, set -x, or a later
	// export of the same name in a trace). Op is OpExport for a plain
	// export, but OpPrepend or OpAppend for export PATH=dir:$PATH.
	Export bool
	// Shell is the shell that executed it, or whose syntax the file is in.
	Shell string
	// Traced is true when the shell's own trace reported it, so it really
	// ran; false for static attribution.
	Traced bool

	// The rest is filled in by static parsing only.

	// Raw is the value as written in the file, with its quotes and
	// expansions ($HOME/bin:$PATH).
	Raw string
	// Literal is true when Raw has no expansion, so Value is exact.
	Literal bool
	// Cond is true when the statement is inside an if, case, loop,
	// function or after && or ||, so it may not run.
	Cond bool
	// Word is the byte range of the assignment itself (GOPROXY=x inside
	// export A=1 GOPROXY=x; for fish the whole command).
	Word Range
	// Stmt is the byte range of the whole command that holds it, as the
	// parser has it: for sh it includes a terminating ; or & but not the
	// line's end or a comment. Names lists every variable that command
	// assigns. A Cond statement is part of a larger command (if, &&, a
	// function): replace it with ":" rather than delete it.
	Stmt  Range
	Names []string

	// prefix marks an assignment before a command (GOFLAGS=x go build),
	// which lasts only for that command: kept internally so that a trace
	// record of it (bash traces it as if it were an assignment of its
	// own) can be told apart.
	prefix bool
}

// String is file:line: VAR op value, for messages and test failures.
func (a Assignment) String() string {
	var b strings.Builder
	b.WriteString(a.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(a.Line))
	b.WriteString(": ")
	b.WriteString(string(a.Op))
	b.WriteByte(' ')
	b.WriteString(a.Var)
	if a.Op != OpUnset {
		b.WriteByte('=')
		b.WriteString(a.Value)
	}
	if a.Export && a.Op != OpExport {
		b.WriteString(" (exported)")
	}
	return b.String()
}

// Result is what one shell started in one mode ended up with.
type Result struct {
	Shell   string // family: bash, zsh, fish, dash, ksh, sh
	Program string // the program started
	Mode    Mode

	// Path is PATH split into its entries, in order (an empty entry is
	// kept as ""); PathValue is PATH as it is.
	Path      []string
	PathValue string
	// PathSet is false when the shell ended with no PATH at all.
	PathSet bool
	// Go is what `command -v go` prints: a path, an alias or function
	// definition, or "" when the shell finds no go.
	Go string
	// GoEnv holds the exported variables the go command reads from its
	// environment: every GO* name (GOROOT, GOPATH, GOPROXY, GOSUMDB,
	// GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE, GOFLAGS, GO111MODULE,
	// GOTOOLCHAIN, GOENV, GOBIN, ...) and CGO_ENABLED.
	GoEnv map[string]string
	// Env is the whole exported environment the shell ended with.
	Env map[string]string

	// Files are the startup files the shell read, in order: from the
	// trace when traced, else the files StartupFiles lists that exist,
	// with the files they source.
	Files []string
	// Assignments of PATH, GOROOT, GOPATH and GO*, in execution order.
	Assignments []Assignment
	// Traced is true when Assignments come from the shell's own trace.
	Traced bool
	// TraceNote says why the trace may be incomplete (a startup file
	// turned xtrace off or moved stderr), "" when it is complete.
	TraceNote string

	// Stdout and Stderr are what the startup files printed (capped).
	Stdout, Stderr string
	Duration       time.Duration
	// Err is set when the shell could not report: it failed to start,
	// timed out, or exited before printing its results. The other fields
	// hold what was learnt before.
	Err error
}

// Lookup returns the last assignment of name in r, if any.
func (r *Result) Lookup(name string) (Assignment, bool) {
	for i := len(r.Assignments) - 1; i >= 0; i-- {
		if r.Assignments[i].Var == name {
			return r.Assignments[i], true
		}
	}
	return Assignment{}, false
}

// Wanted reports whether a variable is one whose assignments are
// attributed: PATH and every GO* variable (GOROOT, GOPATH, GOPROXY, ...),
// and CGO_ENABLED.
func Wanted(name string) bool {
	return name == "PATH" || strings.HasPrefix(name, "GO") || name == "CGO_ENABLED"
}
