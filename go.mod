module github.com/gosetup/gosetup

go 1.26.0

require (
	github.com/hashicorp/go-version v1.9.0
	golang.org/x/mod v0.42.0
	golang.org/x/sys v0.49.0
	golang.org/x/term v0.47.0
)

require github.com/klauspost/compress v1.20.3

require mvdan.cc/sh/v3 v3.14.1
