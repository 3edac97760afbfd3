package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/toolchain"
)

// domainPackages are the packages every face calls; their errors must not
// name a command-line flag, because the wizard has none (the face that has
// flags adds that advice).
var domainPackages = []string{
	"setup", "toolchain", "probe", "envwriter", "shellenv", "doctor", "selfupdate",
	"internal/catalog", "internal/httpx", "internal/dist", "internal/userenv",
	"internal/filelock", "internal/buildinfo",
}

// flagName is a long flag as the command line spells it: " --kind",
// "(--mirrors".
var flagName = regexp.MustCompile(`(^|[\s(\[,'"])--[a-z][a-z-]*`)

// TestDomainErrorsNameNoFlags parses the domain packages' non-test files and
// fails on an error text that names a flag: a string literal given to
// fmt.Errorf, errors.New or the probe's failf, or one inside an Error method.
func TestDomainErrorsNameNoFlags(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range domainPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s (%v): keep domainPackages up to date", dir, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			report := func(n ast.Node) {
				ast.Inspect(n, func(n ast.Node) bool {
					lit, ok := n.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return true
					}
					s, err := strconv.Unquote(lit.Value)
					if err == nil && flagName.MatchString(s) {
						t.Errorf("%s: error text names a command-line flag (%q): return a typed error and let the face add the advice", fset.Position(lit.Pos()), flagName.FindString(s))
					}
					return true
				})
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if n.Recv != nil && n.Name.Name == "Error" && n.Body != nil {
						report(n.Body)
						return false
					}
				case *ast.CallExpr:
					if isErrorCall(n.Fun) {
						for _, a := range n.Args {
							report(a)
						}
					}
				}
				return true
			})
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files", checked)
	}
}

func isErrorCall(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && (x.Name == "fmt" && f.Sel.Name == "Errorf" || x.Name == "errors" && f.Sel.Name == "New")
	case *ast.Ident:
		return f.Name == "failf"
	}
	return false
}

// The command line puts back, for its own flags, the advice the domain
// packages no longer give.
func TestFaceAddsFlagAdvice(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"nothing to write", envAdvice(envwriter.ErrNothingToWrite).Error(), "--proxy"},
		{"go env moved", envAdvice(&envwriter.GoEnvMovedError{Wrote: "a", Reads: "b"}).Error(), "gosetup uninstall --keep-toolchain"},
		{"unsafe toolchain dir", envAdvice(fmt.Errorf("uninstall: %w", &envwriter.UnsafeToolchainDirError{Dir: "/usr", Reason: "is not a Go toolchain"})).Error(), "--keep-toolchain"},
		{"no throughput time", detail(probe.Result{Kind: catalog.KindArchive, OK: true, ThroughputCutShort: true, Note: "no time left"}), "raise --timeout"},
		{"no version", detail(probe.Result{Kind: catalog.KindArchive, Error: "no proxy answered", Failure: probe.FailNoVersion}), "--kind proxy"},
		{"missing sumdb", withCatalogAdvice("install", &toolchain.MissingSumDBError{}).Error(), "--mirrors FILE"},
	}
	for _, c := range cases {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s: %q lacks %q", c.name, c.got, c.want)
		}
	}
	// The face keeps the domain error reachable.
	if err := envAdvice(envwriter.ErrNothingToWrite); !errors.Is(err, envwriter.ErrNothingToWrite) {
		t.Errorf("advice lost the error: %v", err)
	}
}
