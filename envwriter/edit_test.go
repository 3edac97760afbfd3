package envwriter

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func dropLine(n int) func([]byte) ([]byte, error) {
	return func(text []byte) ([]byte, error) {
		lines := strings.SplitAfter(string(text), "\n")
		return []byte(strings.Join(append(lines[:n-1:n-1], lines[n:]...), "")), nil
	}
}

// A repair of a user's line, in a file gosetup also writes its block to,
// and in one it never touched: one write each, and uninstall restores both
// files' exact bytes from before gosetup.
func TestPlanEditsRecordedForUninstall(t *testing.T) {
	home := t.TempDir()
	env := testEnv(home, []string{"bash"}, nil)
	rc := filepath.Join(home, ".bashrc")
	mine := filepath.Join(home, "myenv.sh")
	rcText := "export GOROOT=/old\nalias ll='ls -l'" // no final newline
	os.WriteFile(rc, []byte(rcText), 0o640)
	os.WriteFile(mine, []byte("export GOPROXY=x\nexport A=1\n"), 0o600)
	bin := filepath.Join(home, "go", "bin")

	base, err := PlanEnv(context.Background(), Options{Settings: Settings{Path: []string{bin}}, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanEdits(context.Background(), env, base, []FileEdit{
		{Path: rc, Line: 1, Why: "remove GOROOT", Edit: dropLine(1)},
		{Path: mine, Line: 1, Why: "remove GOPROXY", Edit: dropLine(1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range p.Changed() {
		if c.Path == rc {
			n++
			if bytes.Contains(c.New, []byte("GOROOT")) || !HasBlock(c.New) {
				t.Errorf(".bashrc would be %q", c.New)
			}
		}
	}
	if n != 1 {
		t.Fatalf(".bashrc is in the plan %d times", n)
	}
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(mine); string(b) != "export A=1\n" {
		t.Errorf("myenv.sh = %q", b)
	}
	u, err := PlanUninstall(context.Background(), UninstallOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(rc); string(b) != rcText {
		t.Errorf("after uninstall .bashrc = %q, want %q", b, rcText)
	}
	if b, _ := os.ReadFile(mine); string(b) != "export GOPROXY=x\nexport A=1\n" {
		t.Errorf("after uninstall myenv.sh = %q", b)
	}
	if fi, _ := os.Stat(rc); fi.Mode().Perm() != 0o640 {
		t.Errorf(".bashrc mode %v", fi.Mode())
	}
}

// A repair of the Go env file that gosetup also wrote values to: uninstall
// gives back the value repair removed.
func TestPlanEditsGoEnvFile(t *testing.T) {
	home := t.TempDir()
	env := testEnv(home, []string{"bash"}, map[string]string{"XDG_CONFIG_HOME": filepath.Join(home, ".config")})
	genv := filepath.Join(home, ".config", "go", "env")
	os.MkdirAll(filepath.Dir(genv), 0o755)
	os.WriteFile(genv, []byte("GO111MODULE=off\n"), 0o644)
	p, err := PlanEnv(context.Background(), Options{Settings: Settings{GOPROXY: "https://goproxy.cn,direct"}, Scope: ScopeGoEnv, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	written, _ := os.ReadFile(genv)
	p, err = PlanEdits(context.Background(), env, nil, []FileEdit{{Path: genv, GoEnv: true, Why: "unset GO111MODULE",
		Edit: func(b []byte) ([]byte, error) { return UpdateGoEnv(b, nil, []string{"GO111MODULE"}), nil }}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(genv); bytes.Contains(b, []byte("GO111MODULE")) || !bytes.Contains(b, []byte("GOPROXY")) {
		t.Fatalf("after repair: %q (before: %q)", b, written)
	}
	u, err := PlanUninstall(context.Background(), UninstallOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(genv); string(b) != "GO111MODULE=off\n" {
		t.Errorf("after uninstall the Go env file is %q, want its bytes from before", b)
	}
}

func TestMoveBlockToEnd(t *testing.T) {
	in := "a\n" + BeginMarker + "\n. x # gosetup\n" + EndMarker + "\nexport PATH=/old:$PATH\n"
	out, err := MoveBlockToEnd([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "a\nexport PATH=/old:$PATH\n" + BeginMarker + "\n. x # gosetup\n" + EndMarker + "\n"
	if string(out) != want {
		t.Errorf("got %q want %q", out, want)
	}
	if again, _ := MoveBlockToEnd(out); !bytes.Equal(again, out) {
		t.Errorf("moving a last block changed it: %q", again)
	}
	back, _, _ := RemoveBlock(out)
	if string(back) != "a\nexport PATH=/old:$PATH\n" {
		t.Errorf("RemoveBlock after the move: %q", back)
	}
	// CRLF files keep CRLF.
	crlf := strings.ReplaceAll(in, "\n", "\r\n")
	out, _ = MoveBlockToEnd([]byte(crlf))
	if strings.Count(string(out), "\r\n") != strings.Count(string(out), "\n") {
		t.Errorf("CRLF lost: %q", out)
	}
}
