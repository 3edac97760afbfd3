package envwriter

import (
	"context"
	"encoding/base64"
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

// TestRegistryChangePriorText: a prior recorded as exact bytes (no
// terminating NUL) is described by its text; one of another type by its
// type, with no text.
func TestRegistryChangePriorText(t *testing.T) {
	raw := regStringBytes(`C:\tools`)
	raw = raw[:len(raw)-2]
	p := &Plan{Registry: []RegistryRecord{
		{Name: "Path", PriorExists: true, PriorType: RegExpandSZ, PriorData: rawPriorMark + base64.StdEncoding.EncodeToString(raw), Data: `C:\go\bin;C:\tools`},
		{Name: "GOPROXY", PriorExists: true, PriorType: 4, PriorData: rawPriorMark + "AQAAAA==", Data: "x"},
	}}
	rc := p.RegistryChanges()
	if len(rc) != 2 || rc[0].Prior != `C:\tools` || !rc[0].PriorIsText || rc[1].PriorIsText || rc[1].Prior != "" || RegTypeName(rc[1].PriorType) != "REG_DWORD" {
		t.Errorf("registry changes = %+v", rc)
	}
}
