package setup

import (
	"os"
	"time"
)

// envGetenv is the process environment, used when Flow.Env has none.
func envGetenv(k string) string { return os.Getenv(k) }

func statSame(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
