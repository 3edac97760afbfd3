package doctor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"

	"github.com/gosetup/gosetup/envwriter"
	"github.com/gosetup/gosetup/shellenv"
	"github.com/gosetup/gosetup/toolchain"
)

// FreshShells is the ShellTracer of the real shells: each installed shell
// is started fresh as login and as interactive shell with HOME and the
// environment a new terminal would have (shellenv), and the go it finds
// is then run with that shell's environment to learn what it sees.
func FreshShells() ShellTracer {
	return func(ctx context.Context, env envwriter.Env) ([]ShellView, error) {
		getenv := shellenv.Getenv(env.Getenv)
		results := shellenv.Sweep(ctx, shellenv.Options{Home: env.Home, Env: shellenv.DefaultEnv(getenv)})
		results = slices.DeleteFunc(results, func(r shellenv.Result) bool { return readsNothing(r, env.Home, getenv) })
		views := make([]ShellView, len(results))
		var wg sync.WaitGroup
		for i, r := range results {
			v := ShellView{Shell: r.Shell, Mode: string(r.Mode), Env: r.Env, Go: r.Go}
			if r.Err != nil {
				v.Err = r.Err.Error()
			}
			for _, a := range r.Assignments {
				v.Assignments = append(v.Assignments, Assignment{Name: a.Var, Value: a.Value, File: a.File, Line: a.Line, Export: a.Export})
			}
			if !filepath.IsAbs(v.Go) {
				v.Go = "" // an alias or function: not a go command doctor can run
			}
			views[i] = v
			if v.Go == "" || v.Err != "" {
				continue
			}
			wg.Go(func() {
				childEnv := make([]string, 0, len(r.Env)+1)
				keys := make([]string, 0, len(r.Env))
				for k := range r.Env {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					if k != "GOTOOLCHAIN" {
						childEnv = append(childEnv, k+"="+r.Env[k])
					}
				}
				childEnv = append(childEnv, "GOTOOLCHAIN=local")
				m, err := goEnv(ctx, v.Go, childEnv)
				if err != nil {
					views[i].GoVersion = toolchain.GoVersion(ctx, v.Go)
					return
				}
				views[i].GoEnv, views[i].GoVersion = m, m["GOVERSION"]
			})
		}
		wg.Wait()
		return views, ctx.Err()
	}
}

// readsNothing is true for an interactive dash, sh, ksh or mksh that is not
// a login shell and has no $ENV file or ~/.kshrc to read: such a shell
// only inherits the environment of the login session it is started from,
// so started fresh it has nothing to say about the user's files (and
// reporting it without a go would be a false alarm).
func readsNothing(r shellenv.Result, home string, getenv shellenv.Getenv) bool {
	if r.Mode != shellenv.Interactive {
		return false
	}
	switch r.Shell {
	case "dash", "sh", "ksh", "mksh":
	default:
		return false
	}
	for _, f := range shellenv.StartupFiles(r.Shell, r.Mode, home, getenv) {
		if f.System {
			continue
		}
		if _, err := os.Stat(f.Path); err == nil {
			return false
		}
	}
	return true
}
