package probe

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/httpx"
)

func run(t *testing.T, c *catalog.Catalog, mod func(*Options)) *Report {
	t.Helper()
	opts := Options{Catalog: c, Platform: linux, Timeout: 2 * time.Second}
	if mod != nil {
		mod(&opts)
	}
	rep, err := Run(context.Background(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The healthy path: every kind proves itself, is ranked by latency, reuses
// one connection per mirror, sends gosetup's User-Agent, and the
// recommendation chains the two fastest proxies.
func TestHealthyMirrorsRankedAndRecommended(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	head := k.treeHead(t, 1000)
	fast := serve(t, 0, proxySpec{versions: []string{"go1.22.4", "go1.22.5"}, sumdb: head}.handler())
	slow := serve(t, 40*time.Millisecond, proxySpec{versions: []string{"go1.22.4", "go1.22.5"}}.handler())
	arFast := serve(t, 0, goodArchive("go1.22.5"))
	arSlow := serve(t, 30*time.Millisecond, goodArchive("go1.22.5"))
	db := serve(t, 10*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/latest" {
			http.NotFound(w, r)
			return
		}
		w.Write(head)
	})
	c := (&cat{}).add(catalog.KindProxy, "slow", slow).add(catalog.KindProxy, "fast", fast).
		add(catalog.KindArchive, "arslow", arSlow).add(catalog.KindArchive, "arfast", arFast).
		add(catalog.KindSumDB, "sum.golang.org", db, k.vkey).build(t, k)

	rep := run(t, c, nil)
	t.Log("\n" + describe(rep))
	if got, want := names(rep, catalog.KindProxy), "fast slow"; got != want {
		t.Errorf("proxy ranking = %q, want %q", got, want)
	}
	if got, want := names(rep, catalog.KindArchive), "arfast arslow"; got != want {
		t.Errorf("archive ranking = %q, want %q", got, want)
	}
	if rep.Newest != "go1.22.5" {
		t.Errorf("Newest = %q, want go1.22.5", rep.Newest)
	}
	for _, r := range rep.Results {
		if !r.OK || r.Rank == 0 || r.Samples != 3 || r.LatencyMS <= 0 || r.FinalHost == "" {
			t.Errorf("%s %s: want a healthy ranked result with 3 samples, got %+v", r.Kind, r.Name, r)
		}
	}
	f := find(t, rep, catalog.KindProxy, "fast")
	if f.Fresh == nil || !*f.Fresh || f.NewestToolchain != "go1.22.5" || len(f.SumDBSupported) != 1 {
		t.Errorf("fast proxy: fresh=%v newest=%q sumdb=%v", f.Fresh, f.NewestToolchain, f.SumDBSupported)
	}
	if s := find(t, rep, catalog.KindProxy, "slow"); s.LatencyMS < 40 || len(s.SumDBSupported) != 0 {
		t.Errorf("slow proxy: latency %.1f ms (want ≥ 40), sumdb %v (want none)", s.LatencyMS, s.SumDBSupported)
	}
	a := find(t, rep, catalog.KindArchive, "arfast")
	if a.File != "go1.22.5.linux-amd64.tar.gz" || a.SizeBytes != realSize {
		t.Errorf("archive: file %q size %d", a.File, a.SizeBytes)
	}
	if want := fast.URL + "|" + slow.URL + ",direct"; rep.Recommendation.GOPROXY != want {
		t.Errorf("GOPROXY = %q, want %q", rep.Recommendation.GOPROXY, want)
	}
	if rep.Recommendation.GOSUMDB != "sum.golang.org" {
		t.Errorf("GOSUMDB = %q, want sum.golang.org (through the fast proxy)", rep.Recommendation.GOSUMDB)
	}
	for _, m := range []*mirror{fast, slow, arFast, arSlow, db} {
		if n := m.connections(); n != 1 {
			t.Errorf("%s: %d connections, want 1 reused for every sample", m.URL, n)
		}
		if n := m.requests(); n > 4 {
			t.Errorf("%s: %d requests; keep it to a handful", m.URL, n)
		}
		for _, ua := range m.userAgents() {
			if ua != httpx.UserAgent() {
				t.Errorf("%s saw User-Agent %q, want %q", m.URL, ua, httpx.UserAgent())
			}
		}
	}
}

// Every way a mirror can answer wrongly is a failure with its reason, ranked
// after every healthy entry, never "slow".
func TestFailuresCarryReasons(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	other := newKey(t, "sum.golang.org")
	good := k.treeHead(t, 10)
	corrupt := corruptSignature(t, good)
	html := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			w.Write([]byte("<!DOCTYPE html><html><body>Please log in</body></html>"))
		}
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", code) }
	}
	latest := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.Write(body) }
	}
	file := dist.ArchiveName("go1.22.5", linux)
	c := &cat{}
	c.add(catalog.KindProxy, "good", serve(t, 20*time.Millisecond, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	c.add(catalog.KindProxy, "p404", serve(t, 0, status(404)))
	c.add(catalog.KindProxy, "p500", serve(t, 0, status(500)))
	c.add(catalog.KindProxy, "phtml", serve(t, 0, html(200)))
	c.add(catalog.KindProxy, "pgarbage", serve(t, 0, proxySpec{list: func() []byte { return []byte("hello world\n") }}.handler()))
	c.add(catalog.KindProxy, "pforged", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}, sumdb: other.treeHead(t, 10)}.handler()))
	c.add(catalog.KindArchive, "agood", serve(t, 20*time.Millisecond, goodArchive("go1.22.5")))
	c.add(catalog.KindArchive, "a404", serve(t, 0, status(404)))
	c.add(catalog.KindArchive, "a500", serve(t, 0, status(500)))
	c.add(catalog.KindArchive, "alogin", serve(t, 0, html(200)))
	c.add(catalog.KindArchive, "amagic", serve(t, 0, archiveHandler(map[string]archiveBody{file: {[]byte("PK\x03\x04"), realSize}})))
	c.add(catalog.KindArchive, "atiny", serve(t, 0, archiveHandler(map[string]archiveBody{file: {gzipMagic, 4096}})))
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 20*time.Millisecond, latest(good)), k.vkey)
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, latest(other.treeHead(t, 10))), k.vkey)
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, latest(corrupt)), k.vkey)
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, html(200)), k.vkey)
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, status(502)), k.vkey)
	cc := c.build(t, k)
	rep := run(t, cc, nil)
	t.Log("\n" + describe(rep))

	byURL := map[string]Result{}
	for _, r := range rep.Results {
		byURL[r.URL] = r
	}
	want := []struct {
		kind     catalog.Kind
		name     string
		idx      int // for sumdb entries, which share a name
		failure  string
		contains string
	}{
		{catalog.KindProxy, "p404", 0, FailStatus, "HTTP 404"},
		{catalog.KindProxy, "p500", 0, FailStatus, "HTTP 500"},
		{catalog.KindProxy, "phtml", 0, FailContent, "HTML page"},
		{catalog.KindProxy, "pgarbage", 0, FailContent, "not a module version"},
		{catalog.KindProxy, "pforged", 0, FailSignature, "not signed by sum.golang.org's key"},
		{catalog.KindArchive, "a404", 0, FailStatus, "does not have go1.22.5"},
		{catalog.KindArchive, "a500", 0, FailStatus, "HTTP 500"},
		{catalog.KindArchive, "alogin", 0, FailContent, "HTML page, not an archive"},
		{catalog.KindArchive, "amagic", 0, FailContent, "gzip magic"},
		{catalog.KindArchive, "atiny", 0, FailContent, "implausible"},
		{catalog.KindSumDB, "", 1, FailSignature, "not signed by sum.golang.org's key"},
		{catalog.KindSumDB, "", 2, FailSignature, "does not verify"},
		{catalog.KindSumDB, "", 3, FailContent, "HTML page"},
		{catalog.KindSumDB, "", 4, FailStatus, "HTTP 502"},
	}
	for _, w := range want {
		var r Result
		if w.kind == catalog.KindSumDB {
			r = byURL[cc.SumDB[w.idx].URL]
		} else {
			r = find(t, rep, w.kind, w.name)
		}
		if r.OK || r.Failure != w.failure || !strings.Contains(r.Error, w.contains) || r.Rank != 0 {
			t.Errorf("%s %s (%s): ok=%v failure=%q error=%q rank=%d; want failure %q mentioning %q",
				w.kind, w.name, r.URL, r.OK, r.Failure, r.Error, r.Rank, w.failure, w.contains)
		}
	}
	// Healthy first in every kind, even though each failure answered
	// faster than the healthy mirror.
	for _, k := range []catalog.Kind{catalog.KindArchive, catalog.KindProxy, catalog.KindSumDB} {
		seenFail := false
		for _, r := range rep.Results {
			if r.Kind != k {
				continue
			}
			if r.OK && seenFail {
				t.Errorf("%s: healthy %s ranked after a failure: %s", k, r.Name, names(rep, k))
			}
			seenFail = seenFail || !r.OK
		}
	}
	if !find(t, rep, catalog.KindProxy, "good").OK || !find(t, rep, catalog.KindArchive, "agood").OK || !byURL[cc.SumDB[0].URL].OK {
		t.Errorf("the good mirrors failed:\n%s", describe(rep))
	}
	if want := find(t, rep, catalog.KindProxy, "good").URL + ",direct"; rep.Recommendation.GOPROXY != want {
		t.Errorf("GOPROXY = %q, want %q (only one healthy proxy)", rep.Recommendation.GOPROXY, want)
	}
	if want := "sum.golang.org " + cc.SumDB[0].URL; rep.Recommendation.GOSUMDB != want {
		t.Errorf("GOSUMDB = %q, want %q (the only verified database URL)", rep.Recommendation.GOSUMDB, want)
	}
}

