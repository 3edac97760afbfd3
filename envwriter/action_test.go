package envwriter

import (
	"context"
	"path/filepath"
	"testing"
)

// A plan says what each change does and whether it writes or reverts, so
// that no caller needs to know how it was made.
func TestPlanDescribesItself(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{".profile": "export EDITOR=vi\n"})
	env := testEnv(home, []string{"sh"}, nil)
	opts := Options{Settings: Settings{GOPROXY: "https://goproxy.cn,direct", Path: []string{"/opt/go/bin"}}, Env: env}
	p, err := PlanEnv(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if p.Purpose() != PurposeWrite {
		t.Errorf("env plan purpose = %q, want write", p.Purpose())
	}
	got := map[string]Action{}
	for _, c := range p.Changes {
		got[filepath.Base(c.Path)] = c.Action()
	}
	want := map[string]Action{"env": ActionCreate, "env.fish": ActionCreate, ".profile": ActionEdit}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: action %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	p2, err := PlanEnv(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p2.Changes {
		if c.Action() != ActionUnchanged {
			t.Errorf("second plan: %s is %q, want unchanged", c.Path, c.Action())
		}
	}
	u, err := PlanUninstall(context.Background(), UninstallOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if u.Purpose() != PurposeRevert {
		t.Errorf("uninstall plan purpose = %q, want revert", u.Purpose())
	}
	got = map[string]Action{}
	for _, c := range u.Changes {
		got[filepath.Base(c.Path)] = c.Action()
	}
	want = map[string]Action{"env": ActionRemove, "env.fish": ActionRemove, ".profile": ActionEdit}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("uninstall %s: action %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestRegistryChangesDescribeThemselves(t *testing.T) {
	w := &Plan{Registry: []RegistryRecord{{Name: "GOPROXY", Data: "x"}, {Name: "Path", PriorExists: true, PriorData: "a", Data: "b;a"}},
		RegistryRevert: []RegistryRecord{{Name: "GOSUMDB", Data: "y"}}}
	rc := w.RegistryChanges()
	if len(rc) != 3 || rc[0].Action != ActionCreate || rc[0].Reverts || rc[1].Action != ActionEdit || !rc[2].Reverts || rc[2].Action != ActionRemove || rc[2].Why == "" {
		t.Errorf("write plan registry changes = %+v", rc)
	}
	u := &Plan{uninstall: true, Registry: []RegistryRecord{{Name: "GOPROXY", Data: "x"}, {Name: "Path", PriorExists: true, PriorData: "a", Data: "b;a"}}}
	rc = u.RegistryChanges()
	if len(rc) != 2 || rc[0].Action != ActionRemove || !rc[0].Reverts || rc[1].Action != ActionEdit || !rc[1].Reverts {
		t.Errorf("uninstall plan registry changes = %+v", rc)
	}
}
