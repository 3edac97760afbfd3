package tui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestProgramEnterAllTheWay runs the wizard as a real Bubble Tea program
// (teatest): Enter at every step takes the recommendation, installs, writes
// the settings and ends on the proof.
func TestProgramEnterAllTheWay(t *testing.T) {
	be := &fixedBackend{}
	m := New(context.Background(), Options{Backend: be, Lang: English, Dark: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("Proceed")
	tm.Send(press("enter"))
	waitFor("finished in")
	tm.Send(press("enter"))
	waitFor("Review the changes")
	tm.Send(press("enter"))
	waitFor("fresh shell")
	tm.Send(press("enter"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if fm.Outcome() != OutcomeDone || be.installs != 1 || be.applied != 1 {
		t.Fatalf("outcome %v, %d installs, %d applies", fm.Outcome(), be.installs, be.applied)
	}
	if fm.c.choices.Release.Version != "go1.26.8" || fm.c.choices.Mirrors.GOPROXY != "https://goproxy.cn,direct" {
		t.Errorf("choices %+v", fm.c.choices)
	}
}

// TestAccessibleFlow answers the line prompts as a screen-reader user
// would: Enter for every default, then a number for the review.
func TestAccessibleFlow(t *testing.T) {
	be := &fixedBackend{}
	var out bytes.Buffer
	in := strings.NewReader("2\n\nnot a pattern[\ncorp.example.com/*\n1\n")
	err := Run(context.Background(), RunOptions{Backend: be, Lang: English, In: in, Out: &out, Accessible: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	o := out.String()
	for _, want := range []string{"1. Proceed with the installation", "2. Customize the installation", "Choose a number [1]:",
		"go1.26.8 (latest)", "goproxy.cn: ok", "go.dev: failed: connect: connection timed out",
		"✗", "+export GOPRIVATE='corp.example.com/*'", "Installed go1.26.8", "Go works in a fresh shell."} {
		if !strings.Contains(o, want) {
			t.Errorf("accessible output lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, "\x1b[") {
		t.Error("accessible output has escape sequences")
	}
	if be.installs != 1 || be.applied != 1 {
		t.Errorf("%d installs, %d applies", be.installs, be.applied)
	}
}

func TestAccessibleEOFLeavesEverything(t *testing.T) {
	be := &fixedBackend{}
	err := Run(context.Background(), RunOptions{Backend: be, Lang: Chinese, In: strings.NewReader(""), Out: io.Discard, Accessible: true})
	if err == nil || be.installs != 0 || be.applied != 0 {
		t.Fatalf("EOF at the first prompt: %v, %d installs, %d applies", err, be.installs, be.applied)
	}
}
