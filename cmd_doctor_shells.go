package main

import "github.com/gosetup/gosetup/doctor"

// shellTracer is how doctor starts the installed shells fresh.
//
// TODO(h9t): the shellenv package's sweep, once it lands on main.
func (a *app) shellTracer() doctor.ShellTracer { return nil }
