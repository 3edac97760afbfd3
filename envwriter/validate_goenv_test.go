package envwriter

import "testing"

func TestValidateGoVar(t *testing.T) {
	good := map[string][]string{
		"GOFLAGS":     {"", "-mod=mod", "-mod=mod -trimpath", "--tags=x"},
		"GO111MODULE": {"", "on", "off", "auto"},
		"GOTOOLCHAIN": {"local", "auto", "path", "go1.26.3", "go1.26.3+auto", "go1.22+path", "local+auto"},
		"GOINSECURE":  {"corp.example.com/*"},
		"GOPROXY":     {"https://goproxy.cn,direct"},
		"GOBIN":       {"anything"},
	}
	bad := map[string][]string{
		"GOFLAGS":     {"mod=mod", "-mod=mod trimpath", "-", "-=x"},
		"GO111MODULE": {"yes", "ON", "1"},
		"GOTOOLCHAIN": {"1.26.3", "go1.26.3+always", "newest", "go1.x"},
		"GOINSECURE":  {"https://corp.example.com"},
		"GOPROXY":     {"goproxy.cn"},
	}
	for name, vs := range good {
		for _, v := range vs {
			if err := ValidateGoVar(name, v); err != nil {
				t.Errorf("%s=%q: %v", name, v, err)
			}
		}
	}
	for name, vs := range bad {
		for _, v := range vs {
			if err := ValidateGoVar(name, v); err == nil {
				t.Errorf("%s=%q: accepted", name, v)
			}
		}
	}
}
