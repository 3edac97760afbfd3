package tui

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/toolchain"
)

func plain(m *Model) string { return ansi.Strip(m.View().Content) }

func wantOn(t *testing.T, m *Model, want ...string) {
	t.Helper()
	v := plain(m)
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Errorf("screen lacks %q:\n%s", w, v)
		}
	}
}

func TestDetectShowsMachineAndPlan(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	wantOn(t, m, "linux/amd64", "/usr/bin/go go1.19.8", "bash, fish, zsh (login shell: bash)",
		"~/.bashrc, ~/.profile", "GOPROXY=https://proxy.golang.org,direct", "Install go1.26.8", "into ~/.local/go, replacing go1.25.3",
		"~/.config/gosetup/env (create), ~/.profile (edit)", "gosetup uninstall", "❯ Proceed with the installation (default)",
		"14 ok, 1 warnings, 0 failures", "! go lacks the newest patch release: go1.19.8")
	if strings.Contains(plain(m), "Repair") {
		t.Error("repair is offered without doctor")
	}
	// The unchanged ~/.bashrc is not listed as a change.
	if strings.Contains(plain(m), "~/.bashrc\n") && strings.Contains(plain(m), "unchanged") {
		t.Error("an unchanged file is listed")
	}
}

func TestDetectRepairPreselectedOnDoctorFail(t *testing.T) {
	be := &fixedBackend{doctor: &DoctorSummary{OK: 10, Warn: 1, Fail: 2, CanRepair: true, Findings: []DoctorFinding{{Check: "path.go-shadowed", Fail: true, Detail: "/usr/bin/go comes first"}}}}
	m := newTestModel(t, be, English, 100, 40)
	wantOn(t, m, "10 ok, 1 warnings, 2 failures", "❯ Repair what doctor found", "✗ another go comes first on PATH: /usr/bin/go comes first")
	send(t, m, press("enter"))
	if m.c.outcome != OutcomeRepair || be.installs != 0 {
		t.Fatalf("repair: outcome %v, %d installs", m.c.outcome, be.installs)
	}
	if err := m.finish(io.Discard, nil, nil); !errors.Is(err, ErrRepair) {
		t.Errorf("finish: %v, want ErrRepair (the caller runs gosetup repair)", err)
	}
}

// A doctor result that arrives after the user chose Proceed must not move
// the cursor: back on this screen with Esc, Enter still proceeds (the
// wizard once handed a user to repair on the second Enter).
func TestDetectLateDoctorKeepsTheUsersChoice(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	send(t, m, press("enter"))
	if m.current() != stepMirrors {
		t.Fatalf("enter on proceed: at %v, want the mirrors", m.current())
	}
	send(t, m, doctorMsg{d: &DoctorSummary{OK: 3, Fail: 1, CanRepair: true, Findings: []DoctorFinding{{Check: "go.found", Fail: true, Detail: "not on PATH"}}}})
	send(t, m, press("esc"))
	wantOn(t, m, "❯ Proceed with the installation", "1 failures")
	send(t, m, press("enter"))
	if m.current() != stepMirrors || m.c.outcome == OutcomeRepair {
		t.Fatalf("second enter: at %v, outcome %v; want the mirrors again", m.current(), m.c.outcome)
	}
}

func TestDetectProceedGoesToMirrors(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	send(t, m, press("enter"))
	if m.current() != stepMirrors {
		t.Fatalf("enter on proceed: at %v, want the mirrors", m.current())
	}
	if got := m.c.choices.Release.Version; got != "go1.26.8" {
		t.Errorf("proceed chose %q, want the latest stable go1.26.8", got)
	}
	send(t, m, press("esc"))
	if m.current() != stepDetect {
		t.Fatalf("esc: at %v, want detect", m.current())
	}
}

func TestDetectKeysMoveAndWrap(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	send(t, m, press("j"))
	wantOn(t, m, "❯ Customize")
	send(t, m, press("down"), press("k"))
	wantOn(t, m, "❯ Customize")
	send(t, m, press("up"), press("up"))
	wantOn(t, m, "❯ Cancel")
	send(t, m, press("enter"))
	if m.c.outcome != OutcomeUnfinished {
		t.Errorf("cancel: outcome %v", m.c.outcome)
	}
}

