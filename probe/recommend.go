package probe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gosetup/gosetup/internal/catalog"
)

// defaultSumDB is the database the go command checks by default, and the
// one gosetup recommends a way to reach.
const defaultSumDB = "sum.golang.org"

// sumDBName is the database to recommend a way to reach: sum.golang.org,
// unless the catalogue lists databases and none of them is it (a company's
// catalogue that replaces the built-in one with its own database, or the
// tests' mirror world): then the first one it lists.
func sumDBName(c *catalog.Catalog) string {
	if c == nil {
		return defaultSumDB
	}
	dbs := c.List(catalog.KindSumDB)
	for _, e := range dbs {
		if e.Name == defaultSumDB {
			return defaultSumDB
		}
	}
	if len(dbs) == 0 {
		return defaultSumDB
	}
	return dbs[0].Name
}

// recommend derives GOPROXY and GOSUMDB from ranked results.
//
// GOPROXY is "FASTEST|FALLBACK,direct":
//   - "|" after the fastest proxy, because "," would move on only after a
//     404 or 410: a mirror that times out, answers 5xx or 418 (as some do
//     under load) would fail the build instead of falling through to the
//     fallback. Both are public module mirrors whose content the checksum
//     database verifies, so falling through on any error costs no safety.
//   - ",direct" last: it is reached only when the fallback answers 404/410
//     (a module no proxy can see, such as one on an internal host not
//     listed in GOPRIVATE). Where direct access is blocked, as it often is
//     from mainland China, that module fails either way; everything the
//     proxies serve is never slowed by it.
//
// GOSUMDB must be reachable the way the go command will reach it: through
// the first proxy in the list that answers /sumdb/NAME/supported (we
// verified what it serves), otherwise directly, so then it names the
// fastest healthy database URL.
func recommend(rs []Result, opts Options) Recommendation {
	dbName := sumDBName(opts.Catalog)
	key := ""
	if opts.Catalog != nil {
		key, _ = opts.Catalog.SumDBKey(dbName)
	}
	var proxies, dbs []Result
	for _, r := range rs {
		if !r.OK {
			continue
		}
		switch r.Kind {
		case catalog.KindProxy:
			proxies = append(proxies, r)
		case catalog.KindSumDB:
			if r.Name == dbName {
				dbs = append(dbs, r)
			}
		}
	}
	var rec Recommendation
	var why []string
	var chain []Result
	switch {
	case !opts.wants(catalog.KindProxy):
		why = append(why, "proxies were not probed, so no GOPROXY is recommended")
	case len(proxies) == 0:
		why = append(why, "no module proxy passed its probe; keep the current GOPROXY")
	default:
		chain = []Result{proxies[0]}
		if fb, ok := fallback(proxies); ok {
			chain = append(chain, fb)
		}
		var urls []string
		for _, p := range chain {
			urls = append(urls, p.URL)
		}
		rec.GOPROXY = strings.Join(urls, "|") + ",direct"
		s := fmt.Sprintf("%s is the fastest healthy proxy (%.0f ms)", chain[0].Name, chain[0].LatencyMS)
		if isStale(&chain[0]) {
			s += ", though stale: no fresh proxy answered"
		}
		if len(chain) > 1 {
			s += fmt.Sprintf("; %s takes over on any error (|)", chain[1].Name)
		} else {
			s += "; no other proxy passed, so there is no fallback"
		}
		why = append(why, s)
	}

	var via *Result
	for i := range chain {
		if slices.Contains(chain[i].SumDBSupported, dbName) {
			via = &chain[i]
			break
		}
	}
	switch {
	case via != nil:
		// The go command knows only sum.golang.org's key; another
		// database is named by its key (the proxy still serves it).
		rec.GOSUMDB = dbName
		if dbName != defaultSumDB && key != "" {
			rec.GOSUMDB = key
		}
		why = append(why, fmt.Sprintf("the go command reaches %s through %s, which passes it through (verified)", dbName, via.Name))
	case len(dbs) > 0:
		rec.GOSUMDB = gosumdbValue(dbs[0], key)
		lead := "no recommended proxy passes the checksum database through, so the go command contacts it directly"
		if rec.GOPROXY == "" {
			lead = "the checksum database is contacted directly"
		}
		why = append(why, fmt.Sprintf("%s: %s is the fastest URL that served a verified tree head", lead, dbs[0].URL))
	case !opts.wants(catalog.KindSumDB):
		why = append(why, "checksum databases were not probed and no recommended proxy passes one through; probe them too for a GOSUMDB")
	default:
		why = append(why, "no checksum database URL served a verified tree head and no recommended proxy passes one through; keep GOSUMDB as it is (never turn it off)")
	}
	rec.Reason = strings.Join(why, "; ")
	return rec
}

// fallback picks the next proxy, preferring another operator (host): two
// names in front of one backend fail together.
func fallback(proxies []Result) (Result, bool) {
	if len(proxies) < 2 {
		return Result{}, false
	}
	first := host(proxies[0])
	for _, p := range proxies[1:] {
		if host(p) != first {
			return p, true
		}
	}
	return proxies[1], true
}

func host(r Result) string {
	if r.FinalHost != "" {
		return r.FinalHost
	}
	u := strings.TrimPrefix(strings.TrimPrefix(r.URL, "https://"), "http://")
	h, _, _ := strings.Cut(u, "/")
	return h
}

// gosumdbValue spells a GOSUMDB value that makes the go command use this
// URL for sum.golang.org: the bare name for its own host, the shorthand the
// go command knows for the China-hosted twin, else "name URL".
//
// The go command knows only sum.golang.org's key (and its aliases'); any
// other database must be named with its verifier key, or the go command
// refuses it ("unknown GOSUMDB"), so key, the catalogue's, is used then.
func gosumdbValue(r Result, key string) string {
	if r.URL == "https://"+defaultSumDB {
		return defaultSumDB
	}
	for _, alias := range []string{"sum.golang.google.cn"} {
		if db, u, ok := catalog.SumDBAlias(alias); ok && db == r.Name && u == r.URL {
			return alias
		}
	}
	if r.Name != defaultSumDB && key != "" {
		return key + " " + r.URL
	}
	return r.Name + " " + r.URL
}
