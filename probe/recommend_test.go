package probe

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// GOSUMDB follows where the go command will really reach the database: via
// the first proxy in GOPROXY that passes it through, else directly.
func TestRecommendationFollowsSumDBPassThrough(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	head := k.treeHead(t, 42)
	latest := func(w http.ResponseWriter, r *http.Request) { w.Write(head) }
	teapot := func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/sumdb/") {
			w.WriteHeader(http.StatusTeapot) // as one public proxy has answered
			return
		}
		proxySpec{versions: []string{"go1.22.5"}}.handler()(w, r)
	}
	cases := []struct {
		name        string
		primary     http.HandlerFunc // 0 ms
		fallback    http.HandlerFunc // 200 ms: slower whatever the load
		wantSumDB   string           // "db" means the direct database URL
		wantNote    string
		wantReason  string
		wantProxies int
	}{
		{"primary passes it", proxySpec{versions: []string{"go1.22.5"}, sumdb: head}.handler(), proxySpec{versions: []string{"go1.22.5"}}.handler(),
			"sum.golang.org", "", "through primary", 2},
		{"only the fallback passes it", proxySpec{versions: []string{"go1.22.5"}}.handler(), proxySpec{versions: []string{"go1.22.5"}, sumdb: head}.handler(),
			"sum.golang.org", "", "through fallback", 2},
		{"neither passes it", proxySpec{versions: []string{"go1.22.5"}}.handler(), proxySpec{versions: []string{"go1.22.5"}}.handler(),
			"db", "", "contacts it directly", 2},
		{"primary answers 418", teapot, proxySpec{versions: []string{"go1.22.5"}}.handler(),
			"db", "answered HTTP 418", "contacts it directly", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := serve(t, 0, latest)
			c := (&cat{}).add(catalog.KindProxy, "fallback", serve(t, 200*time.Millisecond, tc.fallback)).
				add(catalog.KindProxy, "primary", serve(t, 0, tc.primary)).
				add(catalog.KindSumDB, "sum.golang.org", db, k.vkey).build(t, k)
			rep := run(t, c, nil)
			rec := rep.Recommendation
			want := tc.wantSumDB
			if want == "db" {
				want = "sum.golang.org " + db.URL
			}
			if rec.GOSUMDB != want || !strings.Contains(rec.Reason, tc.wantReason) {
				t.Errorf("GOSUMDB = %q, reason %q; want %q, reason mentioning %q", rec.GOSUMDB, rec.Reason, want, tc.wantReason)
			}
			p := find(t, rep, catalog.KindProxy, "primary")
			f := find(t, rep, catalog.KindProxy, "fallback")
			if wantP := p.URL + "|" + f.URL + ",direct"; rec.GOPROXY != wantP {
				t.Errorf("GOPROXY = %q, want %q", rec.GOPROXY, wantP)
			}
			if !strings.Contains(p.Note, tc.wantNote) {
				t.Errorf("primary note %q, want it to mention %q", p.Note, tc.wantNote)
			}
		})
	}
}

// No healthy proxy or database: recommend nothing rather than something
// broken, and never GOSUMDB=off.
func TestRecommendationWhenNothingWorks(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	down := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "", 503) }
	c := (&cat{}).add(catalog.KindProxy, "down", serve(t, 0, down)).
		add(catalog.KindSumDB, "sum.golang.org", serve(t, 0, down), k.vkey).build(t, k)
	rep := run(t, c, nil)
	rec := rep.Recommendation
	if rec.GOPROXY != "" || rec.GOSUMDB != "" || !strings.Contains(rec.Reason, "keep the current GOPROXY") || !strings.Contains(rec.Reason, "never turn it off") {
		t.Errorf("recommendation %+v", rec)
	}
	if rep.Healthy() {
		t.Error("Healthy() = true with every mirror down")
	}
}

// The fallback is on another host than the primary when one is healthy:
// two names for one backend fail together.
func TestFallbackPrefersAnotherHost(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	h := proxySpec{versions: []string{"go1.22.5"}}.handler()
	same := serve(t, 0, func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/b")
		h(w, r)
	})
	other := serve(t, 30*time.Millisecond, h)
	cc := (&cat{}).add(catalog.KindProxy, "a", same).add(catalog.KindProxy, "other", other)
	cc.Proxy = append(cc.Proxy, catalog.Entry{Name: "b", URL: same.URL + "/b"})
	rep := run(t, cc.build(t, k), func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy} })
	first := rep.Results[0].URL
	if want := first + "|" + other.URL + ",direct"; rep.Recommendation.GOPROXY != want {
		t.Errorf("GOPROXY = %q, want %q", rep.Recommendation.GOPROXY, want)
	}
}

