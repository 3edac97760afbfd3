package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// probeFixture builds, from the shared mirror world, real local mirrors of
// every kind, some broken, and writes a catalogue file for them: the
// world's archive mirror and proxy, a broken proxy (a second world whose
// proxy answers 503), the world's checksum database, and a forged one (a
// third world's database under the same name, signed with another key).
// healthy=false makes every mirror fail.
func probeFixture(t *testing.T, healthy bool) string {
	t.Helper()
	const db = "sum.golang.org"
	w := mirrortest.New(t, mirrortest.Options{SumDBName: db})
	broken := mirrortest.New(t, mirrortest.Options{SumDBName: db})
	forger := mirrortest.New(t, mirrortest.Options{SumDBName: db})
	down := func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		http.Error(rw, "down", http.StatusServiceUnavailable)
	}
	broken.Hook(mirrortest.RouteProxy, down)
	// The probe finds a small archive implausible; serve one of a real
	// archive's size that starts as the world's does.
	big := make([]byte, 40<<20)
	copy(big, w.ArchiveBytes(mirrortest.DefaultVersion, dist.Host()))
	w.Hook(mirrortest.RouteArchive, func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		http.ServeContent(rw, r, "", time.Time{}, bytes.NewReader(big))
	})
	if !healthy {
		for _, r := range []mirrortest.Route{mirrortest.RouteArchive, mirrortest.RouteProxy, mirrortest.RouteSumDB} {
			w.Hook(r, down)
			forger.Hook(r, down)
		}
	}
	_, archive, proxy, sumdb := w.Entries()
	archive.Name, proxy.Name = "local-archive", "local-proxy"
	cat := map[string]any{
		"mode":    "replace",
		"archive": []catalog.Entry{archive},
		"proxy":   []catalog.Entry{proxy, {Name: "broken-proxy", URL: broken.ProxyURL}},
		"sumdb":   []catalog.Entry{sumdb, {Name: db, URL: forger.SumDBURL, Key: w.SumDBKey}},
	}
	data, _ := json.Marshal(cat)
	path := filepath.Join(t.TempDir(), "mirrors.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The --json schema is stable: every documented key on every entry.
func TestProbeJSON(t *testing.T) {
	file := probeFixture(t, true)
	code, stdout, stderr := runApp(t, nil, "probe", "--json", "--mirrors", file, "--timeout", "2s")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	rec, _ := doc["recommendation"].(map[string]any)
	for _, k := range []string{"goproxy", "gosumdb", "reason"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("recommendation lacks %q: %v", k, rec)
		}
	}
	entries, _ := doc["entries"].([]any)
	if len(entries) != 5 {
		t.Fatalf("%d entries, want 5:\n%s", len(entries), stdout)
	}
	keys := []string{"kind", "name", "url", "ok", "error", "failure", "rank", "latency_ms", "samples", "throughput_bytes_per_sec",
		"fetch_estimate_ms", "fresh", "note", "final_host", "dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "sumdb_supported",
		"newest_toolchain", "file", "size_bytes", "elapsed_ms"}
	byName := map[string]map[string]any{}
	for _, e := range entries {
		m := e.(map[string]any)
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("entry %v lacks %q", m["name"], k)
			}
		}
		byName[m["kind"].(string)+"/"+m["name"].(string)+"/"+m["url"].(string)] = m
	}
	var okProxy, badProxy, okDB, forgedDB, archive map[string]any
	for id, m := range byName {
		switch {
		case strings.HasPrefix(id, "proxy/local-proxy/"):
			okProxy = m
		case strings.HasPrefix(id, "proxy/broken-proxy/"):
			badProxy = m
		case strings.HasPrefix(id, "archive/"):
			archive = m
		case m["kind"] == "sumdb" && m["ok"] == true:
			okDB = m
		case m["kind"] == "sumdb":
			forgedDB = m
		}
	}
	if okProxy == nil || okProxy["ok"] != true || okProxy["fresh"] != true || okProxy["samples"].(float64) != 3 {
		t.Errorf("local proxy: %v", okProxy)
	}
	if badProxy == nil || badProxy["ok"] != false || !strings.Contains(badProxy["error"].(string), "HTTP 503") || badProxy["fresh"] != nil {
		t.Errorf("broken proxy: %v", badProxy)
	}
	if archive == nil || archive["ok"] != true || archive["size_bytes"].(float64) != 40<<20 {
		t.Errorf("archive: %v", archive)
	}
	if okDB == nil || forgedDB == nil || forgedDB["failure"] != "bad-signature" {
		t.Errorf("sumdb: ok %v, forged %v", okDB, forgedDB)
	}
	if want := okProxy["url"].(string) + ",direct"; rec["goproxy"] != want || rec["gosumdb"] != "sum.golang.org" {
		t.Errorf("recommendation %v, want goproxy %q and gosumdb sum.golang.org", rec, want)
	}
}

