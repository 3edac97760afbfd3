package tui

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// press is a key press as the terminal would send it.
func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// run executes cmd and every command it leads to, feeding the messages
// back into m, until nothing but timers is left. Timers (spinner frames,
// the deadline tick) are dropped, so the views stay still.
func run(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 500 {
			t.Fatal("the model keeps issuing commands")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		for _, msg := range exec(t, c) {
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// exec runs one command, expanding batches. The fixed backend answers at
// once, so a command that does not return within a moment is a timer (a
// cursor blink) and is dropped.
func exec(t *testing.T, c tea.Cmd) []tea.Msg {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(300 * time.Millisecond):
		return nil
	}
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			if c != nil {
				out = append(out, exec(t, c)...)
			}
		}
		return out
	case spinner.TickMsg, probeTickMsg, tea.QuitMsg:
		return nil
	}
	if reflect.TypeOf(msg).String() == "tea.sequenceMsg" {
		v := reflect.ValueOf(msg)
		var out []tea.Msg
		for i := range v.Len() {
			if c, ok := v.Index(i).Interface().(tea.Cmd); ok && c != nil {
				out = append(out, exec(t, c)...)
			}
		}
		return out
	}
	// Cursor blinks and other timers of the components.
	if name := strings.ToLower(reflect.TypeOf(msg).String()); strings.Contains(name, "blink") || strings.Contains(name, "tick") {
		return nil
	}
	return []tea.Msg{msg}
}

// send delivers msg and runs what follows from it.
func send(t *testing.T, m *Model, msgs ...tea.Msg) {
	t.Helper()
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		run(t, m, cmd)
	}
}

// newTestModel is a wizard on the fixed backend, sized and started.
func newTestModel(t *testing.T, be *fixedBackend, lang Lang, w, h int) *Model {
	t.Helper()
	m := New(context.Background(), Options{Backend: be, Lang: lang, Dark: true})
	send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	run(t, m, m.screens[stepDetect].enter(m.c))
	return m
}

// frame is the view as a terminal with a fixed 256-colour profile shows it.
func frame(m *Model) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ANSI256}
	w.WriteString(m.View().Content)
	return b.String()
}
