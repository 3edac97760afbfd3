package main

import (
	"context"
	"errors"
)

// placeholder until the install command lands; replaced by its implementation.
func runInstall(ctx context.Context, a *app, args []string) error {
	return errors.New("install: not built yet")
}
