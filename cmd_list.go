package main

import (
	"context"
	"errors"
)

// placeholder until the list command lands; replaced by its implementation.
func runList(ctx context.Context, a *app, args []string) error {
	return errors.New("list: not built yet")
}
