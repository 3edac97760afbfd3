package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
)

// netResult is the one probe run behind net.proxy and net.sumdb.
type netResult struct {
	report *probe.Report
	err    error
	// proxies and sumdbs are the distinct configured values, each with
	// where it is set.
	proxies []configured
	sumdbs  []configured
	// entries maps a probed URL to the proxy entry or database it is.
	proxyURLs map[string]string
}

type configured struct {
	Value   string
	Sources []Source
	Name    string // sumdb: the database name
	URL     string // sumdb: its URL
	Key     string
	Err     string // sumdb: why it cannot be probed
}

func (f *Facts) netProbe(ctx context.Context) *netResult {
	f.netOnce.Do(func() { f.net = f.probeNet(ctx) })
	return f.net
}

// collect gathers the distinct values of name over the views.
func (f *Facts) collect(name string) []configured {
	var out []configured
	for _, v := range f.Views {
		if v.Err != "" {
			continue
		}
		s := f.effective(v, name)
		found := false
		for i := range out {
			if out[i].Value == s.Value {
				found = true
				for _, src := range s.Sources {
					out[i].Sources = appendSource(out[i].Sources, src)
				}
			}
		}
		if !found {
			out = append(out, configured{Value: s.Value, Sources: s.Sources})
		}
	}
	return out
}

// parseGOSUMDB turns a GOSUMDB value into the database name, URL and key,
// as the go command reads it.
func parseGOSUMDB(v string, cat *catalog.Catalog) (name, url, key string, err error) {
	fields := strings.Fields(v)
	if len(fields) == 0 || len(fields) > 2 {
		return "", "", "", fmt.Errorf("GOSUMDB=%q is malformed", v)
	}
	name = fields[0]
	if db, u, ok := catalog.SumDBAlias(name); ok {
		name, url = db, u
	}
	if i := strings.IndexByte(name, '+'); i >= 0 {
		key, name = name, name[:i]
	} else if k, ok := cat.SumDBKey(name); ok {
		key = k
	} else {
		return name, "", "", fmt.Errorf("gosetup knows no key for the checksum database %q, so it cannot verify it", name)
	}
	if len(fields) == 2 {
		url = fields[1]
	}
	if url == "" {
		url = "https://" + name
	}
	return name, strings.TrimRight(url, "/"), key, nil
}

func (f *Facts) probeNet(ctx context.Context) *netResult {
	nr := &netResult{proxyURLs: map[string]string{}}
	nr.proxies = f.collect("GOPROXY")
	nr.sumdbs = f.collect("GOSUMDB")
	base := f.opts.Catalog
	if base == nil {
		base = catalog.Default()
	}
	cat := &catalog.Catalog{Index: base.Index}
	seen := map[string]bool{}
	for _, p := range nr.proxies {
		for _, e := range proxyEntries(p.Value) {
			e = strings.TrimRight(strings.TrimSpace(e), "/")
			if e == "direct" || e == "off" || seen[e] || !strings.HasPrefix(e, "http://") && !strings.HasPrefix(e, "https://") {
				continue
			}
			seen[e] = true
			cat.Proxy = append(cat.Proxy, catalog.Entry{Name: e, URL: e})
		}
	}
	for i := range nr.sumdbs {
		s := &nr.sumdbs[i]
		if strings.TrimSpace(s.Value) == "off" {
			continue
		}
		name, url, key, err := parseGOSUMDB(s.Value, base)
		s.Name, s.URL, s.Key = name, url, key
		if err != nil {
			s.Err = err.Error()
			continue
		}
		if !seen["sumdb "+url] {
			seen["sumdb "+url] = true
			cat.SumDB = append(cat.SumDB, catalog.Entry{Name: name, URL: url, Key: key})
		}
	}
	if len(cat.Proxy) == 0 && len(cat.SumDB) == 0 {
		return nr
	}
	timeout := f.remaining()
	if timeout <= 0 {
		nr.err = fmt.Errorf("no time left before the network deadline")
		return nr
	}
	var kinds []catalog.Kind
	if len(cat.Proxy) > 0 {
		kinds = append(kinds, catalog.KindProxy)
	}
	if len(cat.SumDB) > 0 {
		kinds = append(kinds, catalog.KindSumDB)
	}
	nr.report, nr.err = probe.Run(ctx, probe.Options{Client: f.opts.Client, Catalog: cat, Kinds: kinds, Timeout: timeout, Samples: 1}, nil)
	return nr
}