func TestDetectEnterWaitsForReleases(t *testing.T) {
	m := New(context.Background(), Options{Backend: &fixedBackend{}, Lang: English, Dark: true})
	send(t, m, tea.WindowSizeMsg{Width: 100, Height: 40})
	be := &fixedBackend{}
	d, _ := be.Detect(context.Background())
	m.Update(detectMsg{d: d})
	send(t, m, press("enter"))
	if m.current() != stepDetect {
		t.Fatal("moved on without a release list")
	}
	send(t, m, releasesMsg{r: fixedReleases})
	if m.current() != stepMirrors {
		t.Fatalf("the release list arrived after enter: at %v, want the mirrors", m.current())
	}
}

func TestDetectMirrorsOnlySkipsInstall(t *testing.T) {
	be := &fixedBackend{}
	m := newTestModel(t, be, English, 100, 40)
	send(t, m, press("j"), press("j"), press("enter"))
	if m.current() != stepMirrors || m.c.choices.Install {
		t.Fatalf("mirrors only: at %v, install %v", m.current(), m.c.choices.Install)
	}
	send(t, m, press("enter")) // the fixed probe has finished
	if m.current() != stepPrivate {
		t.Fatalf("after the mirrors: at %v, want private", m.current())
	}
	send(t, m, press("enter"), press("enter"))
	if m.current() != stepDone || be.installs != 0 || be.applied != 1 {
		t.Fatalf("at %v, %d installs, %d applies; want done, 0, 1", m.current(), be.installs, be.applied)
	}
}

func customize(t *testing.T, m *Model) {
	t.Helper()
	send(t, m, press("j"), press("enter"))
	if m.current() != stepVersion {
		t.Fatalf("customize: at %v, want the version list", m.current())
	}
}

func TestVersionListPreselectsLatestAndMarksInstalled(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	customize(t, m)
	wantOn(t, m, "❯ go1.26.8    latest", "go1.25.3    installed", "go1.27rc1   pre-release")
	send(t, m, press("j"), press("enter"))
	if got := m.c.choices.Release.Version; got != "go1.26.7" {
		t.Errorf("chose %q, want go1.26.7", got)
	}
	if m.current() != stepMirrors {
		t.Errorf("at %v after choosing a version", m.current())
	}
}

func TestVersionFilter(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	customize(t, m)
	send(t, m, press("/"), tea.PasteMsg{Content: "25"})
	v := plain(m)
	if !strings.Contains(v, "go1.25.12") || strings.Contains(v, "go1.26.8") {
		t.Fatalf("filter 25:\n%s", v)
	}
	// q and j are letters while filtering, not quit and down.
	send(t, m, press("q"))
	if m.current() != stepVersion {
		t.Fatal("q quit while filtering")
	}
	wantOn(t, m, `no version matches "25q"`)
	send(t, m, press("backspace"), press("down"), press("enter"))
	if got := m.c.choices.Release.Version; got != "go1.25.3" {
		t.Errorf("chose %q from the filtered list, want go1.25.3", got)
	}
	send(t, m, press("esc"))
	if m.current() != stepVersion {
		t.Fatalf("esc from the mirrors: at %v", m.current())
	}
	send(t, m, press("/"), press("9"), press("esc"))
	if m.current() != stepVersion || strings.Contains(plain(m), "no version matches") {
		t.Fatal("esc did not just clear the filter")
	}
	send(t, m, press("shift+tab"))
	if m.current() != stepDetect {
		t.Fatalf("shift+tab: at %v, want detect", m.current())
	}
}

