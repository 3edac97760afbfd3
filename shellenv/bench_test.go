package shellenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchHome is a home directory like a new Debian user's (the /etc/skel
// files when there are any) with a GOPROXY export in each shell's file.
func benchHome(b *testing.B) string {
	home := b.TempDir()
	files := map[string]string{
		".profile":                 "export GOPROXY=https://bench.example\n",
		".bashrc":                  "export GOPROXY=https://bench.example\n",
		".zshrc":                   "export GOPROXY=https://bench.example\n",
		".kshrc":                   "export GOPROXY=https://bench.example\n",
		".config/fish/config.fish": "set -gx GOPROXY https://bench.example\n",
	}
	for _, f := range []string{".bashrc", ".profile"} {
		if skel, err := os.ReadFile(filepath.Join("/etc/skel", f)); err == nil {
			files[f] = string(skel) + files[f]
		}
	}
	for name, body := range files {
		p := filepath.Join(home, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return home
}

func benchShells(b *testing.B) []Shell {
	var out []Shell
	for _, s := range Detect("/usr/bin:/bin") {
		if s.Name != "mksh" && s.Name != "sh" {
			out = append(out, s)
		}
	}
	if len(out) < 5 {
		b.Logf("only %d shells: %v", len(out), out)
	}
	return out
}

func benchSweep(b *testing.B, parallel int) {
	home := benchHome(b)
	opts := Options{Home: home, Env: []string{"PATH=/usr/bin:/bin", "TERM=dumb"}, Shells: benchShells(b), Parallel: parallel}
	for b.Loop() {
		for _, r := range Sweep(context.Background(), opts) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
}

// BenchmarkSweep is one full sweep (every shell in both modes) with at
// most 1, 2 (the default on this 2-core machine) and 4 shells at a time.
func BenchmarkSweep(b *testing.B) {
	for _, p := range []int{1, 2, 4} {
		b.Run("parallel="+string(rune('0'+p)), func(b *testing.B) { benchSweep(b, p) })
	}
}

// BenchmarkBareStarts is the baseline: the same shells in the same modes
// reading their own startup files and running `true`, untraced, one at a
// time: what starting them costs at all.
func BenchmarkBareStarts(b *testing.B) {
	home := benchHome(b)
	shells := benchShells(b)
	for b.Loop() {
		for _, s := range shells {
			for _, m := range Modes {
				args := []string{"-i", "-c", "true"}
				if m == Login {
					args = append([]string{"-l"}, args...)
				}
				cmd := exec.Command(s.Program, args...)
				cmd.Env = []string{"PATH=/usr/bin:/bin", "TERM=dumb", "HOME=" + home}
				cmd.Dir = home
				setProcAttr(cmd)
				if err := cmd.Run(); err != nil {
					b.Fatal(s, m, err)
				}
			}
		}
	}
}
