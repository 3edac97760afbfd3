package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/gosetup/gosetup/toolchain"
)

func pasteMsg(s string) tea.Msg { return tea.PasteMsg{Content: s} }

// progressEvents are an install caught mid-way: a failover, then the
// download from the second mirror with the unpacking under way.
func progressEvents() []toolchain.Event {
	return []toolchain.Event{
		{Phase: toolchain.PhaseResolve},
		{Phase: toolchain.PhaseConnect, Source: toolchain.SourceArchive, Mirror: "aliyun"},
		{Phase: toolchain.PhaseFailover, Source: toolchain.SourceArchive, Mirror: "aliyun", Err: errBoom},
		{Phase: toolchain.PhaseConnect, Source: toolchain.SourceArchive, Mirror: "golang.google.cn"},
		{Phase: toolchain.PhaseDownload, Mirror: "golang.google.cn", Done: 41_200_000, Total: 75_431_209, Rate: 6_300_000, Files: 5210},
		{Phase: toolchain.PhaseUnpack, Mirror: "golang.google.cn", Files: 5210},
	}
}

// rangedEvents are a multi-connection download caught mid-way: one of
// three mirrors has been dropped for wrong bytes and six connections are
// live on the other two.
func rangedEvents() []toolchain.Event {
	return []toolchain.Event{
		{Phase: toolchain.PhaseResolve},
		{Phase: toolchain.PhaseConnect, Source: toolchain.SourceArchive, Mirror: "aliyun"},
		{Phase: toolchain.PhaseFailover, Source: toolchain.SourceArchive, Mirror: "ustc", Err: errBoom, Dropped: errBoom, Message: "dropped from the ranged download"},
		{Phase: toolchain.PhaseDownload, Mirror: "aliyun", Done: 41_200_000, Total: 75_431_209, Rate: 38_400_000, Conns: 6, Files: 5210},
		{Phase: toolchain.PhaseUnpack, Mirror: "aliyun", Files: 5210},
	}
}

// TestGoldenViews draws every screen at 80×24 and 120×40, in English and
// Chinese, at a fixed 256-colour profile. Regenerate with
// go test ./tui -run TestGoldenViews -update, and read the diff.
func TestGoldenViews(t *testing.T) {
	screens := []struct {
		name string
		to   func(t *testing.T, m *Model)
	}{
		{"detect", func(t *testing.T, m *Model) {}},
		{"version", func(t *testing.T, m *Model) { send(t, m, press("j"), press("enter")) }},
		{"mirrors-live", func(t *testing.T, m *Model) {
			send(t, m, press("enter"))
			s := m.screens[stepMirrors].(*mirrorsScreen)
			clock := time.Unix(1000, 0)
			s.now = func() time.Time { return clock }
			m.Update(press("r"))
			clock = clock.Add(1200 * time.Millisecond)
			m.Update(probeBatch{id: s.id, items: fixedResults()[:4]})
			m.Update(probeTickMsg{id: s.id})
		}},
		{"mirrors-done", func(t *testing.T, m *Model) { send(t, m, press("enter")) }},
		{"private", func(t *testing.T, m *Model) {
			send(t, m, press("j"), press("enter"), press("enter"), press("enter"))
			send(t, m, pasteMsg("corp.example.com/*,git.internal"))
		}},
		{"review", func(t *testing.T, m *Model) { send(t, m, press("enter"), press("enter")) }},
		{"progress", func(t *testing.T, m *Model) {
			m.c.choices.Release = fixedReleases.List[1]
			m.at = len(m.path) - 2
			p := m.screens[stepInstall].(*progressScreen)
			p.started, p.total = true, -1
			p.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
			p.bar = newBar(m.c)
			m.c.choices.Install = true
			for _, e := range progressEvents() {
				p.event(e)
			}
		}},
		{"progress-ranged", func(t *testing.T, m *Model) {
			m.c.choices.Release = fixedReleases.List[1]
			m.at = len(m.path) - 2
			p := m.screens[stepInstall].(*progressScreen)
			p.started, p.total = true, -1
			p.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
			p.bar = newBar(m.c)
			m.c.choices.Install = true
			for _, e := range rangedEvents() {
				p.event(e)
			}
		}},
		{"done", func(t *testing.T, m *Model) {
			send(t, m, press("enter"), press("enter"), press("enter"))
		}},
	}
	for _, lang := range []Lang{English, Chinese} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			for _, sc := range screens {
				t.Run(fmt.Sprintf("%s-%s-%dx%d", sc.name, lang, size[0], size[1]), func(t *testing.T) {
					m := newTestModel(t, &fixedBackend{}, lang, size[0], size[1])
					sc.to(t, m)
					checkWhole(t, m, size[0], size[1])
					golden.RequireEqual(t, frame(m))
				})
			}
		}
	}
}