func (nr *netResult) result(kind catalog.Kind, url string) (probe.Result, bool) {
	if nr.report == nil {
		return probe.Result{}, false
	}
	for _, r := range nr.report.Results {
		if r.Kind == kind && r.URL == url {
			return r, true
		}
	}
	return probe.Result{}, false
}

func checkNetProxy(ctx context.Context, f *Facts) []Finding {
	nr := f.netProbe(ctx)
	if nr.err != nil && nr.report == nil {
		return []Finding{{Severity: Warn, Message: "could not probe the configured proxies: " + firstLine(nr.err.Error())}}
	}
	var out []Finding
	for _, p := range nr.proxies {
		working := false
		for i, e := range proxyEntries(p.Value) {
			e = strings.TrimRight(strings.TrimSpace(e), "/")
			if e == "direct" || e == "off" {
				if !working {
					// The go command gets here only when the entries
					// before failed with 404/410 or, after |, anything.
					working = e == "direct"
				}
				break
			}
			r, found := nr.result(catalog.KindProxy, e)
			if !found {
				continue
			}
			src := append([]Source{{Kind: SourceNetwork, Key: e}}, p.Sources...)
			switch {
			case !r.OK:
				sev := Warn
				if i == 0 || !working {
					sev = Fail
				}
				out = append(out, Finding{Severity: sev, Message: fmt.Sprintf("GOPROXY entry %s does not work from here: %s", e, r.Error), Sources: src,
					Fix: "choose a working proxy: gosetup probe, then gosetup env --proxy auto"})
			case r.Fresh != nil && !*r.Fresh:
				working = true
				out = append(out, Finding{Severity: Warn, Message: fmt.Sprintf("GOPROXY entry %s is stale: it lacks %s, the newest Go release", e, nr.report.Newest), Sources: src,
					Fix: "choose a fresher proxy: gosetup probe"})
			default:
				working = true
				out = append(out, ok(fmt.Sprintf("GOPROXY entry %s answers (%.0f ms)", e, r.LatencyMS), src...))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, ok("no proxy to probe (GOPROXY is direct or off)"))
	}
	return out
}

func checkNetSumDB(ctx context.Context, f *Facts) []Finding {
	nr := f.netProbe(ctx)
	var out []Finding
	for _, s := range nr.sumdbs {
		if strings.TrimSpace(s.Value) == "off" {
			continue // security.sumdb-off
		}
		if s.Err != "" {
			out = append(out, Finding{Severity: Warn, Message: "cannot probe GOSUMDB=" + s.Value + ": " + s.Err, Sources: s.Sources})
			continue
		}
		r, found := nr.result(catalog.KindSumDB, s.URL)
		if !found {
			msg := "could not probe the checksum database " + s.Name
			if nr.err != nil {
				msg += ": " + firstLine(nr.err.Error())
			}
			out = append(out, Finding{Severity: Warn, Message: msg, Sources: s.Sources})
			continue
		}
		if r.OK {
			out = append(out, ok(fmt.Sprintf("the checksum database %s answers at %s (%.0f ms)", s.Name, s.URL, r.LatencyMS), append([]Source{{Kind: SourceNetwork, Key: s.URL}}, s.Sources...)...))
			continue
		}
		// Unreachable directly: fine if the first working proxy passes
		// it through, since the go command then asks only the proxy.
		through := ""
		for _, p := range nr.proxies {
			for _, e := range proxyEntries(p.Value) {
				e = strings.TrimRight(strings.TrimSpace(e), "/")
				pr, found := nr.result(catalog.KindProxy, e)
				if !found || !pr.OK {
					continue
				}
				for _, n := range pr.SumDBSupported {
					if n == s.Name {
						through = e
					}
				}
				break
			}
		}
		src := append([]Source{{Kind: SourceNetwork, Key: s.URL}}, s.Sources...)
		if through != "" {
			out = append(out, ok(fmt.Sprintf("the checksum database %s is unreachable from here (%s), but the proxy %s passes it through", s.Name, r.Error, through), src...))
			continue
		}
		out = append(out, Finding{Severity: Fail,
			Message: fmt.Sprintf("the checksum database %s is unreachable from here (%s), and no configured proxy passes it through: go get of any new module fails", s.Name, r.Error),
			Sources: src, Fix: "use a proxy that passes it through (gosetup probe shows which do), or a reachable GOSUMDB such as sum.golang.google.cn"})
	}
	if len(out) == 0 {
		out = append(out, ok("no checksum database to probe"))
	}
	return out
}
