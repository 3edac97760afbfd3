package tui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestProgramEnterAllTheWay runs the wizard as a real Bubble Tea program
// (teatest): Enter at every step takes the recommendation, installs, writes
// the settings and ends on the proof.
func TestProgramEnterAllTheWay(t *testing.T) {
	be := &fixedBackend{}
	m := New(context.Background(), Options{Backend: be, Lang: English, Dark: true})
	// The frames on the output are diffs against the last one, so words
	// can arrive in pieces; the test watches the model instead, through a
	// filter that runs in the program's own goroutine before each message.
	var at atomic.Value
	at.Store("")
	snap := func(m *Model) string {
		s := fmt.Sprint(m.current())
		if m.c.det != nil && m.c.rels != nil {
			s += " ready"
		}
		if ms := m.screens[stepMirrors].(*mirrorsScreen); ms.rep != nil {
			s += " probed"
		}
		if m.c.plan != nil {
			s += " planned"
		}
		if m.c.check != nil {
			s += " checked"
		}
		return s
	}
	filter := func(mod tea.Model, msg tea.Msg) tea.Msg {
		at.Store(snap(mod.(*Model)))
		return msg
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24), teatest.WithProgramOptions(tea.WithFilter(filter)))
	waitFor := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			tm.Send(pingMsg{}) // so the filter sees the latest state
			time.Sleep(10 * time.Millisecond)
			s, ok := at.Load().(string), true
			for _, w := range want {
				ok = ok && strings.Contains(s, w)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited for %q, model at %q", want, s)
			}
		}
	}
	waitFor(fmt.Sprint(stepDetect), "ready")
	tm.Send(press("enter"))
	waitFor(fmt.Sprint(stepMirrors), "probed")
	tm.Send(press("enter"))
	waitFor(fmt.Sprint(stepReview), "planned")
	tm.Send(press("enter"))
	waitFor(fmt.Sprint(stepDone), "checked")
	tm.Send(press("enter"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if fm.Outcome() != OutcomeDone || be.installs != 1 || be.applied != 1 {
		t.Fatalf("outcome %v, %d installs, %d applies", fm.Outcome(), be.installs, be.applied)
	}
	if fm.c.choices.Release.Version != "go1.26.8" || fm.c.choices.Mirrors.GOPROXY != "https://goproxy.cn,direct" {
		t.Errorf("choices %+v", fm.c.choices)
	}
	out, _ := io.ReadAll(tm.FinalOutput(t))
	if !bytes.Contains(out, []byte("gosetup")) {
		t.Error("nothing was drawn")
	}
}

// pingMsg does nothing; it makes the program run its filter.
type pingMsg struct{}

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
