package tui

import (
	"fmt"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
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
