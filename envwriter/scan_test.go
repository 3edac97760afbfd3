package envwriter

import "testing"

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
