package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/probe"
)

// runProbe implements `gosetup probe`: every mirror at once, a ranked table
// (or --json) on stdout, then the GOPROXY/GOSUMDB recommendation. Exit 0 when
// anything is healthy, 1 when every probed entry failed.
func runProbe(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("probe", "[--kind archive|proxy|sumdb] [--timeout 3s] [--samples 3] [--throughput] [--json] [--mirrors FILE]")
	kind := fs.String("kind", "", "probe only this `KIND` of mirror: archive, proxy or sumdb (comma-separated for several)")
	timeout := fs.Duration("timeout", probe.DefaultTimeout, "overall `DEADLINE`; whatever has not answered by then is reported as a timeout")
	samples := fs.Int("samples", probe.DefaultSamples, fmt.Sprintf("timed requests per mirror (`N`, 1-%d); the median is reported", probe.MaxSamples))
	throughput := fs.Bool("throughput", false, "also download a bounded sample (4 MiB, 1.5 s) from each archive mirror to rank them by estimated download time")
	asJSON := fs.Bool("json", false, "print the results as JSON (schema in the README)")
	mirrors := mirrorsFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("probe takes no arguments, got %q", rest[0])
	}
	kinds, err := parseKinds(*kind)
	if err != nil {
		return err
	}
	if *timeout <= 0 || *timeout > 10*time.Minute {
		return usagef("--timeout %s: give a duration between 1ms and 10m, such as 3s", *timeout)
	}
	if *samples < 1 || *samples > probe.MaxSamples {
		return usagef("--samples %d: give a number from 1 to %d", *samples, probe.MaxSamples)
	}
	cat, client, err := a.network(*mirrors)
	if err != nil {
		return err
	}
	opts := probe.Options{Client: client, Catalog: cat, Kinds: kinds, Timeout: *timeout, Samples: *samples, Throughput: *throughput}
	if a.isTerminal(a.stderr) && !*asJSON {
		fmt.Fprintf(a.stderr, "probing mirrors in parallel (deadline %s)…\n", *timeout)
	}
	rep, err := probe.Run(ctx, opts, nil)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("probe: %w", ctx.Err())
		}
		var none *probe.NoMirrorsError
		if errors.As(err, &none) {
			return fmt.Errorf("probe: %w; add some with --mirrors FILE", err)
		}
		return fmt.Errorf("probe: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		color := a.isTerminal(a.stdout) && a.getenv("NO_COLOR") == ""
		writeProbeTable(a.stdout, rep, color)
	}
	if !rep.Healthy() {
		return errors.New("every probed mirror failed; check the network, HTTPS_PROXY, or the mirror catalogue (--mirrors)")
	}
	return nil
}

func parseKinds(s string) ([]catalog.Kind, error) {
	if s == "" {
		return nil, nil
	}
	var out []catalog.Kind
	for _, k := range strings.Split(s, ",") {
		switch k := catalog.Kind(strings.TrimSpace(k)); k {
		case catalog.KindArchive, catalog.KindProxy, catalog.KindSumDB:
			out = append(out, k)
		default:
			return nil, usagef("--kind %q: choose archive, proxy or sumdb", string(k))
		}
	}
	return out, nil
}

