package catalog

import (
	"sort"
	"strings"
)

// knownSumDBKeys are the verifier keys of the public checksum databases, as
// the go command knows them (cmd/go/internal/modfetch/key.go).
// sum.golang.google.cn is not a separate database: it serves sum.golang.org's
// tree, signed with the same key, so a catalogue lists it as a second URL for
// the name sum.golang.org.
var knownSumDBKeys = map[string]string{
	"sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
}

// sumDBAliases maps a GOSUMDB name the go command accepts as shorthand to the
// database it stands for and that database's default URL.
var sumDBAliases = map[string]struct{ Name, URL string }{
	"sum.golang.google.cn": {Name: "sum.golang.org", URL: "https://sum.golang.google.cn"},
}

func knownNames() string {
	var names []string
	for n := range knownSumDBKeys {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// KnownKey returns gosetup's built-in verifier key for a public checksum
// database.
func KnownKey(name string) (string, bool) {
	k, ok := knownSumDBKeys[name]
	return k, ok
}

// SumDBAlias resolves a shorthand GOSUMDB name such as sum.golang.google.cn to
// the database it serves and its URL.
func SumDBAlias(name string) (db, url string, ok bool) {
	a, ok := sumDBAliases[name]
	return a.Name, a.URL, ok
}
