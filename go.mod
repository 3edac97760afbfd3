module github.com/gosetup/gosetup

go 1.26.8

require (
	github.com/hashicorp/go-version v1.9.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/term v0.47.0 // indirect
)
