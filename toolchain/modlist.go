package toolchain

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gosetup/gosetup/internal/dist"
)

// maxModuleListSize caps a golang.org/toolchain version list (a few KB today).
const maxModuleListSize = 8 << 20

// ModuleListURL is a GOPROXY's list of golang.org/toolchain versions.
func ModuleListURL(proxy string) string {
	return strings.TrimRight(proxy, "/") + "/" + dist.ToolchainModule + "/@v/list"
}

func fetchModuleList(ctx context.Context, client *http.Client, proxy string) (map[string][]string, error) {
	body, err := get(ctx, client, ModuleListURL(proxy), maxModuleListSize)
	if err != nil {
		return nil, err
	}
	return ParseModuleList(body)
}

// ParseModuleList parses a golang.org/toolchain @v/list answer into the
// platforms ("linux/amd64") each Go version is published for. Lines that
// are not toolchain versions are skipped, as the go command skips them; an
// answer with none at all (or an HTML page) is an error, so the race moves
// on to the next proxy.
func ParseModuleList(data []byte) (map[string][]string, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return nil, errors.New("got an HTML page, not a module version list (a captive portal or a wrong URL?)")
	}
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(trimmed), "\n") {
		// A list line may carry a timestamp after the version.
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		v, p, ok := dist.ParseModuleVersion(fields[0])
		if !ok || seen[fields[0]] {
			continue
		}
		seen[fields[0]] = true
		out[v] = append(out[v], p.String())
	}
	if len(out) == 0 {
		return nil, errors.New("the proxy lists no golang.org/toolchain versions")
	}
	return out, nil
}
