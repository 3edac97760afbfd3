package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/toolchain"
)

// listEntry is one line of `gosetup list --json`. The schema is documented
// in the README; add fields, never rename or remove them.
type listEntry struct {
	Version   string       `json:"version"`
	Stable    bool         `json:"stable"`
	Archive   *listArchive `json:"archive"` // null when only the module channel has it
	Module    bool         `json:"module"`
	Installed bool         `json:"installed"`
}

type listArchive struct {
	Filename string `json:"filename"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
}

// runList implements `gosetup list`: the Go versions installable on this
// OS and architecture, newest first, marking the installed one.
func runList(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("list", "[--all] [--json] [--dir DIR] [--mirrors FILE]")
	all := fs.Bool("all", false, "include unstable releases (betas and release candidates)")
	asJSON := fs.Bool("json", false, "print a JSON array (schema in the README)")
	dir := fs.String("dir", "", "the installation to check for the installed marker (`DIR`; default: gosetup's default install directory)")
	mirrors := mirrorsFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("list takes no arguments, got %q (to install a version run: gosetup install %s)", rest[0], rest[0])
	}
	cat, client, err := a.network(*mirrors)
	if err != nil {
		return err
	}
	host := dist.Host()
	f := &toolchain.Finder{Client: client, Catalog: cat, Platform: host}

	// Ask the sources and the local go commands at the same time: both
	// can take a moment.
	type found struct {
		set *toolchain.ReleaseSet
		err error
	}
	ch := make(chan found, 1)
	go func() {
		set, err := f.Releases(ctx)
		ch <- found{set, err}
	}()
	installDir := *dir
	if installDir == "" {
		installDir = toolchain.DefaultDir(runtime.GOOS, toolchain.IsRoot(), a.getenv)
	}
	installs := findInstalled(ctx, installDir, a.getenv)
	res := <-ch
	if res.err != nil {
		return withCatalogAdvice("list", res.err)
	}
	for _, w := range res.set.Warnings {
		fmt.Fprintf(a.stderr, "gosetup: warning: %s\n", w)
	}

	installed := map[string]bool{}
	for _, in := range installs {
		installed[in.version] = true
	}
	rels := res.set.Installable(host, *all)
	entries := make([]listEntry, 0, len(rels))
	for _, r := range rels {
		e := listEntry{Version: r.Version, Stable: r.Stable, Module: r.HasModule(host), Installed: installed[r.Version]}
		if file, ok := r.Archive(host); ok {
			e.Archive = &listArchive{Filename: file.Filename, SHA256: file.SHA256, Size: file.Size}
		}
		entries = append(entries, e)
	}

	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(entries); err != nil {
			return err
		}
	} else {
		writeListTable(a.stdout, entries)
	}
	sources := []string{}
	if res.set.IndexSource != "" {
		sources = append(sources, "release index "+res.set.IndexSource)
	}
	if res.set.ModuleSource != "" {
		sources = append(sources, "module proxy "+res.set.ModuleSource)
	}
	fmt.Fprintf(a.stderr, "%d Go versions installable on %s (from %s)\n", len(entries), host, strings.Join(sources, " and "))
	for _, in := range installs {
		note := ""
		if !containsVersion(entries, in.version) {
			note = " (not in this list)"
		}
		fmt.Fprintf(a.stderr, "installed: %s at %s%s\n", in.version, in.where, note)
	}
	return nil
}

func containsVersion(entries []listEntry, v string) bool {
	for _, e := range entries {
		if e.Version == v {
			return true
		}
	}
	return false
}

func writeListTable(w io.Writer, entries []listEntry) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range entries {
		var ch []string
		if e.Archive != nil {
			ch = append(ch, "archive")
		}
		if e.Module {
			ch = append(ch, "module")
		}
		mark := ""
		if e.Installed {
			mark = "(installed)"
		}
		if !e.Stable && mark == "" {
			mark = "(unstable)"
		} else if !e.Stable {
			mark = "(unstable, installed)"
		}
		if mark == "" {
			fmt.Fprintf(tw, "%s\t%s\n", e.Version, strings.Join(ch, ","))
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Version, strings.Join(ch, ","), mark)
		}
	}
	tw.Flush()
}

// installedGo is a Go found on this machine.
type installedGo struct {
	version string // "go1.22.5"
	where   string // its GOROOT or the go binary's path
}

// findInstalled is the installation in dir and the go first on PATH (when
// it is another one), as toolchain.FindInstalled finds them. What cannot
// be run is not installed, as far as the marker is concerned.
func findInstalled(ctx context.Context, dir string, getenv func(string) string) []installedGo {
	var out []installedGo
	for _, in := range toolchain.FindInstalled(ctx, getenv, dir) {
		if in.Version == "" || in.OnPath > 0 {
			continue
		}
		where := in.GOROOT
		if in.OnPath == 0 {
			where = in.Go + " (on PATH)"
		}
		out = append(out, installedGo{version: in.Version, where: where})
	}
	return out
}
