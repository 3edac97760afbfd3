package main

import "github.com/gosetup/gosetup/doctor"

// shellTracer is how doctor starts the installed shells fresh: the real
// ones, with HOME and the environment a new terminal would have.
func (a *app) shellTracer() doctor.ShellTracer { return doctor.FreshShells() }
