package toolchain

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/httpx"
)

func testClient(t testing.TB) *http.Client {
	c, err := httpx.NewClient(httpx.Options{HeaderTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func finder(t testing.TB, c *catalog.Catalog) *Finder {
	return &Finder{Client: testClient(t), Catalog: c, Platform: linuxAMD64,
		SourceTimeout: 5 * time.Second, Grace: 2 * time.Second, Stagger: 50 * time.Millisecond}
}

func TestReleasesMergesIndexAndModules(t *testing.T) {
	idx, prx := indexServer(t), proxyServer(t)
	set, err := finder(t, testCatalog(t, []string{idx.URL + "/dl/"}, []string{prx.URL})).Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if set.IndexSource != "index0" || set.ModuleSource != "proxy0" || len(set.Warnings) != 0 {
		t.Errorf("sources = %q, %q, warnings %v", set.IndexSource, set.ModuleSource, set.Warnings)
	}
	var got []string
	for _, r := range set.Releases {
		got = append(got, r.Version)
	}
	want := "go1.24rc1 go1.23.1 go1.23.0 go1.23rc1 go1.22.12 go1.22.5 go1.21.0 go1.20.14 go1.20"
	if strings.Join(got, " ") != want {
		t.Errorf("versions newest first:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	r, _ := set.Find("go1.23.1")
	if f, ok := r.Archive(linuxAMD64); !ok || f.Filename != "go1.23.1.linux-amd64.tar.gz" || f.Kind != "archive" {
		t.Errorf("go1.23.1 archive = %+v %v", f, ok)
	}
	if f, ok := r.Archive(linuxARM); !ok || f.Filename != "go1.23.1.linux-armv6l.tar.gz" {
		t.Errorf("linux/arm archive (armv6l in the index) = %+v %v", f, ok)
	}
	if !r.HasModule(linuxAMD64) || !r.HasModule(windowsARM) || r.HasModule(linuxARM) {
		t.Errorf("go1.23.1 modules = %v", r.Modules)
	}
	if _, ok := r.Archive(windowsARM); ok {
		t.Error("windows/arm64 has no archive in the fixture; an installer or source file must not count")
	}
	rc, _ := set.Find("go1.24rc1")
	if rc.Stable || len(rc.Files) != 0 || !rc.HasModule(linuxAMD64) {
		t.Errorf("module-only go1.24rc1 = %+v", rc)
	}
	old, _ := set.Find("go1.20.14")
	if !old.Stable || len(old.Modules) != 0 {
		t.Errorf("index-only go1.20.14 = %+v", old)
	}
}

// The official index hangs; its twin answers. The result must come from the
// twin, quickly, and the hanging request must be cancelled.
func TestReleasesIndexRaceHangingFirst(t *testing.T) {
	var cancelled atomic.Bool
	hang := server(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		cancelled.Store(true)
	})
	twin, prx := indexServer(t), proxyServer(t)
	f := finder(t, testCatalog(t, []string{hang.URL + "/dl/", twin.URL + "/dl/"}, []string{prx.URL}))
	f.SourceTimeout = 30 * time.Second
	start := time.Now()
	set, err := f.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s; a hanging index must not hold up the twin's answer", el)
	}
	if set.IndexSource != "index1" {
		t.Errorf("IndexSource = %q, want the twin", set.IndexSource)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !cancelled.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !cancelled.Load() {
		t.Error("the hanging index request was not cancelled")
	}
}

// Bad index answers (malformed JSON, an HTML page, a 500) fail over to the
// next index entry.
func TestReleasesIndexFailover(t *testing.T) {
	for name, bad := range map[string]func(t testing.TB) string{
		"malformed": func(t testing.TB) string { return statusServer(t, 200, `[{"version":"go1.23.1",`).URL },
		"html":      func(t testing.TB) string { return statusServer(t, 200, "<!doctype html><html>login</html>").URL },
		"500":       func(t testing.TB) string { return statusServer(t, 500, "oops").URL },
		"404":       func(t testing.TB) string { return statusServer(t, 404, "").URL },
		"empty":     func(t testing.TB) string { return statusServer(t, 200, "[]").URL },
	} {
		t.Run(name, func(t *testing.T) {
			good := indexServer(t)
			f := finder(t, testCatalog(t, []string{bad(t) + "/dl/", good.URL + "/dl/"}, nil))
			f.Stagger = 10 * time.Second // the failure itself must start the next one
			start := time.Now()
			set, err := f.Releases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if set.IndexSource != "index1" || len(set.Releases) != 8 {
				t.Errorf("IndexSource = %q, %d releases", set.IndexSource, len(set.Releases))
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("failover waited for the stagger instead of moving on at once")
			}
		})
	}
}

// With every index broken, the module channel alone is a first-class source:
// Releases succeeds with a warning naming each index failure.
func TestReleasesModuleOnly(t *testing.T) {
	for name, bad := range map[string]func(t testing.TB) string{
		"html": func(t testing.TB) string { return statusServer(t, 200, "<html>captive portal</html>").URL },
		"500":  func(t testing.TB) string { return statusServer(t, 500, "").URL },
		"hang": func(t testing.TB) string { return hangServer(t).URL },
	} {
		t.Run(name, func(t *testing.T) {
			prx := proxyServer(t)
			f := finder(t, testCatalog(t, []string{bad(t) + "/dl/"}, []string{prx.URL}))
			f.Grace = 300 * time.Millisecond
			start := time.Now()
			set, err := f.Releases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Errorf("took %s: a hanging index must not hold up the module channel beyond the grace period", el)
			}
			if set.IndexSource != "" || set.ModuleSource != "proxy0" {
				t.Errorf("sources = %q, %q", set.IndexSource, set.ModuleSource)
			}
			if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "release index unreachable") ||
				!strings.Contains(set.Warnings[0], "index0") || !strings.Contains(set.Warnings[0], "module channel only") {
				t.Errorf("warnings = %q", set.Warnings)
			}
			if name == "hang" && !strings.Contains(set.Warnings[0], "gave up waiting") {
				t.Errorf("warning should say gosetup stopped waiting: %q", set.Warnings[0])
			}
			r, err := set.Select("1.23", linuxAMD64, false)
			if err != nil || r.Version != "go1.23.1" || len(r.Files) != 0 {
				t.Errorf("Select on module-only set = %+v, %v", r, err)
			}
		})
	}
}

func TestReleasesIndexOnlyWhenProxiesFail(t *testing.T) {
	idx := indexServer(t)
	bad := statusServer(t, 200, "not a version\n")
	set, err := finder(t, testCatalog(t, []string{idx.URL + "/dl/"}, []string{bad.URL})).Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if set.ModuleSource != "" || len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "module proxies unreachable") {
		t.Errorf("ModuleSource %q warnings %q", set.ModuleSource, set.Warnings)
	}
}

// The first proxy hangs, the second answers: the module race moves on after
// the stagger without waiting for the timeout.
func TestReleasesModuleRace(t *testing.T) {
	hang, prx := hangServer(t), proxyServer(t)
	f := finder(t, testCatalog(t, nil, []string{hang.URL, prx.URL}))
	f.SourceTimeout = 30 * time.Second
	start := time.Now()
	set, err := f.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if set.ModuleSource != "proxy1" || time.Since(start) > 3*time.Second {
		t.Errorf("ModuleSource = %q after %s", set.ModuleSource, time.Since(start))
	}
	if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "no release index") {
		t.Errorf("warnings = %q", set.Warnings)
	}
}