func TestGOSUMDBSpelling(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://sum.golang.org", "sum.golang.org"},
		{"https://sum.golang.google.cn", "sum.golang.google.cn"},
		{"https://goproxy.cn/sumdb/sum.golang.org", "sum.golang.org https://goproxy.cn/sumdb/sum.golang.org"},
	} {
		if got := gosumdbValue(Result{Name: "sum.golang.org", URL: tc.url}, "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"); got != tc.want {
			t.Errorf("gosumdbValue(%s) = %q, want %q", tc.url, got, tc.want)
		}
	}
	// Another database: the go command knows no key for it, so the value
	// must carry the catalogue's (without it go mod download fails with
	// "unknown GOSUMDB", as the wizard's fresh-shell proof found).
	key := "sum.corp.example+5d08a14f+Ab/0MdbK0aZR8/fM1ykoJ9/LQonT3PfSpOjTGAQnp4Po"
	if got, want := gosumdbValue(Result{Name: "sum.corp.example", URL: "https://sum.corp.example"}, key), key+" https://sum.corp.example"; got != want {
		t.Errorf("gosumdbValue(sum.corp.example) = %q, want %q", got, want)
	}
}

// TLS: an untrusted certificate is a TLS failure, not a slow mirror; with
// the certificate trusted, the handshake time is recorded.
func TestTLS(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	srv := httptest.NewTLSServer(proxySpec{versions: []string{"go1.22.5"}}.handler())
	t.Cleanup(srv.Close)
	c := (&cat{}).build(t, k)
	c.Proxy = []catalog.Entry{{Name: "tls", URL: srv.URL}}

	rep := run(t, c, func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy} })
	if r := rep.Results[0]; r.OK || r.Failure != FailTLS {
		t.Errorf("untrusted: ok=%v failure=%q error=%q", r.OK, r.Failure, r.Error)
	}
	client := srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig.MinVersion = tls.VersionTLS12
	rep = run(t, c, func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindProxy}; o.Client = client })
	if r := rep.Results[0]; !r.OK || r.TLSMS <= 0 || r.ConnectMS <= 0 || r.TTFBMS <= 0 {
		t.Errorf("trusted: ok=%v tls=%.2f connect=%.2f ttfb=%.2f error=%q", r.OK, r.TLSMS, r.ConnectMS, r.TTFBMS, r.Error)
	}
}

// A mirror that proved itself but is too slow for every sample before the
// deadline is healthy with fewer samples and a note, not a timeout.
func TestPartialSamplesBeforeDeadline(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	head := k.treeHead(t, 1)
	c := (&cat{}).add(catalog.KindSumDB, "sum.golang.org", serve(t, 250*time.Millisecond, func(w http.ResponseWriter, r *http.Request) { w.Write(head) }), k.vkey).build(t, k)
	rep := run(t, c, func(o *Options) { o.Timeout = 650 * time.Millisecond })
	r := rep.Results[0]
	if !r.OK || r.Samples < 1 || r.Samples > 2 || !strings.Contains(r.Note, "of 3 samples before the deadline") {
		t.Errorf("ok=%v samples=%d note=%q error=%q", r.OK, r.Samples, r.Note, r.Error)
	}
}

// On Windows the archive is a zip: PK magic passes, gzip fails.
func TestWindowsArchiveIsZip(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	win := dist.Platform{OS: "windows", Arch: "amd64"}
	file := dist.ArchiveName("go1.22.5", win)
	c := (&cat{}).add(catalog.KindProxy, "p", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler())).
		add(catalog.KindArchive, "zip", serve(t, 0, archiveHandler(map[string]archiveBody{file: {[]byte("PK\x03\x04"), realSize}}))).
		add(catalog.KindArchive, "gz", serve(t, 0, archiveHandler(map[string]archiveBody{file: {gzipMagic, realSize}}))).build(t, k)
	rep := run(t, c, func(o *Options) { o.Platform = win; o.Kinds = []catalog.Kind{catalog.KindArchive} })
	if r := find(t, rep, catalog.KindArchive, "zip"); !r.OK || r.File != "go1.22.5.windows-amd64.zip" {
		t.Errorf("zip: ok=%v file=%q error=%q", r.OK, r.File, r.Error)
	}
	if r := find(t, rep, catalog.KindArchive, "gz"); r.OK || !strings.Contains(r.Error, "zip magic") {
		t.Errorf("gz on windows: ok=%v error=%q", r.OK, r.Error)
	}
}

