package main

import (
	"context"
	"errors"
)

// placeholder until the uninstall command lands; replaced by its implementation.
func runUninstall(ctx context.Context, a *app, args []string) error {
	return errors.New("uninstall: not built yet")
}
