package toolchain

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/mirrortest"
)

// A nil client means httpx's default client (gosetup's User-Agent and
// timeouts) in every package, never a bare http.DefaultClient.
func TestNilClientIsHTTPXDefault(t *testing.T) {
	w := mirrortest.New(t, mirrortest.Options{})
	var mu sync.Mutex
	agents := map[string]bool{}
	for _, r := range []mirrortest.Route{mirrortest.RouteIndex, mirrortest.RouteProxy} {
		w.Hook(r, func(rw http.ResponseWriter, req *http.Request, serve http.HandlerFunc) {
			mu.Lock()
			agents[req.UserAgent()] = true
			mu.Unlock()
			serve(rw, req)
		})
	}
	set, err := (&Finder{Catalog: w.Catalog(t), Platform: dist.Host()}).Releases(context.Background())
	if err != nil || len(set.Releases) == 0 {
		t.Fatalf("Releases with a nil client: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for a := range agents {
		if !strings.HasPrefix(a, "gosetup/") {
			t.Errorf("User-Agent %q, want gosetup's", a)
		}
	}
	if len(agents) == 0 {
		t.Error("no request seen")
	}
}