// Hanging mirrors never hold the report past the deadline; they are
// reported as timeouts saying where they hung, and the rest are unaffected.
func TestDeadlineHonouredWithHangingMirrors(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	head := k.treeHead(t, 10)
	slowBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				w.Write([]byte("v0.0.1-go1.22.5.linux-amd64\n"))
				w.(http.Flusher).Flush()
			}
		}
	}
	c := &cat{}
	c.add(catalog.KindProxy, "ok", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}, sumdb: head}.handler()))
	c.add(catalog.KindProxy, "hang", serve(t, 0, hang))
	c.add(catalog.KindProxy, "trickle", serve(t, 0, slowBody))
	c.add(catalog.KindArchive, "ok", serve(t, 0, goodArchive("go1.22.5")))
	c.add(catalog.KindArchive, "hang", serve(t, 0, hang))
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, hang), k.vkey)
	c.add(catalog.KindIndex, "hang", serve(t, 0, hang))
	cc := c.build(t, k)

	// The client is built before the clock starts, as the commands build
	// theirs: loading an SSL_CERT_FILE bundle under -race on a loaded
	// machine took most of a second and is not the probe's deadline.
	client, err := httpx.NewClient(httpx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 600 * time.Millisecond
	start := time.Now()
	rep, err := Run(context.Background(), Options{Catalog: cc, Platform: linux, Timeout: timeout, Client: client}, nil)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + describe(rep))
	if took > timeout+epsilon+150*time.Millisecond {
		t.Errorf("Run took %s with a %s deadline", took, timeout)
	}
	for _, n := range []struct {
		kind  catalog.Kind
		name  string
		where string
	}{
		{catalog.KindProxy, "hang", "waiting for an answer"},
		{catalog.KindProxy, "trickle", "reading the answer"},
		{catalog.KindArchive, "hang", "waiting for an answer"},
		{catalog.KindSumDB, "sum.golang.org", "waiting for an answer"},
	} {
		r := find(t, rep, n.kind, n.name)
		if r.OK || r.Failure != FailTimeout || !strings.Contains(r.Error, "timeout after 600ms") || !strings.Contains(r.Error, n.where) {
			t.Errorf("%s %s: ok=%v failure=%q error=%q; want a timeout %q", n.kind, n.name, r.OK, r.Failure, r.Error, n.where)
		}
	}
	if !find(t, rep, catalog.KindProxy, "ok").OK || !find(t, rep, catalog.KindArchive, "ok").OK {
		t.Errorf("healthy mirrors were dragged down by hanging ones:\n%s", describe(rep))
	}
}