// Every entry failed: exit 1, with the JSON still on stdout.
func TestProbeAllFailedExit1(t *testing.T) {
	file := probeFixture(t, false)
	code, stdout, stderr := runApp(t, nil, "probe", "--json", "--mirrors", file, "--timeout", "1s")
	if code != exitFailure || !strings.Contains(stderr, "every probed mirror failed") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !json.Valid([]byte(stdout)) {
		t.Errorf("stdout is not JSON: %q", stdout)
	}
}

func runProbeApp(t *testing.T, terminal bool, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, isTerminal: func(any) bool { return terminal }}
	code := a.run(context.Background(), args)
	return code, out.String()
}

// The table is aligned, coloured only on a terminal without NO_COLOR, and
// ends with the recommendation.
func TestProbeTable(t *testing.T) {
	file := probeFixture(t, true)
	code, plain := runProbeApp(t, false, nil, "probe", "--mirrors", file, "--kind", "proxy,sumdb")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, plain)
	}
	if strings.Contains(plain, "\x1b[") {
		t.Errorf("colour codes with no terminal:\n%s", plain)
	}
	table, rec, found := strings.Cut(plain, "\n\n")
	if !found || !strings.Contains(rec, "GOPROXY=") || !strings.Contains(rec, "GOSUMDB=sum.golang.org") {
		t.Fatalf("no recommendation after the table:\n%s", plain)
	}
	lines := strings.Split(table, "\n")
	if len(lines) != 5 || strings.Contains(table, "archive") {
		t.Errorf("want a header and 4 rows (proxies and sumdbs only):\n%s", table)
	}
	for _, col := range []string{"NAME", "STATUS", "LATENCY", "FRESH", "DETAIL"} {
		at := strings.Index(lines[0], col)
		for _, l := range lines[1:] {
			if len(l) <= at || l[at-1] != ' ' || l[at] == ' ' {
				t.Errorf("column %s (at %d) misaligned in %q", col, at, l)
			}
		}
	}
	_, colour := runProbeApp(t, true, nil, "probe", "--mirrors", file, "--kind", "sumdb")
	if !strings.Contains(colour, "\x1b[32mok\x1b[0m") || !strings.Contains(colour, "\x1b[31mFAIL\x1b[0m") {
		t.Errorf("no colour on a terminal:\n%q", colour)
	}
	_, noColour := runProbeApp(t, true, map[string]string{"NO_COLOR": "1"}, "probe", "--mirrors", file, "--kind", "sumdb")
	if strings.Contains(noColour, "\x1b[") {
		t.Errorf("colour despite NO_COLOR:\n%q", noColour)
	}
}

func TestProbeSamplesFlag(t *testing.T) {
	file := probeFixture(t, true)
	code, stdout, _ := runApp(t, nil, "probe", "--json", "--kind", "sumdb", "--samples", "1", "--mirrors", file)
	var rep struct {
		Entries []struct {
			OK      bool
			Samples int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v", code, err)
	}
	for _, e := range rep.Entries {
		if e.OK && e.Samples != 1 {
			t.Errorf("samples = %d, want 1", e.Samples)
		}
	}
}

func TestProbeUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"probe", "--kind", "mirror"}, `--kind "mirror"`},
		{[]string{"probe", "--samples", "0"}, "--samples 0"},
		{[]string{"probe", "--samples", "50"}, "--samples 50"},
		{[]string{"probe", "--timeout", "-1s"}, "--timeout"},
		{[]string{"probe", "--timeout", "soon"}, "-timeout"},
		{[]string{"probe", "extra"}, `"extra"`},
	} {
		code, _, stderr := runApp(t, nil, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gosetup %v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, stderr, c.want)
		}
	}
	code, _, stderr := runApp(t, nil, "probe", "--mirrors", filepath.Join(t.TempDir(), "missing.json"))
	if code != exitFailure || !strings.Contains(stderr, "--mirrors") {
		t.Errorf("missing catalogue: exit %d, stderr %q", code, stderr)
	}
}
