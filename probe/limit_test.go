package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
)

// TestProbeLimitHelperProcess is not a test: run by
// TestLowOpenFileLimitLargeCatalogue under a lowered RLIMIT_NOFILE, it
// probes the catalogue in GOSETUP_PROBE_HELPER_CAT and prints the report.
func TestProbeLimitHelperProcess(t *testing.T) {
	f := os.Getenv("GOSETUP_PROBE_HELPER_CAT")
	if f == "" {
		t.Skip("helper process")
	}
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	timeout, _ := time.ParseDuration(os.Getenv("GOSETUP_PROBE_HELPER_TIMEOUT"))
	start := time.Now()
	rep, err := Run(context.Background(), Options{Catalog: c, Platform: linux, Kinds: []catalog.Kind{catalog.KindProxy}, Timeout: timeout, Samples: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep.ElapsedMS = float64(time.Since(start).Milliseconds())
	json.NewEncoder(os.Stdout).Encode(rep)
}

// A large company catalogue probed by a process with a low open-file limit
// (containers): no healthy mirror is reported as "too many open files";
// every entry is probed or, when the deadline is too short for them all,
// reported as a timeout, and the report comes by the deadline.
func TestLowOpenFileLimitLargeCatalogue(t *testing.T) {
	if os.Getenv("GOSETUP_PROBE_HELPER_CAT") != "" {
		t.Skip("in the helper")
	}
	prlimit := "prlimit"
	if _, err := exec.LookPath(prlimit); err != nil {
		if os.Getenv("GOSETUP_TEST_REQUIRE") == "all" {
			t.Fatal("prlimit (util-linux) is required")
		}
		t.Skip("no prlimit")
	}
	k := newKey(t, "sum.golang.org")
	spec := proxySpec{versions: []string{"go1.22.5"}}.handler()
	m := serve(t, 2*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		// /pN/... is proxy N.
		rest := strings.TrimPrefix(r.URL.Path, "/")
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			r.URL.Path = rest[i:]
		}
		spec(w, r)
	})
	exe, _ := os.Executable()
	for _, tc := range []struct {
		n       int
		timeout time.Duration
	}{{300, 20 * time.Second}, {1000, 1500 * time.Millisecond}} {
		c := &cat{}
		for i := 0; i < tc.n; i++ {
			c.Proxy = append(c.Proxy, catalog.Entry{Name: "p" + strconv.Itoa(i), URL: m.URL + "/p" + strconv.Itoa(i)})
		}
		c.SumDB = []catalog.Entry{{Name: "sum.golang.org", URL: "http://127.0.0.1:1", Key: k.vkey}}
		data, _ := json.Marshal(map[string]any{"mode": "replace", "proxy": c.Proxy, "sumdb": c.SumDB})
		f := t.TempDir() + "/cat.json"
		os.WriteFile(f, data, 0o644)
		cmd := exec.Command(prlimit, "--nofile=48:48", exe, "-test.run=^TestProbeLimitHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GOSETUP_PROBE_HELPER_CAT="+f, "GOSETUP_PROBE_HELPER_TIMEOUT="+tc.timeout.String())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%d entries: %v\n%s", tc.n, err, out)
		}
		var rep Report
		if err := json.NewDecoder(strings.NewReader(string(out))).Decode(&rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		ok, timeouts := 0, 0
		for _, r := range rep.Results {
			switch {
			case r.OK:
				ok++
			case r.Failure == FailTimeout:
				timeouts++
			default:
				t.Errorf("%d entries: %s failed: %s", tc.n, r.Name, r.Error)
			}
			if strings.Contains(r.Error, "too many open files") {
				t.Errorf("%d entries: %s: %s", tc.n, r.Name, r.Error)
			}
		}
		if len(rep.Results) != tc.n {
			t.Errorf("%d entries: %d results", tc.n, len(rep.Results))
		}
		if tc.n == 300 && ok != tc.n {
			t.Errorf("300 entries with a 20 s deadline: %d healthy, %d timeouts, want all healthy", ok, timeouts)
		}
		// The report is due by the deadline; the slack is for a loaded
		// 2-core machine under -race, not for probes.
		if rep.ElapsedMS > float64((tc.timeout + 2*time.Second).Milliseconds()) {
			t.Errorf("%d entries: report after %v ms, deadline %s", tc.n, rep.ElapsedMS, tc.timeout)
		}
		t.Log(fmt.Sprintf("%d entries, RLIMIT_NOFILE 48, deadline %s: %d healthy, %d timeouts, %v ms", tc.n, tc.timeout, ok, timeouts, rep.ElapsedMS))
	}
}
