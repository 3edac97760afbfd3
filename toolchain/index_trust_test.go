package toolchain

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// viaProxy is a client that sends every request through the HTTP proxy at
// proxyURL, which is how a request to a non-loopback http:// host reaches
// a loopback test server (and how anyone on the network path sees it).
func viaProxy(t *testing.T, proxyURL string) *http.Client {
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}, Timeout: 10 * time.Second}
}

func catalogJSON(t *testing.T, f map[string]any) *catalog.Catalog {
	t.Helper()
	f["mode"] = "replace"
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A release index over plain HTTP on another host is not trusted for
// hashes: anyone on the path could substitute the SHA-256 (and so the
// bin/go that gosetup runs). The module channel still works.
func TestReleasesRefusePlainHTTPIndex(t *testing.T) {
	idx, prx := indexServer(t), proxyServer(t)
	// The "network path": a proxy that answers for any host with the
	// index server's content.
	mitm := server(t, func(w http.ResponseWriter, r *http.Request) {
		target := *r.URL
		if target.Host == "index.example" {
			iu, _ := url.Parse(idx.URL)
			target.Host = iu.Host
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, target.String(), nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
	// A trusted loopback index that redirects to the plain-HTTP one.
	redirect := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://index.example"+r.URL.RequestURI(), http.StatusFound)
	})
	for name, indexURL := range map[string]string{"direct": "http://index.example/dl/", "redirect": redirect.URL + "/dl/"} {
		t.Run(name, func(t *testing.T) {
			cat := catalogJSON(t, map[string]any{
				"index": []map[string]any{{"name": "plain", "url": indexURL}},
				"proxy": []map[string]any{{"name": "proxy0", "url": prx.URL}},
			})
			f := finder(t, cat)
			f.Client = viaProxy(t, mitm.URL)
			set, err := f.Releases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if set.IndexSource != "" {
				t.Fatalf("the plain-HTTP index %s was used", set.IndexSource)
			}
			if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "plain HTTP") || !strings.Contains(set.Warnings[0], "allow_http") {
				t.Errorf("warnings = %q, want one saying why the index was refused and how to opt in", set.Warnings)
			}
			for _, r := range set.Releases {
				if len(r.Files) != 0 {
					t.Fatalf("%s has archive hashes from an untrusted index", r.Version)
				}
			}
		})
	}

	// The explicit opt-in: the catalogue entry says "allow_http": true.
	cat := catalogJSON(t, map[string]any{
		"index": []map[string]any{{"name": "plain", "url": "http://index.example/dl/", "allow_http": true}},
	})
	f := finder(t, cat)
	f.Client = viaProxy(t, mitm.URL)
	set, err := f.Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := set.Find("go1.23.1")
	if set.IndexSource != "plain" || len(r.Files) == 0 || r.Index.Name != "plain" || !r.Index.PlainHTTP {
		t.Fatalf("opted-in index: source %q, release %+v", set.IndexSource, r)
	}
}

// A loopback index over plain HTTP (a local mirror, the tests) is trusted,
// and every release names the index its hashes came from.
func TestReleasesNameTheirIndex(t *testing.T) {
	idx := indexServer(t)
	set, err := finder(t, testCatalog(t, []string{idx.URL + "/dl/"}, nil)).Releases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Releases {
		if r.Index.Name != "index0" || r.Index.URL != idx.URL+"/dl/" || r.Index.PlainHTTP {
			t.Fatalf("%s: index %+v", r.Version, r.Index)
		}
	}
}

func TestCatalogAllowHTTPOnlyForIndexes(t *testing.T) {
	_, err := catalog.Parse([]byte(`{"mode":"replace","archive":[{"name":"a","url":"http://a.example/","allow_http":true}]}`), nil)
	if err == nil || !strings.Contains(err.Error(), "allow_http") {
		t.Fatalf("err = %v", err)
	}
}

// The staged bin/go runs only after the whole archive matched the index's
// SHA-256: a mirror serving a different toolchain (whose bin/go would
// leave a mark) never gets it run, on either channel.
func TestStagedGoRunsOnlyAfterVerification(t *testing.T) {
	e := newEnv(t)
	mark := filepath.Join(t.TempDir(), "ran")
	evil := fakeToolchain(instVersion, e.p)
	evil[1].Body = "#!/bin/sh\ntouch " + mark + "\n" + mirrortest.GoScript(instVersion, e.p)[len("#!/bin/sh\n"):]
	good := goodArchive(t, e)
	evilTgz := mirrortest.TarGz("go/", evil)
	_, rel := archiveSetup(t, e, good, func(w http.ResponseWriter, r *http.Request, serve func()) {
		w.Write(evilTgz)
	})
	// Same length as the index says, so only the hash can catch it.
	rel.Files[0].Size = int64(len(evilTgz))
	_, err := e.installer().Install(context.Background(), Request{Release: rel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceArchive})
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the unverified bin/go was run")
	}

	e2 := newEnv(t)
	evilZip := mirrortest.Zip(dist.ModuleZipPrefix(instVersion, e2.p), evil)
	_, mrel := moduleSetup(t, e2, goodModuleZip(t, e2.p), func(w http.ResponseWriter, r *http.Request, serve func()) {
		w.Write(evilZip)
	})
	_, err = e2.installer().Install(context.Background(), Request{Release: mrel, Dir: filepath.Join(t.TempDir(), "go"), Source: SourceModule})
	if err == nil || !strings.Contains(err.Error(), "checksum database") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the unverified module bin/go was run")
	}
}

// A first index that fails at once (here refused for plain HTTP) starts
// the second at once; the stagger timer armed for the first must not then
// start a third that does not exist (it indexed past the list and
// crashed).
func TestReleasesFastFailureThenSlowSecond(t *testing.T) {
	idx := indexServer(t)
	slow := server(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		http.Redirect(w, r, idx.URL+r.URL.RequestURI(), http.StatusFound)
	})
	cat := catalogJSON(t, map[string]any{
		"index": []map[string]any{{"name": "plain", "url": "http://index.example/dl/"}, {"name": "slow", "url": slow.URL + "/dl/"}},
	})
	f := finder(t, cat)
	f.Stagger = 50 * time.Millisecond
	set, err := f.Releases(context.Background())
	if err != nil || set.IndexSource != "slow" {
		t.Fatalf("set %+v, err %v", set, err)
	}
}
