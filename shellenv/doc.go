// Package shellenv finds out what a fresh shell really ends up with, and
// why: for each installed shell (bash, zsh, fish, dash, ksh), started anew
// as a login shell and as an interactive one, with HOME given and the
// environment a new terminal would have, it reports PATH, the go the shell
// finds and the GO* variables the go command sees, and every assignment of
// PATH, GOROOT, GOPATH or GO* that led there, with its file and line.
//
// bash, zsh and ksh say themselves which assignments they executed: they
// run with xtrace and a PS4 naming the file and line, and the trace goes
// to a channel the startup files' own output cannot forge (a random token
// delimits each record; bash writes it to its own file descriptor). bash
// ignores PS4 from the environment when run as root, and ksh93 miscounts
// LINENO in the profiles it reads itself, so these two are started as
// login or interactive shells told not to read their startup files, and
// the -c script reads them in the shell's own order (StartupFiles); tests
// check that this gives what the shell gets reading them itself. zsh
// reads its own files. dash
// and fish cannot name the file in a trace, so their assignments come from
// static parsing: mvdan.cc/sh for POSIX files, following "." and "source"
// of literal paths, and a small scanner for fish's set and fish_add_path.
//
// Results always come back through a separate file descriptor as
// NUL-delimited records (env -0), so a startup file that prints, exits,
// reads stdin or hangs cannot corrupt them, and a shell that hangs is
// killed with its process group when the timeout or the context ends.
//
// The package also knows which startup files each shell reads in each mode
// (StartupFiles) and exposes its static parser (ParseSh, ParseFish), which
// gives the byte range of each assignment so that repairs can edit
// exactly those bytes.
package shellenv
