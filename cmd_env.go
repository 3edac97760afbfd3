package main

import (
	"context"
	"errors"
)

// placeholder until the env command lands; replaced by its implementation.
func runEnv(ctx context.Context, a *app, args []string) error {
	return errors.New("env: not built yet")
}