// ANSI colours, used only on a terminal with NO_COLOR unset.
const (
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// writeProbeTable prints the ranked results as aligned columns and then the
// recommendation. Widths are computed on the plain text, so colour codes
// never disturb the alignment.
func writeProbeTable(w io.Writer, rep *probe.Report, color bool) {
	header := []string{"KIND", "#", "NAME", "STATUS", "LATENCY", "DNS", "CONNECT", "TLS", "SPEED", "FRESH", "DETAIL"}
	rows := [][]string{header}
	paint := []string{""}
	for _, r := range rep.Results {
		rank, status, c := "-", "FAIL", ansiRed
		if r.OK {
			rank, status, c = fmt.Sprint(r.Rank), "ok", ansiGreen
			if r.Fresh != nil && !*r.Fresh {
				status, c = "stale", ansiYellow
			}
		}
		fresh := "-"
		if r.Fresh != nil {
			fresh = map[bool]string{true: "yes", false: "no"}[*r.Fresh]
		}
		name := r.Name
		if h := urlHost(r.URL); r.Kind == catalog.KindSumDB && h != r.Name {
			name += " (" + h + ")"
		}
		// A failure shows no timings: it is not slow, it is broken, and
		// its reason is in DETAIL (the JSON keeps the timings).
		n := r.Samples
		if !r.OK {
			n = 0
		}
		row := []string{string(r.Kind), rank, name, status, msCell(r.LatencyMS, n), msCell(r.DNSMS, n),
			msCell(r.ConnectMS, n), msCell(r.TLSMS, n), speedCell(r.ThroughputBytesPerSec), fresh, detail(r)}
		rows = append(rows, row)
		paint = append(paint, c)
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for ri, row := range rows {
		for i, cell := range row {
			pad := cell
			if i < len(row)-1 {
				pad += strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2)
			}
			switch {
			case color && ri == 0:
				b.WriteString(ansiBold + pad + ansiReset)
			case color && i == 3:
				b.WriteString(paint[ri] + cell + ansiReset + pad[len(cell):])
			default:
				b.WriteString(pad)
			}
		}
		b.WriteString("\n")
	}
	rec := rep.Recommendation
	b.WriteString("\nRecommendation")
	if rep.Newest != "" {
		fmt.Fprintf(&b, " (newest Go for %s: %s)", rep.Platform, rep.Newest)
	}
	b.WriteString(":\n")
	if rec.GOPROXY != "" {
		fmt.Fprintf(&b, "  GOPROXY=%s\n", rec.GOPROXY)
	}
	if rec.GOSUMDB != "" {
		fmt.Fprintf(&b, "  GOSUMDB=%s\n", rec.GOSUMDB)
	}
	fmt.Fprintf(&b, "  why: %s\n", rec.Reason)
	if rec.GOPROXY != "" || rec.GOSUMDB != "" {
		b.WriteString("  apply with: gosetup env --proxy auto\n")
	}
	io.WriteString(w, b.String())
}

func msCell(v float64, samples int) string {
	if samples == 0 {
		return "-"
	}
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

func speedCell(bps float64) string {
	switch {
	case bps <= 0:
		return "-"
	case bps >= 1<<20:
		return fmt.Sprintf("%.1f MiB/s", bps/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB/s", bps/(1<<10))
	}
}

// detail is the last column: the reason of a failure, else what was proved.
func detail(r probe.Result) string {
	var parts []string
	if !r.OK {
		parts = append(parts, r.Error)
	} else {
		switch r.Kind {
		case catalog.KindArchive:
			parts = append(parts, fmt.Sprintf("%s %.1f MB", r.File, float64(r.SizeBytes)/1e6))
			if r.FetchEstimateMS > 0 {
				parts = append(parts, fmt.Sprintf("fetch ≈ %.1fs", r.FetchEstimateMS/1000))
			}
		case catalog.KindProxy:
			if r.NewestToolchain != "" {
				parts = append(parts, "lists "+r.NewestToolchain)
			} else {
				parts = append(parts, "lists no stable release for this platform")
			}
			if len(r.SumDBSupported) > 0 {
				parts = append(parts, "passes "+strings.Join(r.SumDBSupported, ",")+" through")
			} else {
				parts = append(parts, "no checksum database pass-through")
			}
		case catalog.KindSumDB:
			parts = append(parts, "tree head verified")
		}
		if r.FinalHost != "" && !strings.Contains(r.URL, "://"+r.FinalHost) {
			parts = append(parts, "via "+r.FinalHost)
		}
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	// The command line's advice for what its flags would change.
	if r.ThroughputCutShort {
		parts = append(parts, "raise --timeout")
	}
	if r.Failure == probe.FailNoVersion {
		parts = append(parts, "gosetup probe --kind proxy shows why")
	}
	return strings.Join(parts, "; ")
}

func urlHost(u string) string {
	h, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"), "/")
	return h
}