func TestReleasesProxyRestriction(t *testing.T) {
	listed, chosen := proxyServer(t), proxyServer(t)
	var hits atomic.Int32
	spy := server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); http.NotFound(w, r) })
	f := finder(t, testCatalog(t, nil, []string{spy.URL, listed.URL}))
	f.Proxy = chosen.URL + "/"
	set, err := f.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if set.ModuleSource != chosen.URL || hits.Load() != 0 {
		t.Errorf("ModuleSource = %q, other proxies asked %d times", set.ModuleSource, hits.Load())
	}
	f.Proxy = "proxy1" // a catalogue name works too
	if set, err = f.Releases(context.Background()); err != nil || set.ModuleSource != "proxy1" {
		t.Errorf("by name: %v %v", set, err)
	}
}

func TestReleasesNoSource(t *testing.T) {
	i500 := statusServer(t, 500, "")
	html := statusServer(t, 200, "<html></html>")
	f := finder(t, testCatalog(t, []string{i500.URL + "/dl/"}, []string{html.URL, "http://127.0.0.1:1"}))
	_, err := f.Releases(context.Background())
	var nse *NoSourceError
	if !errors.As(err, &nse) || len(nse.Failures) != 3 {
		t.Fatalf("err = %v, want NoSourceError with 3 failures", err)
	}
	for _, want := range []string{"index index0", "500", "proxy proxy0", "HTML", "proxy proxy1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// One line: the face lays the reasons out and adds its own advice.
	if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "HTTPS_PROXY") {
		t.Errorf("error is not one plain line:\n%v", err)
	}
	reasons := nse.Reasons()
	if len(reasons) != 3 || !strings.HasPrefix(reasons[0], "index index0") || !strings.HasPrefix(reasons[2], "proxy proxy1") {
		t.Errorf("Reasons() = %q, want one per source in order", reasons)
	}
	for _, r := range reasons {
		if strings.Contains(r, "\n") {
			t.Errorf("reason %q spans lines", r)
		}
	}
	if empty := (&NoSourceError{}).Error(); strings.Contains(empty, "\n") || !strings.Contains(empty, "lists no release index") {
		t.Errorf("empty NoSourceError = %q", empty)
	}
}