// A cancelled context (Ctrl-C) ends Run at once with the context's error.
func TestCancelReturnsPromptly(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	c := (&cat{}).add(catalog.KindProxy, "hang", serve(t, 0, hang)).build(t, k)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := Run(ctx, Options{Catalog: c, Platform: linux, Timeout: 5 * time.Second, Kinds: []catalog.Kind{catalog.KindProxy}}, nil)
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run took %s after cancel", took)
	}
}

// The callback fires once per entry as it finishes (fast ones before slow
// ones), serially, and never after Run returned. The slow database answers
// only once a fast entry's callback has come: a signal, so a Run that held
// callbacks back until every entry finished would leave it timed out,
// however loaded the machine.
func TestStreamingCallback(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	head := k.treeHead(t, 10)
	latest := func(w http.ResponseWriter, r *http.Request) { w.Write(head) }
	firstStreamed := make(chan struct{})
	var streamedOnce sync.Once
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-firstStreamed:
			latest(w, r)
		case <-r.Context().Done():
		}
	}
	c := &cat{}
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, slow), k.vkey)
	c.add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, latest), k.vkey)
	c.add(catalog.KindProxy, "hang", serve(t, 0, hang))
	c.add(catalog.KindProxy, "fast", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	cc := c.build(t, k)

	var got []Result // no lock: the contract says calls are serial
	returned := false
	var mu sync.Mutex // only guards returned, which a late call would race on
	rep, err := Run(context.Background(), Options{Catalog: cc, Platform: linux, Timeout: 1500 * time.Millisecond}, func(r Result) {
		mu.Lock()
		late := returned
		mu.Unlock()
		if late {
			t.Errorf("callback for %s after Run returned", r.Name)
		}
		got = append(got, r)
		streamedOnce.Do(func() { close(firstStreamed) })
	})
	mu.Lock()
	returned = true
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rep.Results) {
		t.Fatalf("%d callbacks for %d entries", len(got), len(rep.Results))
	}
	pending, err := Pending(Options{Catalog: cc})
	if err != nil || len(pending) != len(got) {
		t.Fatalf("Pending: %d entries, %v; want %d", len(pending), err, len(got))
	}
	for _, p := range pending {
		found := false
		for _, r := range got {
			found = found || (r.Kind == p.Kind && r.URL == p.URL)
		}
		if !found {
			t.Errorf("pending entry %s %s never streamed", p.Kind, p.URL)
		}
	}
	seen := map[string]bool{}
	for _, r := range got {
		id := string(r.Kind) + " " + r.URL
		if seen[id] {
			t.Errorf("two callbacks for %s", id)
		}
		seen[id] = true
	}
	if got[0].URL != cc.SumDB[1].URL && got[0].Name != "fast" {
		t.Errorf("first callback was %s %s, want one of the fast entries", got[0].Kind, got[0].URL)
	}
	for _, r := range rep.Results {
		if r.Kind == catalog.KindSumDB && r.URL == cc.SumDB[0].URL && !r.OK {
			t.Errorf("the slow database, answering after the first callback, failed (%s): fast entries must not wait for slow ones", r.Error)
		}
	}
	if last := got[len(got)-1]; last.Name != "hang" || last.Failure != FailTimeout {
		t.Errorf("last callback = %s (%s), want the hanging proxy's timeout", last.Name, last.Failure)
	}
}