func TestMirrorsRowsAppearAndResort(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 120, 40)
	send(t, m, press("enter"))
	s := m.screens[stepMirrors].(*mirrorsScreen)
	// A fresh probe, fed by hand: every row is there before any answer.
	s.id = 0
	clock := time.Unix(1000, 0)
	s.now = func() time.Time { return clock }
	m.Update(press("r"))
	if len(s.rows) != len(fixedTargets) || !s.running {
		t.Fatalf("%d rows, running %v", len(s.rows), s.running)
	}
	wantOn(t, m, "deadline in 3.0s", "0 of 8 answered", "waiting")
	clock = clock.Add(1200 * time.Millisecond)
	rs := fixedResults()
	m.Update(probeBatch{id: s.id, items: rs[:2]})
	m.Update(probeTickMsg{id: s.id})
	wantOn(t, m, "deadline in 1.8s", "2 of 8 answered")
	// aliyun answered: it moves above the two archives still waiting.
	if s.rows[0].Name != "aliyun" || s.rows[3].Name != "goproxy.cn" {
		t.Errorf("rows not re-sorted: %v, %v", s.rows[0].Name, s.rows[3].Name)
	}
	m.Update(probeBatch{id: s.id, items: rs[2:]})
	wantOn(t, m, "connect: connection timed out after 3s", "tls: handshake failure", "stale")
	// An old probe's results are ignored.
	m.Update(probeBatch{id: s.id - 1, items: rs[:1]})
	// Enter while waiting moves on once the probe is done.
	send(t, m, press("enter"))
	if m.current() != stepMirrors {
		t.Fatal("moved on before the probe finished")
	}
	send(t, m, probeDoneMsg{id: s.id, rep: fixedReport()})
	if m.current() != stepReview {
		t.Fatalf("probe done after enter: at %v, want review", m.current())
	}
	if m.c.choices.Mirrors.GOPROXY != "https://goproxy.cn,direct" || m.c.choices.Mirrors.Mirror != "aliyun" {
		t.Errorf("recommendation not taken: %+v", m.c.choices.Mirrors)
	}
}

func TestMirrorsPickAndReprobe(t *testing.T) {
	be := &fixedBackend{}
	m := newTestModel(t, be, English, 120, 40)
	send(t, m, press("enter"))
	wantOn(t, m, "● toolchain    aliyun", "● proxy        goproxy.cn")
	// The cursor starts on the first row; go to golang.google.cn and pick it.
	send(t, m, press("j"), press("space"))
	wantOn(t, m, "● toolchain    golang.google.cn")
	if got := m.c.choices.Mirrors.ArchiveURL; got != "https://golang.google.cn/dl/" {
		t.Errorf("picked %q", got)
	}
	// A failed row cannot be chosen.
	send(t, m, press("j"), press("space"))
	if got := m.c.choices.Mirrors.ArchiveURL; got != "https://golang.google.cn/dl/" {
		t.Errorf("a failed mirror was chosen: %q", got)
	}
	n := be.probes
	send(t, m, press("r"))
	if be.probes != n+1 {
		t.Errorf("r ran %d probes", be.probes-n)
	}
	send(t, m, press("enter"))
	if m.current() != stepReview {
		t.Fatalf("at %v", m.current())
	}
}

func TestPrivateValidatesAsTyped(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	customize(t, m)
	send(t, m, press("enter"), press("enter"))
	if m.current() != stepPrivate {
		t.Fatalf("at %v, want private", m.current())
	}
	wantOn(t, m, "empty: the current value stays")
	send(t, m, tea.PasteMsg{Content: "corp.example.com/["})
	wantOn(t, m, "✗")
	send(t, m, press("enter"))
	if m.current() != stepPrivate {
		t.Fatal("an invalid GOPRIVATE was accepted")
	}
	send(t, m, press("backspace"), press("*"))
	wantOn(t, m, "✓ valid")
	// q is a letter here.
	send(t, m, press("enter"))
	if m.current() != stepReview {
		t.Fatalf("at %v, want review", m.current())
	}
	if got := m.c.choices.GOPRIVATE; got != "corp.example.com/*" {
		t.Errorf("GOPRIVATE %q", got)
	}
	wantOn(t, m, "GOPRIVATE=corp.example.com/*", "+export GOPRIVATE='corp.example.com/*'")
	send(t, m, press("esc"))
	if m.current() != stepPrivate || !strings.Contains(plain(m), "corp.example.com/*") {
		t.Fatalf("back to private lost the value:\n%s", plain(m))
	}
}

