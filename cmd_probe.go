package main

import (
	"context"
	"errors"
)

// placeholder until the probe command lands; replaced by its implementation.
func runProbe(ctx context.Context, a *app, args []string) error {
	return errors.New("probe: not built yet")
}