// A proxy lacking the newest release another source lists is stale: still
// healthy, flagged, ranked after fresh ones and not recommended first.
func TestStaleProxyFlagged(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	c := &cat{}
	c.add(catalog.KindProxy, "stale", serve(t, 0, proxySpec{versions: []string{"go1.22.3", "go1.22.4", "go1.23rc1"}}.handler()))
	c.add(catalog.KindProxy, "fresh", serve(t, 30*time.Millisecond, proxySpec{versions: []string{"go1.22.4", "go1.22.5"}}.handler()))
	c.add(catalog.KindProxy, "fresh2", serve(t, 60*time.Millisecond, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	rep := run(t, c.build(t, k), func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy} })
	t.Log("\n" + describe(rep))
	s := find(t, rep, catalog.KindProxy, "stale")
	if !s.OK || s.Fresh == nil || *s.Fresh || !strings.Contains(s.Note, "lacks go1.22.5") || s.NewestToolchain != "go1.22.4" {
		t.Errorf("stale proxy: ok=%v fresh=%v newest=%q note=%q", s.OK, s.Fresh, s.NewestToolchain, s.Note)
	}
	// The two fresh ones may swap on a loaded machine (their delays differ
	// by 30 ms); stale goes last though it answers fastest.
	if got := names(rep, catalog.KindProxy); got != "fresh fresh2 stale" && got != "fresh2 fresh stale" {
		t.Errorf("ranking %q, want fresh before stale", got)
	}
	fresh, fresh2 := find(t, rep, catalog.KindProxy, "fresh").URL, find(t, rep, catalog.KindProxy, "fresh2").URL
	if g := rep.Recommendation.GOPROXY; !strings.HasPrefix(g, fresh+"|") && !strings.HasPrefix(g, fresh2+"|") {
		t.Errorf("GOPROXY = %q, want a fresh proxy first", g)
	}
}

