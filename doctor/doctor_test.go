package doctor

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	all, err := Select(nil)
	if err != nil || len(all) != len(Checks()) {
		t.Fatalf("Select(nil) = %d checks, %v", len(all), err)
	}
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c.ID] || !strings.Contains(c.ID, ".") || c.Summary == "" || c.run == nil {
			t.Errorf("check %q: duplicate, unnamespaced, without summary or without run", c.ID)
		}
		seen[c.ID] = true
	}
	sec, err := Select([]string{"security"})
	if err != nil || len(sec) < 5 {
		t.Fatalf("Select(security) = %v, %v", sec, err)
	}
	for _, c := range sec {
		if !strings.HasPrefix(c.ID, "security.") {
			t.Errorf("Select(security) has %s", c.ID)
		}
	}
	var unknown *UnknownCheckError
	if _, err := Select([]string{"path.nonsense"}); !errors.As(err, &unknown) || unknown.ID != "path.nonsense" {
		t.Errorf("unknown check: %v", err)
	}
	one, _ := Select([]string{"goroot.exported", "goroot.exported"})
	if len(one) != 1 {
		t.Errorf("a check named twice runs %d times", len(one))
	}
}

func TestRunsOnlyNamedChecks(t *testing.T) {
	w := newWorld(t)
	rep := w.run(Options{}, "path.hygiene")
	if len(rep.Checks) != 1 || rep.Checks[0] != "path.hygiene" {
		t.Fatalf("ran %v", rep.Checks)
	}
	for _, f := range rep.Findings {
		if f.Check != "path.hygiene" {
			t.Errorf("finding of %s", f.Check)
		}
	}
}

func TestGoNotFound(t *testing.T) {
	w := newWorld(t)
	rep := w.run(Options{}, "go.found")
	must(t, rep, "go.found", Fail, "go: command not found")

	// gosetup's toolchain is there, but its bin is not on PATH.
	bin := w.fakeGo("sdk/go", "go1.26.3")
	w.manage(filepath.Dir(bin))
	rep = w.run(Options{}, "go.found")
	f := must(t, rep, "go.found", Fail, "gosetup installed Go in "+filepath.Dir(bin))
	if !f.Repairable || f.Repair == nil || f.Repair.PathFirst != bin {
		t.Errorf("not repairable by putting %s first: %+v", bin, f.Repair)
	}
}

func TestOldGoShadowsGosetups(t *testing.T) {
	w := newWorld(t)
	old := w.fakeGo("old", "go1.20.1")
	ours := w.fakeGo(".local/go", "go1.26.3")
	w.manage(filepath.Dir(ours))
	w.setPath(old, ours, "/usr/bin", "/bin")
	rep := w.run(Options{}, "path.go-shadowed")
	f := must(t, rep, "path.go-shadowed", Fail, "the first go on PATH is "+filepath.Join(old, "go")+" (go1.20.1), not gosetup's")
	if f.Repair == nil || f.Repair.PathFirst != ours {
		t.Errorf("repair hint %+v, want %s first", f.Repair, ours)
	}
	must(t, rep, "path.go-shadowed", Warn, "is older than")
	if len(rep.Gos) != 2 || rep.Gos[0].Version != "go1.20.1" || !rep.Gos[1].Managed || rep.Gos[1].GOROOT != filepath.Dir(ours) {
		t.Errorf("gos = %+v", rep.Gos)
	}

	w.setPath(ours, old, "/usr/bin")
	rep = w.run(Options{}, "path.go-shadowed")
	must(t, rep, "path.go-shadowed", OK, "gosetup's")
}