func TestReviewShowsDiffsAndScrolls(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 80, 24)
	send(t, m, press("enter"), press("enter"))
	wantOn(t, m, "Review the changes", "Install:   go1.26.8", "Into:      ~/.local/go", "Replaces:  go1.25.3", "From:      aliyun (official archive)",
		"--- /dev/null", "+++ ~/.config/gosetup/env")
	for range 30 {
		send(t, m, press("j"))
	}
	wantOn(t, m, "Press enter to go ahead")
	send(t, m, press("enter"))
	if m.current() != stepDone {
		t.Fatalf("at %v, want done (the fixed install returns at once)", m.current())
	}
}

func TestProgressEventsAndQuitConfirm(t *testing.T) {
	started := make(chan func(toolchain.Event), 1)
	release := make(chan struct{})
	be := &fixedBackend{installFn: func(ctx context.Context, progress func(toolchain.Event)) (*toolchain.Result, error) {
		started <- progress
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-release:
			return &toolchain.Result{Version: "go1.26.8"}, nil
		}
	}}
	m := newTestModel(t, be, English, 80, 24)
	send(t, m, press("enter"), press("enter"))
	// enter on review starts the install in the background.
	_, cmd := m.Update(press("enter"))
	done := make(chan []tea.Msg, 1)
	go func() { done <- exec(t, cmd) }()
	progress := <-started
	p := m.screens[stepInstall].(*progressScreen)
	progress(toolchain.Event{Phase: toolchain.PhaseConnect, Mirror: "aliyun"})
	m.Update(installBatch{id: 1, items: []toolchain.Event{
		{Phase: toolchain.PhaseConnect, Mirror: "aliyun"},
		{Phase: toolchain.PhaseDownload, Mirror: "aliyun", Done: 30_000_000, Total: 75_000_000, Rate: 5_000_000},
	}})
	wantOn(t, m, "Download", "from aliyun", "30.0 of 75.0 MB", "5.0 MB/s", "9s left")
	m.Update(installBatch{id: 1, items: []toolchain.Event{
		{Phase: toolchain.PhaseFailover, Mirror: "aliyun", Err: errBoom},
		{Phase: toolchain.PhaseUnpack, Files: 1200, FilesTotal: 14211},
	}})
	wantOn(t, m, "aliyun failed (mirror closed the connection)", "1200 of 14211 files")
	// q asks first; n keeps going; ctrl+c asks again; y stops.
	m.Update(press("q"))
	wantOn(t, m, "Stop the install?")
	m.Update(press("n"))
	if !p.running() || p.stopping {
		t.Fatal("n stopped the install")
	}
	m.Update(press("ctrl+c"))
	wantOn(t, m, "Stop the install?")
	m.Update(press("y"))
	if !p.stopping {
		t.Fatal("y did not stop the install")
	}
	var msgs []tea.Msg
	select {
	case msgs = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the install did not stop")
	}
	var quit bool
	for _, msg := range msgs {
		if _, cmd := m.Update(msg); cmd != nil {
			if _, ok := cmd().(tea.QuitMsg); ok {
				quit = true
			}
		}
	}
	if m.c.outcome != OutcomeInterrupted || !quit {
		t.Errorf("outcome %v, quit %v; want interrupted and quit", m.c.outcome, quit)
	}
	if be.applied != 0 {
		t.Error("settings written after a stopped install")
	}
	close(release)
}

func TestProgressFailureOffersBack(t *testing.T) {
	be := &fixedBackend{installFn: func(ctx context.Context, progress func(toolchain.Event)) (*toolchain.Result, error) {
		return nil, errBoom
	}}
	m := newTestModel(t, be, English, 80, 24)
	send(t, m, press("enter"), press("enter"), press("enter"))
	wantOn(t, m, "The install failed: mirror closed the connection", "~/.local/go still holds go1.25.3, untouched.")
	send(t, m, press("esc"))
	if m.current() != stepReview {
		t.Fatalf("esc after a failure: at %v, want review", m.current())
	}
}