// A lone proxy listing a release nobody else has (broken or hostile) does
// not decide what "newest" is: honest proxies stay fresh and archive probes
// ask for a file that exists. With only two proxies and no index, neither
// can outvote the other, so neither is stale.
func TestNewestNeedsConfirmation(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	c := &cat{}
	c.add(catalog.KindProxy, "liar", serve(t, 0, proxySpec{versions: []string{"go1.22.5", "go1.99.0"}}.handler()))
	c.add(catalog.KindProxy, "h1", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	c.add(catalog.KindProxy, "h2", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	c.add(catalog.KindArchive, "a", serve(t, 0, goodArchive("go1.22.5")))
	rep := run(t, c.build(t, k), func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy, catalog.KindArchive} })
	if rep.Newest != "go1.22.5" {
		t.Errorf("Newest = %q, want go1.22.5 (go1.99.0 is listed by one proxy only)", rep.Newest)
	}
	for _, r := range rep.Results {
		if !r.OK || (r.Kind == catalog.KindProxy && (r.Fresh == nil || !*r.Fresh)) {
			t.Errorf("%s %s: ok=%v fresh=%v error=%q note=%q", r.Kind, r.Name, r.OK, r.Fresh, r.Error, r.Note)
		}
	}

	two := &cat{}
	two.add(catalog.KindProxy, "new", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler()))
	two.add(catalog.KindProxy, "old", serve(t, 0, proxySpec{versions: []string{"go1.22.4"}}.handler()))
	rep = run(t, two.build(t, k), func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy} })
	if o := find(t, rep, catalog.KindProxy, "old"); o.Fresh == nil || !*o.Fresh {
		t.Errorf("old: fresh=%v with nothing to confirm go1.22.5", o.Fresh)
	}

	// An official release index is confirmation enough.
	file := dist.ArchiveName("go1.22.5", linux)
	withIndex := &cat{}
	withIndex.add(catalog.KindIndex, "idx", serve(t, 0, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"version":"go1.22.5","stable":true,"files":[{"filename":"` + file + `","os":"linux","arch":"amd64","kind":"archive","size":1}]}]`))
	}))
	withIndex.add(catalog.KindProxy, "old", serve(t, 0, proxySpec{versions: []string{"go1.22.4"}}.handler()))
	rep = run(t, withIndex.build(t, k), func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy} })
	if o := find(t, rep, catalog.KindProxy, "old"); o.Fresh == nil || *o.Fresh || !strings.Contains(o.Note, "stale: lacks go1.22.5") {
		t.Errorf("old against the index: fresh=%v note=%q", o.Fresh, o.Note)
	}
}

// The release index is a version source of its own: with every proxy down
// the archive probe still knows what to ask for, and checks the exact size.
func TestArchiveVersionFromIndexAndExactSize(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	file := dist.ArchiveName("go1.22.5", linux)
	index := serve(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("mode") != "json" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`[{"version":"go1.22.5","stable":true,"files":[
		 {"filename":"` + file + `","os":"linux","arch":"amd64","kind":"archive","size":` + itoa(realSize) + `},
		 {"filename":"go1.22.5.src.tar.gz","os":"","arch":"","kind":"source","size":1}]},
		 {"version":"go1.23rc1","stable":false,"files":[]}]`))
	})
	c := &cat{}
	c.add(catalog.KindIndex, "idx", index)
	c.add(catalog.KindProxy, "down", serve(t, 0, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "", 503) }))
	c.add(catalog.KindArchive, "exact", serve(t, 0, goodArchive("go1.22.5")))
	c.add(catalog.KindArchive, "short", serve(t, 0, archiveHandler(map[string]archiveBody{file: {gzipMagic, realSize - 1000}})))
	rep := run(t, c.build(t, k), func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindArchive} })
	t.Log("\n" + describe(rep))
	if r := find(t, rep, catalog.KindArchive, "exact"); !r.OK {
		t.Errorf("exact: %s", r.Error)
	}
	if r := find(t, rep, catalog.KindArchive, "short"); r.OK || !strings.Contains(r.Error, "official release index says") {
		t.Errorf("short: ok=%v error=%q; want a size mismatch against the index", r.OK, r.Error)
	}
}

// With no version source at all, archive probes fail saying why, at once.
func TestArchiveWithoutVersionSource(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	c := (&cat{}).add(catalog.KindArchive, "a", serve(t, 0, goodArchive("go1.22.5"))).build(t, k)
	rep := run(t, c, nil)
	r := find(t, rep, catalog.KindArchive, "a")
	if r.OK || r.Failure != FailNoVersion {
		t.Errorf("ok=%v failure=%q error=%q", r.OK, r.Failure, r.Error)
	}
}

// Redirects are followed and the final host recorded (go.dev/dl redirects
// to dl.google.com); the Range header survives the hop.
func TestRedirectRecordsFinalHost(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	target := serve(t, 0, goodArchive("go1.22.5"))
	front := serve(t, 0, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	})
	c := (&cat{}).add(catalog.KindArchive, "front", front).
		add(catalog.KindProxy, "p", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler())).build(t, k)
	rep := run(t, c, func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindArchive} })
	r := find(t, rep, catalog.KindArchive, "front")
	u, _ := url.Parse(target.URL)
	if !r.OK || r.FinalHost != u.Host || r.SizeBytes != realSize {
		t.Errorf("ok=%v final host %q (want %q) size %d error %q", r.OK, r.FinalHost, u.Host, r.SizeBytes, r.Error)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// corruptSignature flips a bit of a note's signature but keeps its key hash,
// so the verifier is found and the signature itself fails.
func corruptSignature(t *testing.T, msg []byte) []byte {
	t.Helper()
	i := strings.LastIndex(string(msg), " ")
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(msg[i+1:])))
	if err != nil {
		t.Fatal(err)
	}
	sig[10] ^= 1
	return append(append([]byte(nil), msg[:i+1]...), base64.StdEncoding.EncodeToString(sig)+"\n"...)
}

// A slow callback delays the report by its own duration only, and results
// that finished meanwhile are not mistaken for timeouts.
func TestSlowCallbackKeepsFinishedResults(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	head := k.treeHead(t, 3)
	latest := func(w http.ResponseWriter, r *http.Request) { w.Write(head) }
	c := (&cat{}).add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, latest), k.vkey).
		add(catalog.KindSumDB, "sum.golang.org", serve(t, 50*time.Millisecond, latest), k.vkey).build(t, k)
	calls := 0
	rep, err := Run(context.Background(), Options{Catalog: c, Platform: linux, Timeout: 400 * time.Millisecond}, func(Result) {
		calls++
		if calls == 1 {
			time.Sleep(700 * time.Millisecond) // past the deadline
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if !r.OK {
			t.Errorf("%s: %s; it finished while the callback slept", r.URL, r.Error)
		}
	}
	if calls != 2 {
		t.Errorf("%d callbacks, want 2", calls)
	}
}

// A proxy with no toolchain for this platform (a new port) still works for
// modules: healthy, with a note, and no freshness verdict.
func TestProxyWithoutToolchainForPlatform(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	c := (&cat{}).add(catalog.KindProxy, "p", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler())).build(t, k)
	port := dist.Platform{OS: "freebsd", Arch: "riscv64"}
	rep := run(t, c, func(o *Options) { o.Platform = port; o.Kinds = []catalog.Kind{catalog.KindProxy} })
	r := rep.Results[0]
	if !r.OK || r.Fresh != nil || r.Samples != 3 || !strings.Contains(r.Note, "no stable Go toolchain for freebsd/riscv64") {
		t.Errorf("ok=%v fresh=%v samples=%d note=%q error=%q", r.OK, r.Fresh, r.Samples, r.Note, r.Error)
	}
	if rep.Recommendation.GOPROXY != r.URL+",direct" {
		t.Errorf("GOPROXY = %q", rep.Recommendation.GOPROXY)
	}
}
