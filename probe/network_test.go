package probe

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// TestRealProxy probes the real module proxy of `go env GOPROXY` and the
// real sum.golang.org pass-through, verified with the real key: the
// protocol parsing and the signature check against the real thing.
// Opt-in: GOSETUP_TEST_NETWORK=1.
func TestRealProxy(t *testing.T) {
	if os.Getenv("GOSETUP_TEST_NETWORK") != "1" {
		t.Skip("set GOSETUP_TEST_NETWORK=1 to probe the real module proxy")
	}
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatalf("go env GOPROXY: %v", err)
	}
	first, _, _ := strings.Cut(strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' })[0], " ")
	if !strings.HasPrefix(first, "http") {
		t.Skipf("GOPROXY %q starts with no proxy URL", out)
	}
	c := &catalog.Catalog{
		Proxy: []catalog.Entry{{Name: "goproxy", URL: strings.TrimRight(first, "/")}},
		SumDB: []catalog.Entry{{Name: "sum.golang.org", URL: strings.TrimRight(first, "/") + "/sumdb/sum.golang.org"}},
	}
	rep, err := Run(context.Background(), Options{Catalog: c, Timeout: 10 * time.Second, Platform: dist.Host()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + describe(rep))
	p := find(t, rep, catalog.KindProxy, "goproxy")
	if !p.OK || p.NewestToolchain == "" || p.Fresh == nil || !*p.Fresh {
		t.Errorf("proxy: %+v", p)
	}
	db := find(t, rep, catalog.KindSumDB, "sum.golang.org")
	if !db.OK {
		t.Errorf("sum.golang.org through the proxy: %s", db.Error)
	}
	t.Logf("recommendation: %+v", rep.Recommendation)
}
