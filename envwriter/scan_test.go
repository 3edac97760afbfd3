package envwriter

import (
	"path/filepath"
	"strings"
	"testing"
)

// The forms a line regex missed: several assignments on a line, an export
// after && or inside an if on one line, a quoted whole word, and the
// export of a name assigned on an earlier line of the same command list.
func TestScanAssignmentsParsesShell(t *testing.T) {
	sh := "export A=1 GOPROXY=https://multi.example\n" +
		"[ -d /x ] && export GOSUMDB=off\n" +
		"if true; then export GOPRIVATE=p.example; fi\n" +
		"GONOSUMDB=n.example; export GONOSUMDB\n" +
		"echo export GONOPROXY=not.an.assignment\n" +
		"cat <<EOF\nexport GOPROXY=in.a.heredoc\nEOF\n"
	got := ScanAssignments([]byte(sh), false)
	want := []Assignment{
		{"GOPROXY", 1, "https://multi.example", true},
		{"GOSUMDB", 2, "off", true},
		{"GOPRIVATE", 3, "p.example", true},
		{"GONOSUMDB", 4, "n.example", true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %+v, want %+v", got[i], want[i])
		}
	}
	fish := ScanAssignments([]byte("set -l x 1; set -gx GOPROXY https://f.example # c\nif true; set -x GOSUMDB off; end\n"), true)
	if len(fish) != 2 || fish[0].Value != "https://f.example" || fish[1].Name != "GOSUMDB" || !fish[1].Export {
		t.Errorf("fish: %+v", fish)
	}
}

// An export in a file that a startup file sources shadows the Go env file
// just the same, and is named with its own file and line.
func TestExplainFollowsSourcedFiles(t *testing.T) {
	home := t.TempDir()
	userFiles(t, home, map[string]string{
		".config/go/env":   "GOPROXY=https://goenv.example\n",
		".bashrc":          "alias x=y\n. ~/.config/myenv.sh\n",
		".config/myenv.sh": "# mine\nexport GOPROXY=https://sourced.example\n",
	})
	effs, err := Explain(testEnv(home, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range effs {
		if e.Name != "GOPROXY" {
			continue
		}
		want := filepath.Join(home, ".config/myenv.sh")
		if e.Source != SourceStartup || e.File != want || e.Line != 2 || e.Value != "https://sourced.example" {
			t.Errorf("GOPROXY = %+v, want the export at %s:2", e, want)
		}
		if len(e.Notes) != 1 || !strings.Contains(e.Notes[0], "myenv.sh:2") || !strings.Contains(e.Notes[0], "shadows the Go env file") {
			t.Errorf("notes %q", e.Notes)
		}
	}
}