func TestParseToolchainList(t *testing.T) {
	for _, tc := range []struct {
		name, body     string
		stable, module string
		err            string
	}{
		{"ordinary", "v0.0.1-go1.21.0.linux-amd64\nv0.0.1-go1.22.5.linux-amd64\nv0.0.1-go1.23rc1.linux-amd64\nv0.0.1-go1.22.6.windows-amd64\n",
			"go1.22.5", "v0.0.1-go1.23rc1.linux-amd64", ""},
		{"extra fields and blank lines", "\nv0.0.1-go1.22.5.linux-amd64 2024-07-02T00:00:00Z\n\n", "go1.22.5", "v0.0.1-go1.22.5.linux-amd64", ""},
		{"only rc", "v0.0.1-go1.23rc1.linux-amd64\n", "", "v0.0.1-go1.23rc1.linux-amd64", ""},
		{"no platform", "v0.0.1-go1.22.5.plan9-amd64\n", "", "", ""},
		{"empty", "", "", "", "names no golang.org/toolchain versions"},
		{"html", "<html><body>login</body></html>", "", "", "HTML page"},
		{"prose", "Service unavailable\n", "", "", "not a module version"},
	} {
		l, err := parseToolchainList([]byte(tc.body), false, linux)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || l.newestStable != tc.stable || l.newestModule != tc.module {
			t.Errorf("%s: stable %q module %q err %v; want %q %q", tc.name, l.newestStable, l.newestModule, err, tc.stable, tc.module)
		}
	}
}

// The bytes decide, not the Content-Type: a real archive mislabelled as HTML
// passes, a login page labelled as an archive fails.
func TestArchiveContentTypeDoesNotDecide(t *testing.T) {
	k := newKey(t, "sum.golang.org")
	file := dist.ArchiveName("go1.22.5", linux)
	good := goodArchive("go1.22.5")
	mislabelled := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(archiveBody{gzipMagic, realSize}, 0, realSize))
	}
	login := func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || !strings.HasSuffix(r.URL.Path, file) {
			good(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte("<html><body>Sign in to continue</body></html>"))
	}
	c := (&cat{}).add(catalog.KindProxy, "p", serve(t, 0, proxySpec{versions: []string{"go1.22.5"}}.handler())).
		add(catalog.KindArchive, "mislabelled", serve(t, 0, mislabelled)).
		add(catalog.KindArchive, "login", serve(t, 0, login)).build(t, k)
	rep := run(t, c, func(o *Options) { o.Kinds = []catalog.Kind{catalog.KindArchive} })
	if r := find(t, rep, catalog.KindArchive, "mislabelled"); !r.OK {
		t.Errorf("mislabelled archive: %s", r.Error)
	}
	if r := find(t, rep, catalog.KindArchive, "login"); r.OK || !strings.Contains(r.Error, "HTML page") {
		t.Errorf("login page: ok=%v error=%q", r.OK, r.Error)
	}
}

// A catalogue that replaces the built-in one with its own checksum
// database (a company's, or the mirror world's) gets a GOSUMDB for that
// database, with its key: recommending only sum.golang.org left such a
// machine checking modules against a database it cannot reach.
func TestRecommendationForTheCatalogueOwnSumDB(t *testing.T) {
	w := mirrortest.New(t, mirrortest.Options{})
	rep := run(t, w.Catalog(t), func(o *Options) { o.Platform = dist.Host() })
	if rec := rep.Recommendation; rec.GOSUMDB != w.SumDBKey {
		t.Errorf("through the proxy: GOSUMDB = %q, want the world's key %q (reason %q)", rec.GOSUMDB, w.SumDBKey, rec.Reason)
	}
	// Without the pass-through, the database's own URL, with its key.
	w.Hook(mirrortest.RouteSumDB, func(rw http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
		if strings.HasPrefix(r.URL.Path, "/proxy/") {
			http.NotFound(rw, r)
			return
		}
		serve(rw, r)
	})
	rep = run(t, w.Catalog(t), func(o *Options) { o.Platform = dist.Host() })
	if rec, want := rep.Recommendation, w.SumDBKey+" "+w.SumDBURL; rec.GOSUMDB != want {
		t.Errorf("directly: GOSUMDB = %q, want %q (reason %q)", rec.GOSUMDB, want, rec.Reason)
	}
}