func TestCVE202642501(t *testing.T) {
	cases := []struct {
		version, proxy string
		sev            Severity
	}{
		{"go1.26.2", "https://goproxy.cn,direct", Fail},
		{"go1.26.3", "https://goproxy.cn,direct", OK},
		{"go1.25.9", "https://goproxy.io", Fail},
		{"go1.25.10", "https://goproxy.io", OK},
		{"go1.24.13", "https://goproxy.io", Fail},
		{"go1.27.0", "https://goproxy.io", OK},
		{"go1.26.2", "https://proxy.golang.org,direct", OK},
		{"go1.26.2", "https://proxy.golang.org/|direct", OK},
		{"go1.26.2", "", OK}, // the default
	}
	for _, c := range cases {
		w := newWorld(t)
		bin := w.fakeGo("go", c.version)
		w.setPath(bin, "/usr/bin")
		if c.proxy != "" {
			w.env["GOPROXY"] = c.proxy
		}
		rep := w.run(Options{}, "security.cve-2026-42501")
		got := find(rep, "security.cve-2026-42501", c.sev)
		if len(got) != 1 {
			t.Errorf("%s with GOPROXY=%q: want one %s finding:\n%s", c.version, c.proxy, c.sev, dump(rep))
			continue
		}
		if c.sev == Fail && (!hasSource(got[0], SourceProcess, "GOPROXY", 0) || !strings.Contains(got[0].Fix, "gosetup install")) {
			t.Errorf("%s: sources or fix wrong: %+v", c.version, got[0])
		}
	}
}

func TestCVEProxyFromGoEnvFile(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.2")
	w.setPath(bin, "/usr/bin")
	envFile := w.write(".config/go/env", "GOFLAGS=-mod=mod\nGOPROXY=https://goproxy.cn,direct\n")
	rep := w.run(Options{}, "security.cve-2026-42501")
	f := must(t, rep, "security.cve-2026-42501", Fail, "go1.26.2 with the third-party GOPROXY https://goproxy.cn")
	if !hasSource(f, SourceGoEnv, envFile, 2) {
		t.Errorf("want the Go env file, line 2:\n%s", dump(rep))
	}
}

func TestPathEntries(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	missing := filepath.Join(w.home, "nothing", "bin")
	w.env["PATH"] = bin + "::/usr/bin:.:" + missing + ":/usr/bin:relative/bin"
	rep := w.run(Options{}, "security.path-cwd", "path.hygiene")
	must(t, rep, "security.path-cwd", Warn, "an empty entry")
	must(t, rep, "security.path-cwd", Warn, `"."`)
	f := must(t, rep, "path.hygiene", Warn, missing+`" does not exist`)
	if !f.Repairable || f.Repair.DropPath[0] != missing {
		t.Errorf("missing entry not repairable: %+v", f.Repair)
	}
	must(t, rep, "path.hygiene", Warn, `"/usr/bin" more than once`)
	must(t, rep, "path.hygiene", Warn, `"relative/bin" is relative`)
}

func TestGorootExported(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	stale := w.fakeGo("go-old", "go1.21.0")
	w.setPath(bin, "/usr/bin")
	w.env["GOROOT"] = filepath.Dir(stale)
	rep := w.run(Options{}, "goroot.exported")
	must(t, rep, "goroot.exported", Fail, "GOROOT="+filepath.Dir(stale)+" is exported, but the go on PATH")

	w.env["GOROOT"] = filepath.Dir(bin)
	rep = w.run(Options{}, "goroot.exported")
	must(t, rep, "goroot.exported", Warn, "matches the go on PATH today")

	delete(w.env, "GOROOT")
	rep = w.run(Options{}, "goroot.exported")
	must(t, rep, "goroot.exported", OK, "not set")
}

func TestGopathInsideGoroot(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	w.env["GOPATH"] = filepath.Join(filepath.Dir(bin), "work")
	rep := w.run(Options{}, "goroot.gopath")
	must(t, rep, "goroot.gopath", Fail, "is GOROOT")
	w.env["GOPATH"] = filepath.Join(w.home, "gowork")
	rep = w.run(Options{}, "goroot.gopath")
	must(t, rep, "goroot.gopath", OK, "outside GOROOT")
}