// Every source hangs: SourceTimeout ends it, naming the timeout.
func TestReleasesAllHang(t *testing.T) {
	h1, h2 := hangServer(t), hangServer(t)
	f := finder(t, testCatalog(t, []string{h1.URL + "/dl/"}, []string{h2.URL}))
	f.SourceTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := f.Releases(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

func TestReleasesCancel(t *testing.T) {
	h1, h2 := hangServer(t), hangServer(t)
	f := finder(t, testCatalog(t, []string{h1.URL + "/dl/"}, []string{h2.URL}))
	f.SourceTimeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := f.Releases(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestReleasesSendUserAgent(t *testing.T) {
	ua := make(chan string, 4)
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		ua <- r.Header.Get("User-Agent")
		fmt.Fprint(w, fixtureModuleList())
	})
	if _, err := finder(t, testCatalog(t, nil, []string{s.URL})).Releases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-ua; !strings.HasPrefix(got, "gosetup/") {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestReleasesOnSourceAndPlatformWarning(t *testing.T) {
	bad, idx, prx := statusServer(t, 500, ""), indexServer(t), proxyServer(t)
	f := finder(t, testCatalog(t, []string{bad.URL + "/dl/", idx.URL + "/dl/"}, []string{prx.URL}))
	f.Platform = dist.Platform{OS: "plan9", Arch: "mips"}
	var mu sync.Mutex
	events := map[string]string{}
	f.OnSource = func(k catalog.Kind, e catalog.Entry, err error) {
		mu.Lock()
		defer mu.Unlock()
		msg := "ok"
		if err != nil {
			msg = err.Error()
		}
		events[string(k)+" "+e.Name] = msg
	}
	set, err := f.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if events["index index1"] != "ok" || events["proxy proxy0"] != "ok" || !strings.Contains(events["index index0"], "500") {
		t.Errorf("events = %v", events)
	}
	if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "no Go release for plan9/mips") {
		t.Errorf("warnings = %q", set.Warnings)
	}
}
