package setup

import (
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/toolchain"
)

// ChecksumDB is the checksum database an install verifies module zips
// against, chosen as the go command would: the effective GOSUMDB (the
// environment, then the Go env file, then $GOROOT/go.env; see
// envwriter.ResolveGoEnv), else the catalogue's first database, else
// sum.golang.org. A shorthand such as sum.golang.google.cn is resolved; a
// GOSUMDB with a key (and optionally a URL) names a database the
// catalogue need not list. GOSUMDB=off gives nil: the module channel is
// then disabled, since gosetup never installs an unverified toolchain.
//
// cat is not changed: a database known only from GOSUMDB goes into a copy.
func ChecksumDB(gosumdb string, client *http.Client, cat *catalog.Catalog, cacheDir string) *toolchain.SumDB {
	name := toolchain.DefaultSumDB
	if len(cat.SumDB) > 0 {
		name = cat.SumDB[0].Name
	}
	v := strings.TrimSpace(gosumdb)
	if v == "off" {
		return nil
	}
	if f := strings.Fields(v); len(f) > 0 {
		n, _, hasKey := strings.Cut(f[0], "+")
		if db, _, ok := catalog.SumDBAlias(n); ok {
			n = db
		}
		name = n
		if hasKey {
			u := "https://" + n
			if len(f) > 1 {
				u = f[1]
			}
			own := *cat
			own.SumDB = append([]catalog.Entry{{Name: n, URL: strings.TrimRight(u, "/"), Key: f[0]}}, cat.SumDB...)
			cat = &own
		}
	}
	return &toolchain.SumDB{Client: client, Catalog: cat, Name: name, CacheDir: filepath.Join(cacheDir, "sumdb")}
}

// effectiveGOSUMDB is GOSUMDB as the go command would see it here; the
// built-in default counts as unset, so the catalogue's choice applies.
func (f *Flow) effectiveGOSUMDB() string {
	g, err := envwriter.ResolveGoEnv(f.Env)
	if err != nil {
		return f.getenv()("GOSUMDB")
	}
	v := g.Lookup("GOSUMDB")
	if v.Source == envwriter.SourceDefault {
		return ""
	}
	return v.Value
}