func TestGopathBin(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("sdk/go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	rep := w.run(Options{}, "path.gopath-bin")
	f := must(t, rep, "path.gopath-bin", Warn, filepath.Join(w.home, "go", "bin")+", which is not on PATH")
	if f.Repair == nil || f.Repair.AddPath != filepath.Join(w.home, "go", "bin") {
		t.Errorf("repair %+v", f.Repair)
	}
	w.setPath(bin, filepath.Join(w.home, "go", "bin"))
	rep = w.run(Options{}, "path.gopath-bin")
	must(t, rep, "path.gopath-bin", OK, "is on PATH")
}

func TestSecuritySettings(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	w.env["GOSUMDB"] = "off"
	w.env["GOPRIVATE"] = "corp.example.com/*,github.com/*"
	w.env["GOINSECURE"] = "*"
	w.env["GONOSUMDB"] = "corp.example.com"
	rep := w.run(Options{}, "security")
	must(t, rep, "security.sumdb-off", Warn, "GOSUMDB=off")
	must(t, rep, "security.public-unverified", Warn, `GOPRIVATE pattern "github.com/*" covers public modules`)
	must(t, rep, "security.public-unverified", Fail, `GOINSECURE pattern "*"`)
	for _, f := range rep.Findings {
		if strings.Contains(f.Message, "corp.example.com") {
			t.Errorf("a private pattern is flagged: %s", f.Message)
		}
	}
}

func TestEnvSyntaxNamesTheGoEnvLine(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	envFile := w.write(".config/go/env", "GOPROXY=https://goproxy.cn,direct\nGOFLAGS=mod=mod\nGOTOOLCHAIN=newest\n")
	w.env["GO111MODULE"] = "yes"
	rep := w.run(Options{}, "env.syntax")
	f := must(t, rep, "env.syntax", Fail, "GOFLAGS")
	if !hasSource(f, SourceGoEnv, envFile, 2) {
		t.Errorf("GOFLAGS source:\n%s", dump(rep))
	}
	f = must(t, rep, "env.syntax", Fail, "GOTOOLCHAIN")
	if !hasSource(f, SourceGoEnv, envFile, 3) {
		t.Errorf("GOTOOLCHAIN source:\n%s", dump(rep))
	}
	f = must(t, rep, "env.syntax", Fail, "GO111MODULE")
	if !hasSource(f, SourceProcess, "GO111MODULE", 0) {
		t.Errorf("GO111MODULE source:\n%s", dump(rep))
	}
}

func TestEnvShadowsGoEnvFile(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	envFile := w.write(".config/go/env", "GOPROXY=https://goproxy.cn,direct\n")
	w.env["GOPROXY"] = "https://goproxy.io"
	rep := w.run(Options{}, "env.shadowed")
	f := must(t, rep, "env.shadowed", Warn, "GOPROXY=https://goproxy.io from $GOPROXY in gosetup's environment shadows the Go env file's GOPROXY=https://goproxy.cn,direct")
	if !hasSource(f, SourceGoEnv, envFile, 1) {
		t.Errorf("sources:\n%s", dump(rep))
	}
}

func TestGO111ModuleOff(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	w.setPath(bin, "/usr/bin")
	w.write(".config/go/env", "GO111MODULE=off\n")
	rep := w.run(Options{}, "env.go111module")
	f := must(t, rep, "env.go111module", Warn, "GO111MODULE=off")
	if !f.Repairable || len(f.Repair.GoEnvUnset) != 1 {
		t.Errorf("not repairable through the Go env file: %+v", f.Repair)
	}
}

func TestStartupSyntax(t *testing.T) {
	w := newWorld(t)
	if lookPath("bash", "/usr/bin:/bin") == "" {
		t.Skip("bash not installed")
	}
	rc := w.write(".bashrc", "export A=1\nif true; then\n  echo hi\nfi fi\n")
	rep := w.run(Options{}, "startup.syntax")
	f := must(t, rep, "startup.syntax", Fail, "bash cannot parse "+rc)
	if f.Sources[0].File != rc || f.Sources[0].Line != 4 {
		t.Errorf("source %+v, want %s:4", f.Sources[0], rc)
	}
}

func TestBashProfileHidesProfileBlock(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo(".local/go", "go1.26.3")
	w.manage(filepath.Dir(bin))
	// gosetup wrote its block to ~/.profile; a ~/.bash_profile made since
	// hides it from bash login shells.
	cfg := filepath.Join(w.home, ".config", "gosetup")
	w.write(".config/gosetup/env", "export PATH="+bin+":$PATH\n")
	w.write(".profile", "# >>> gosetup >>>\nif [ -f '"+cfg+"/env' ]; then . '"+cfg+"/env'; fi # gosetup\n# <<< gosetup <<<\n")
	w.write(".bash_profile", "export EDITOR=vi\n")
	st := readState(t, w)
	st.Scripts = []string{filepath.Join(cfg, "env")}
	if err := st.Save(filepath.Join(cfg, "state.json")); err != nil {
		t.Fatal(err)
	}
	rep := w.run(Options{}, "startup.blocks")
	f := must(t, rep, "startup.blocks", Fail, ".bash_profile exists, so bash login shells read it instead of ~/.profile")
	if !f.Repairable || !f.Repair.Rewrite {
		t.Errorf("not repairable: %+v", f)
	}
}

func TestOfflineSkipsNetwork(t *testing.T) {
	w := newWorld(t)
	rep := w.run(Options{Offline: true}, "net.proxy", "net.sumdb", "path.hygiene")
	if len(rep.Skipped) != 2 || rep.Skipped[0].Reason != "offline" {
		t.Errorf("skipped %+v", rep.Skipped)
	}
}

func TestCancelled(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts := Options{Env: w.envw(), Offline: true}
	if _, err := Run(ctx, opts); err == nil {
		t.Error("a cancelled run reports no error")
	}
}

func TestFakeGoIsExecutable(t *testing.T) {
	w := newWorld(t)
	bin := w.fakeGo("go", "go1.26.3")
	if fi, err := os.Stat(filepath.Join(bin, "go")); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatal(err)
	}
}