func TestDoneShowsChangesActivationAndCheck(t *testing.T) {
	be := &fixedBackend{}
	m := newTestModel(t, be, English, 100, 40)
	send(t, m, press("enter"), press("enter"), press("enter"))
	wantOn(t, m, "Installed go1.26.8 in ~/.local/go, from aliyun (official archive).", "create    ~/.config/gosetup/env",
		"Undo everything with: gosetup uninstall", ". /home/ada/.config/gosetup/env",
		"Proof in a fresh login shell (bash -l):", "✓ go version", "go env GOPROXY", "https://goproxy.cn,direct",
		"✓ go mod download rsc.io/quote@v1.5.2", "Go works in a fresh shell.")
	if m.c.outcome != OutcomeDone {
		t.Errorf("outcome %v", m.c.outcome)
	}
	_, cmd := m.Update(press("enter"))
	if cmd == nil {
		t.Fatal("enter on done does nothing")
	}
}

func TestDoneActivationForFish(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, English, 100, 40)
	m.c.det.LoginShell = "fish"
	send(t, m, press("enter"), press("enter"), press("enter"))
	wantOn(t, m, "in this fish, run:", "source /home/ada/.config/gosetup/env.fish")
}

func TestHelpTogglesAndFooterShowsEveryKey(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		m := newTestModel(t, &fixedBackend{}, lang, 80, 24)
		send(t, m, press("enter"))
		v := plain(m)
		for _, k := range m.screens[stepMirrors].keys(m.c) {
			if !strings.Contains(v, k.Help().Key) {
				t.Errorf("%s: footer lacks %q:\n%s", lang, k.Help().Key, v)
			}
		}
		send(t, m, press("?"))
		if !m.help.ShowAll {
			t.Error("? did not open the help")
		}
		send(t, m, press("?"))
	}
}

func TestResizeKeepsScreenWhole(t *testing.T) {
	m := newTestModel(t, &fixedBackend{}, Chinese, 120, 40)
	send(t, m, press("enter"))
	for _, size := range [][2]int{{80, 24}, {100, 30}, {80, 24}} {
		send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		checkWhole(t, m, size[0], size[1])
	}
}

// checkWhole asserts the frame fills the terminal exactly: no line wider
// than it (measured in cells: CJK takes two), and exactly its height.
func checkWhole(t *testing.T, m *Model, w, h int) {
	t.Helper()
	lines := strings.Split(m.View().Content, "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%dx%d: line %d is %d cells: %q", w, h, i, lw, ansi.Strip(l))
		}
	}
	if !strings.Contains(lines[0], "gosetup") || strings.TrimSpace(ansi.Strip(lines[h-1])) == "" {
		t.Errorf("%dx%d: header or footer missing:\n%s", w, h, ansi.Strip(m.View().Content))
	}
}

// A NoSourceError is one line; the wizard lays its sources out one a line
// under the headline, with advice that names no command-line flag.
func TestDetectLaysOutNoReleaseSource(t *testing.T) {
	m := New(context.Background(), Options{Backend: &fixedBackend{}, Lang: English, Dark: true})
	send(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	d, _ := (&fixedBackend{}).Detect(context.Background())
	m.Update(detectMsg{d: d})
	err := &toolchain.NoSourceError{Failures: []*toolchain.SourceError{
		{Kind: catalog.KindIndex, Name: "official", URL: "https://go.dev/dl/", Err: errors.New("HTTP 500")},
		{Kind: catalog.KindProxy, Name: "goproxy.cn", URL: "https://goproxy.cn", Err: errors.New("timeout")},
	}}
	send(t, m, releasesMsg{err: err})
	out := plain(m)
	lines := strings.Split(out, "\n")
	for _, want := range []string{"could not list the Go releases: no release source answered", "index official (https://go.dev/dl/): HTTP 500", "proxy goproxy.cn (https://goproxy.cn): timeout", "HTTPS_PROXY"} {
		found := false
		for _, l := range lines {
			if strings.Contains(l, want) {
				found = true
				if want != lines[0] && strings.Contains(l, "HTTP 500") && strings.Contains(l, "timeout") {
					t.Errorf("two sources on one line: %q", l)
				}
			}
		}
		if !found {
			t.Errorf("screen lacks a line with %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--") {
		t.Errorf("the wizard names a command-line flag:\n%s", out)
	}
}
