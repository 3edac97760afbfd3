package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// doctorHome is a HOME with a go on PATH reporting version.
func doctorHome(t *testing.T, version string) map[string]string {
	t.Helper()
	home := t.TempDir()
	bin := filepath.Join(home, "sdk", "go", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\ncase \"$1\" in\nversion) echo go version " + version + " linux/amd64 ;;\nenv) printf '{\"GOVERSION\":\"" + version + "\",\"GOROOT\":\"%s\",\"GOPATH\":\"%s/go\",\"GOPROXY\":\"%s\"}\\n' \"$(cd \"$(dirname \"$0\")/..\" && pwd)\" \"$HOME\" \"${GOPROXY:-https://proxy.golang.org,direct}\" ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"HOME": home, "PATH": bin + ":/usr/bin:/bin", "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"GOSETUP_CACHE": filepath.Join(home, "cache"), "GOSETUP_MIRRORS": ""}
}

func TestDoctorExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	env := doctorHome(t, "go1.26.3")
	code, out, stderr := runApp(t, env, "doctor", "--offline", "security.cve-2026-42501", "path.go-shadowed")
	if code != exitOK || !strings.Contains(out, "[✓] security.cve-2026-42501") || strings.Contains(out, "\x1b[") {
		t.Errorf("healthy: exit %d\n%s\n%s", code, out, stderr)
	}
	env["GOPROXY"] = "https://goproxy.cn,direct"
	env = withVersion(t, env, "go1.26.2")
	code, out, stderr = runApp(t, env, "doctor", "--offline", "security.cve-2026-42501")
	if code != exitFailure || !strings.Contains(out, "[✗] security.cve-2026-42501") || !strings.Contains(out, "fix:  upgrade to go1.26.3") || stderr != "" {
		t.Errorf("CVE: exit %d\n%s\nstderr %q", code, out, stderr)
	}
	if !strings.Contains(out, "from: $GOPROXY in gosetup's environment") {
		t.Errorf("no source:\n%s", out)
	}
	code, _, stderr = runApp(t, env, "doctor", "no.such-check")
	if code != exitUsage || !strings.Contains(stderr, "--list-checks") {
		t.Errorf("unknown check: exit %d %q", code, stderr)
	}
	code, _, stderr = runApp(t, env, "doctor", "--bogus")
	if code != exitUsage {
		t.Errorf("bad flag: exit %d %q", code, stderr)
	}
}

func withVersion(t *testing.T, env map[string]string, version string) map[string]string {
	t.Helper()
	n := doctorHome(t, version)
	for k, v := range env {
		if k != "HOME" && k != "PATH" && k != "XDG_CONFIG_HOME" && k != "GOSETUP_CACHE" {
			n[k] = v
		}
	}
	return n
}

func TestDoctorListChecks(t *testing.T) {
	code, out, _ := runApp(t, nil, "doctor", "--list-checks")
	if code != exitOK || !strings.Contains(out, "path.go-shadowed") || !strings.Contains(out, "net.proxy") || !strings.Contains(out, "skipped with --offline") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runApp(t, nil, "doctor", "--list-checks", "--json")
	var list []struct{ ID, Summary string }
	if code != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) < 20 {
		t.Errorf("json list: exit %d %s", code, out)
	}
}

func TestDoctorJSON(t *testing.T) {
	env := doctorHome(t, "go1.26.2")
	env["GOPROXY"] = "https://goproxy.cn"
	code, out, _ := runApp(t, env, "doctor", "--json", "--offline", "security", "path")
	var rep struct {
		SchemaVersion int            `json:"schema_version"`
		Worst         string         `json:"worst"`
		Counts        map[string]int `json:"counts"`
		Findings      []struct {
			Check, Severity, Message, Fix string
			Repairable                    bool
			Sources                       []struct{ Kind, File, Key, Text string }
		}
		Checks  []string
		Skipped []struct{ Check, Reason string }
		Gos     []struct{ Path, Version, GOROOT string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != exitFailure || rep.SchemaVersion != 1 || rep.Worst != "fail" || rep.Counts["fail"] == 0 || len(rep.Gos) != 1 || rep.Gos[0].Version != "go1.26.2" {
		t.Errorf("exit %d, %+v", code, rep)
	}
	for _, f := range rep.Findings {
		if f.Check == "security.cve-2026-42501" && f.Severity == "fail" && len(f.Sources) > 0 {
			return
		}
	}
	t.Errorf("no CVE finding with sources:\n%s", out)
}

func TestDoctorColour(t *testing.T) {
	a := &app{getenv: func(k string) string { return map[string]string{"TERM": "xterm"}[k] }, isTerminal: func(any) bool { return true }}
	if !a.colour(nil) {
		t.Error("no colour on a terminal")
	}
	a.getenv = func(k string) string { return map[string]string{"NO_COLOR": "1", "TERM": "xterm"}[k] }
	if a.colour(nil) {
		t.Error("colour with NO_COLOR")
	}
	a.getenv = func(string) string { return "" }
	a.isTerminal = func(any) bool { return false }
	if a.colour(nil) {
		t.Error("colour without a terminal")
	}
}