// A failover with Dropped set is a mirror leaving a ranged download (it
// goes on over the others), whatever its message; one without is the
// download moving to the next mirror. The screen words the two apart, and
// shows the live connections only when there is more than one.
func TestProgressDroppedMirrorAndConnections(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 120, 40)
	m.c.choices.Install = true
	p := m.screens[stepInstall].(*progressScreen)
	p.started, p.total = true, -1
	p.bar = newBar(m.c)
	p.event(toolchain.Event{Phase: toolchain.PhaseFailover, Mirror: "ustc", Err: errBoom, Dropped: errBoom})
	p.event(toolchain.Event{Phase: toolchain.PhaseFailover, Mirror: "aliyun", Err: errBoom, Message: "a detail"})
	p.event(toolchain.Event{Phase: toolchain.PhaseDownload, Mirror: "tuna", Done: 1e6, Total: 2e6, Rate: 3e7, Conns: 5})
	view, _ := p.view(m.c, 120)
	for _, want := range []string{"ustc dropped (", "the other connections carry on", "aliyun failed (", "trying the next", "30.0 MB/s  5 connections"} {
		if !strings.Contains(view, want) {
			t.Errorf("progress screen lacks %q:\n%s", want, view)
		}
	}
	p.event(toolchain.Event{Phase: toolchain.PhaseDownload, Mirror: "tuna", Done: 1.5e6, Total: 2e6, Rate: 3e7, Conns: 1})
	if view, _ := p.view(m.c, 120); !strings.Contains(view, "30.0 MB/s  0s left") {
		t.Errorf("one live connection is shown as a count:\n%s", view)
	}
}

// The install screen shows why --source auto chose its channel, under the
// resolve row, wrapped to the width; the version's own resolve event says
// nothing there.
func TestProgressShowsAutoChoice(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 80, 40)
	m.c.choices.Install = true
	p := m.screens[stepInstall].(*progressScreen)
	p.started, p.total = true, -1
	p.bar = newBar(m.c)
	p.event(toolchain.Event{Phase: toolchain.PhaseResolve, Version: "go1.22.12", Message: "choosing a download source"})
	if view, _ := p.view(m.c, 80); strings.Contains(view, "choosing a download source") {
		t.Errorf("the version's resolve event is shown as a choice:\n%s", view)
	}
	why := "module zip from goproxy.cn: downloads about as fast as the archive (~4.1 s vs ~3.9 s) and unpacks on 2 cores instead of 1, ~0.4 s sooner"
	p.event(toolchain.Event{Phase: toolchain.PhaseResolve, Source: toolchain.SourceModule, Message: why})
	view, _ := p.view(m.c, 80)
	flat := strings.Join(strings.Fields(ansi.Strip(view)), " ")
	if !strings.Contains(flat, why) {
		t.Errorf("progress screen lacks the choice %q:\n%s", why, view)
	}
	for _, l := range strings.Split(view, "\n") {
		if lipgloss.Width(l) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
}