// TestGoShadowedPerShell: gosetup's own PATH finds the right go, but the
// PATH a fresh shell ends up with does not; path.go-shadowed says so per
// shell, with the startup-file line that put the other go's directory on
// PATH.
func TestGoShadowedPerShell(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	w := newWorld(t)
	old := w.fakeGo("old", "go1.20.1")
	ours := w.fakeGo(".local/go", "go1.26.3")
	w.setPath(ours, "/usr/bin", "/bin")
	w.write(".bashrc", "# rc\nif [ -d ~/old ]; then PATH=$HOME/old/bin:$PATH; fi\n")

	// No gosetup toolchain: the newest go is the intended one.
	rep := w.run(Options{Shells: FreshShells()}, "path.go-shadowed")
	f := must(t, rep, "path.go-shadowed", Warn, "bash interactive finds "+filepath.Join(old, "go")+" (go1.20.1) first, older than "+filepath.Join(ours, "go"))
	if !strings.Contains(f.Message, filepath.Join(w.home, ".bashrc")+":2 puts "+old) || !hasSource(f, SourceFile, filepath.Join(w.home, ".bashrc"), 2) {
		t.Errorf("want ~/.bashrc:2 named:\n%s", dump(rep))
	}

	// gosetup's toolchain: the shell's go is not it, a fail.
	w.manage(filepath.Dir(ours))
	rep = w.run(Options{Shells: FreshShells()}, "path.go-shadowed")
	f = must(t, rep, "path.go-shadowed", Fail, "bash interactive finds "+filepath.Join(old, "go")+" (go1.20.1), not gosetup's")
	if !hasSource(f, SourceFile, filepath.Join(w.home, ".bashrc"), 2) || f.Repair == nil || f.Repair.PathFirst != ours || !f.Repair.BlocksLast {
		t.Errorf("want ~/.bashrc:2 and a block-last repair: %+v\n%s", f.Repair, dump(rep))
	}
	if len(find(rep, "path.go-shadowed", OK)) != 0 {
		t.Errorf("an ok next to the fail:\n%s", dump(rep))
	}
}
