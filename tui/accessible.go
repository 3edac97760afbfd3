package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/gosetup/gosetup/probe"
	"github.com/gosetup/gosetup/toolchain"
)

// runAccessible is the wizard as plain line prompts, for screen readers and
// dumb terminals: the same steps, the same backend calls and the same
// texts, with each screen printed once as plain lines and every choice a
// numbered answer (Enter takes the default).
func runAccessible(ctx context.Context, o RunOptions) error {
	t := TextFor(o.Lang)
	c := &common{ctx: ctx, be: o.Backend, t: t, st: plainStyles(), km: NewKeyMap(t), width: 80, height: 1000, room: 1000}
	in := bufio.NewReader(o.In)
	out := o.Out
	say := func(s string) { fmt.Fprintln(out, ansi.Strip(s)) }
	ask := func(prompt string) (string, error) {
		fmt.Fprint(out, prompt)
		line, err := in.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			return "", fmt.Errorf("reading the answer: %w", err)
		}
		return strings.TrimSpace(line), nil
	}
	choose := func(labels []string, def int) (int, error) {
		for i, l := range labels {
			say(fmt.Sprintf("  %d. %s", i+1, l))
		}
		for {
			a, err := ask(sprintf(t.AskChoice, strconv.Itoa(def+1)))
			if err != nil {
				return 0, err
			}
			if a == "" {
				return def, nil
			}
			if n, err := strconv.Atoi(a); err == nil && n >= 1 && n <= len(labels) {
				return n - 1, nil
			}
			say(t.AskBad)
		}
	}

	say(t.Title)
	say(t.DetectLooking)
	relCh := make(chan releasesMsg, 1)
	go func() { r, err := c.be.Releases(ctx); relCh <- releasesMsg{r, err} }()
	d, err := c.be.Detect(ctx)
	if err != nil {
		return err
	}
	c.doctor, c.docErr = c.be.Doctor(ctx)
	ds := &detectScreen{started: true}
	ds.update(c, detectMsg{d: d})
	ds.update(c, doctorMsg{c.doctor, c.docErr})
	ds.prePlan, ds.planErr = c.be.Plan(ctx, Choices{Dir: d.Dir, Install: true})
	rm := <-relCh
	c.rels, c.relErr = rm.r, rm.err
	body, _ := ds.view(c, 80)
	// The choices are asked below, numbered, instead of the cursor list.
	say(strings.Join(strings.Split(body, "\n")[:strings.Count(body, "\n")+1-len(ds.modes(c))], "\n"))
	modes := ds.modes(c)
	var labels []string
	for _, m := range modes {
		labels = append(labels, modeLabel(t, m))
	}
	n, err := choose(labels, ds.cursor)
	if err != nil {
		return err
	}
	ds.cursor = n
	if _, nv := ds.choose(c); nv == navQuit {
		if c.outcome == OutcomeRepair {
			return ErrRepair
		}
		return ErrNotFinished
	}
	if c.choices.Install && c.rels == nil {
		return fmt.Errorf("%s", sprintf(t.ReleasesFailed, oneLine(c.relErr)))
	}
	for _, st := range pathFor(c.choices.Mode)[1:] {
		switch st {
		case stepVersion:
			say(t.VersionTitle)
			def := 0
			var vl []string
			list := c.rels.List
			if len(list) > 30 {
				list = list[:30]
			}
			for i, r := range list {
				label := r.Version
				if r.Version == c.rels.Latest {
					label += " (" + t.MarkLatest + ")"
					def = i
				}
				vl = append(vl, label)
			}
			n, err := choose(vl, def)
			if err != nil {
				return err
			}
			c.choices.Release = list[n]
		case stepMirrors:
			say(t.MirrorsTitle)
			_, timeout, _ := c.be.ProbeTargets()
			say(sprintf(t.ProbeDeadline, timeout.Seconds()))
			rep, err := c.be.Probe(ctx, func(r probe.Result) {
				status := t.StatusOK
				if !r.OK {
					status = t.StatusFail + ": " + r.Error
				}
				say(fmt.Sprintf("  %s %s: %s", r.Kind, r.Name, status))
			})
			if err != nil {
				return err
			}
			c.choices.Mirrors = c.be.Choose(rep, Picks{})
			say(sprintf(t.Recommendation, c.choices.Mirrors.Reason))
		case stepPrivate:
			say(t.PrivateTitle)
			say(t.PrivateHelp)
			for {
				a, err := ask("GOPRIVATE " + sprintf(t.AskText, c.choices.GOPRIVATE))
				if err != nil {
					return err
				}
				if err := c.be.ValidatePrivate(a); err != nil {
					say("✗ " + oneLine(err))
					continue
				}
				c.choices.GOPRIVATE = a
				break
			}
		case stepReview:
			rs := &reviewScreen{}
			p, err := c.be.Plan(ctx, c.choices)
			if err != nil {
				return err
			}
			c.plan = p
			body, _ := rs.view(c, 80)
			say(body)
			if n, err := choose([]string{t.KeyYes, t.KeyNo}, 0); err != nil || n != 0 {
				return ErrNotFinished
			}
		case stepInstall:
			if c.choices.Install {
				say(t.ProgressTitle + " " + c.choices.Release.Version)
				last := toolchain.Phase("")
				res, plan, err := c.be.Install(ctx, c.choices, func(e toolchain.Event) {
					if e.Phase == last && (e.Phase == toolchain.PhaseDownload || e.Phase == toolchain.PhaseUnpack) {
						return
					}
					last = e.Phase
					say("  " + string(e.Phase) + " " + e.Mirror + " " + e.Message)
				})
				if err != nil {
					ps := &progressScreen{}
					say(sprintf(t.InstallFailed, oneLine(err)))
					say(ps.untouched(c))
					return err
				}
				c.result = res
				if plan != nil {
					c.plan = plan
				}
			} else {
				say(t.PhaseSettings)
				if err := c.be.Apply(ctx, c.plan); err != nil {
					say(sprintf(t.SettingsFailed, oneLine(err)))
					return err
				}
			}
			c.applied = true
		case stepDone:
			say(t.DoneChecking)
			c.check, err = c.be.Check(ctx, c.choices)
			say(Summary(c, "", err))
		}
	}
	return nil
}

// plainStyles renders nothing but the text.
func plainStyles() Styles { return Styles{} }
