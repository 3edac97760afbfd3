package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/gosetup/gosetup/internal/dist"
)

// probeFixture starts real local mirrors of every kind, some broken, and
// writes a catalogue file for them. healthy=false makes every mirror fail.
func probeFixture(t *testing.T, healthy bool) string {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "sum.golang.org")
	if err != nil {
		t.Fatal(err)
	}
	sign := func(skey string) []byte {
		s, err := note.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 7}))}, s)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	otherS, _, _ := note.GenerateKey(rand.Reader, "sum.golang.org")
	head, forged := sign(skey), sign(otherS)
	host := dist.Host()
	start := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	down := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
	proxy := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/golang.org/toolchain/@v/list":
			io.WriteString(w, dist.ModuleVersion("go1.22.4", host)+"\n"+dist.ModuleVersion("go1.22.5", host)+"\n")
		case "/golang.org/toolchain/@v/" + dist.ModuleVersion("go1.22.5", host) + ".info":
			io.WriteString(w, `{"Version":"`+dist.ModuleVersion("go1.22.5", host)+`"}`)
		case "/sumdb/sum.golang.org/supported":
		case "/sumdb/sum.golang.org/latest":
			w.Write(head)
		default:
			http.NotFound(w, r)
		}
	}
	archive := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+dist.ArchiveName("go1.22.5", host) {
			http.NotFound(w, r)
			return
		}
		magic := []byte{0x1f, 0x8b, 8, 0}
		if host.OS == "windows" {
			magic = []byte("PK\x03\x04")
		}
		body := make([]byte, 40<<20)
		copy(body, magic)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}
	latest := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.Write(b) }
	}
	if !healthy {
		proxy, archive, head = down, down, nil
	}
	cat := map[string]any{
		"mode": "replace",
		"archive": []map[string]string{
			{"name": "local-archive", "url": start(archive)},
		},
		"proxy": []map[string]string{
			{"name": "local-proxy", "url": start(proxy)},
			{"name": "broken-proxy", "url": start(down)},
		},
		"sumdb": []map[string]string{
			{"name": "sum.golang.org", "url": start(latest(head)), "key": vkey},
			{"name": "sum.golang.org", "url": start(latest(forged)), "key": vkey},
		},
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
