// Package probe tests every mirror in the catalogue at once and proves that
// each one really works: a module proxy answers the GOPROXY protocol with a
// well-formed, fresh toolchain list and (perhaps) passes the checksum
// database through; an archive mirror serves the newest Go archive for this
// platform (magic bytes and size, not an HTML login page); a checksum
// database serves a tree head signed by its known key. A failure carries its
// reason and is never ranked as merely slow.
//
// Run takes a context and streams each result through a callback as it
// finishes, so the CLI, the wizard and the tests all drive the same code.
// It never writes to a terminal and imports nothing from the TUI.
package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout = 3 * time.Second
	DefaultSamples = 3
)

// MaxSamples bounds Options.Samples: some mirrors ban clients that hammer
// them, and more than a handful of samples does not make a median better.
const MaxSamples = 10

// Options selects what to probe and how.
type Options struct {
	// Client is the HTTP client to use. nil builds one with internal/httpx.
	// When its transport is httpx's (or a plain *http.Transport), every
	// entry gets its own clone, so that one mirror's connection is reused
	// across its samples and never shared with another mirror on the same
	// host; any other transport is used as is.
	Client *http.Client
	// Catalog lists the mirrors; nil means the built-in catalogue.
	Catalog *catalog.Catalog
	// Kinds selects the entries to probe; nil means archive, proxy and
	// sumdb. Index entries are never reported: they are only asked for the
	// newest release when archives or proxies are probed.
	Kinds []catalog.Kind
	// Timeout is the overall deadline (default 3s). Whatever has not
	// finished by then is reported as a timeout.
	Timeout time.Duration
	// Samples is the number of timed requests per mirror (default 3, at
	// most MaxSamples). A proxy may need one or two more requests than this
	// to prove the checksum database pass-through.
	Samples int
	// Throughput adds a bounded download sample (at most ThroughputBytes
	// and ThroughputTime) to each archive mirror's probe.
	Throughput bool
	// Platform is the OS/arch whose archive and toolchain module are
	// looked for; zero means this machine.
	Platform dist.Platform
}

// Bounds of the --throughput sample. Both hold: the read stops at whichever
// comes first, and always before the overall deadline.
const (
	ThroughputBytes = 4 << 20
	ThroughputTime  = 1500 * time.Millisecond
)

// Failure classes, for a UI that colours or groups failures. A stale proxy
// is not a failure: it is healthy with Fresh set to false.
const (
	FailTimeout   = "timeout"       // no complete answer before the deadline
	FailNetwork   = "network"       // DNS, connection refused or reset
	FailTLS       = "tls"           // certificate or handshake error
	FailStatus    = "http-status"   // a non-2xx answer where one was needed
	FailContent   = "bad-content"   // answered, but not what the protocol says
	FailSignature = "bad-signature" // a tree head that does not verify
	FailNoVersion = "no-version"    // no source named a release to look for
)

// Result is what one mirror's probe found. The JSON names are the stable
// schema of `gosetup probe --json` (see the README).
type Result struct {
	Kind catalog.Kind `json:"kind"`
	Name string       `json:"name"`
	URL  string       `json:"url"`
	// OK is true when the probe proved the mirror works.
	OK bool `json:"ok"`
	// Error is the reason for a failure, empty when OK.
	Error string `json:"error"`
	// Failure is Error's class (Fail* constants), empty when OK.
	Failure string `json:"failure"`
	// Rank is the 1-based position among the healthy entries of the same
	// kind in the Report; 0 for failures and in streamed results.
	Rank int `json:"rank"`
	// LatencyMS is the median over the samples of the time from sending a
	// request to its first response byte, redirects and (on the first
	// sample) connection setup included.
	LatencyMS float64 `json:"latency_ms"`
	// Samples is the number of timed requests that completed.
	Samples int `json:"samples"`
	// ThroughputBytesPerSec is the measured download rate of an archive
	// mirror when Options.Throughput was set; 0 otherwise.
	ThroughputBytesPerSec float64 `json:"throughput_bytes_per_sec"`
	// ThroughputCutShort is set when a throughput sample was asked for but
	// the deadline left no time for it; a longer deadline would give one.
	ThroughputCutShort bool `json:"throughput_cut_short,omitempty"`
	// FetchEstimateMS estimates the time to download the archive: latency
	// plus size over throughput. 0 without a throughput sample.
	FetchEstimateMS float64 `json:"fetch_estimate_ms"`
	// Fresh is set for proxies whose toolchain list was read: true when it
	// includes Report.Newest, false when it lacks it (stale).
	Fresh *bool `json:"fresh"`
	// Note is extra information that does not make the entry fail, such as
	// staleness or fewer samples than asked for before the deadline.
	Note string `json:"note"`
	// FinalHost is the host that answered after redirects.
	FinalHost string `json:"final_host"`
	// DNSMS, ConnectMS and TLSMS are the connection setup times of the
	// first request (0 when a connection was reused or an IP was given).
	DNSMS     float64 `json:"dns_ms"`
	ConnectMS float64 `json:"connect_ms"`
	TLSMS     float64 `json:"tls_ms"`
	// TTFBMS is the median time from the request being written to the
	// first response byte: the server's think time plus one round trip.
	TTFBMS float64 `json:"ttfb_ms"`
	// SumDBSupported lists the checksum databases a proxy passes through
	// (it answered /sumdb/NAME/supported and served a verified tree head).
	SumDBSupported []string `json:"sumdb_supported"`
	// NewestToolchain is the newest stable Go release a proxy lists for
	// the platform, e.g. go1.22.5.
	NewestToolchain string `json:"newest_toolchain"`
	// File is the archive filename an archive probe fetched.
	File string `json:"file"`
	// SizeBytes is the archive size the mirror announced.
	SizeBytes int64 `json:"size_bytes"`
	// ElapsedMS is this probe's wall time from the start of Run.
	ElapsedMS float64 `json:"elapsed_ms"`
}

// Recommendation is what to set GOPROXY and GOSUMDB to. An empty field means
// no healthy choice was found: keep the current setting (Reason says why).
type Recommendation struct {
	GOPROXY string `json:"goproxy"`
	GOSUMDB string `json:"gosumdb"`
	Reason  string `json:"reason"`
}

// Report is the outcome of Run.
type Report struct {
	// Results are grouped by kind (archive, proxy, sumdb) and ranked
	// within each kind: healthy entries first (fresh before stale proxies,
	// then archives by estimated fetch time when throughput was measured,
	// otherwise by median latency), failures last in catalogue order.
	Results        []Result       `json:"entries"`
	Recommendation Recommendation `json:"recommendation"`
	// Newest is the newest stable Go release for Platform that an official
	// release index reported or at least two proxies list (a lone source
	// counts only when nothing else answered); "" when none answered.
	Newest   string `json:"newest"`
	Platform string `json:"platform"`
	// TimeoutMS and ElapsedMS are the deadline and the wall time of Run.
	TimeoutMS float64 `json:"timeout_ms"`
	ElapsedMS float64 `json:"elapsed_ms"`
}

// Healthy reports whether any entry passed its probe.
func (r *Report) Healthy() bool {
	for _, x := range r.Results {
		if x.OK {
			return true
		}
	}
	return false
}

// Run probes every selected entry at once and returns the ranked report no
// later than opts.Timeout (plus at most epsilon, 100 ms) after it was
// called, even if mirrors hang.
//
// Concurrency contract for onResult (which may be nil): it is called once per
// entry, as that entry finishes, always from the goroutine that called Run,
// one call at a time, and never after Run has returned. A slow onResult
// delays the report by its own duration only. A streamed Result has Rank 0
// and its Fresh reflects the sources heard so far; the Report is final and
// authoritative (a UI should redraw from it).
//
// When ctx is cancelled (Ctrl-C), Run returns promptly with the partial
// report and ctx's error.
func Run(ctx context.Context, opts Options, onResult func(Result)) (*Report, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	entries := opts.entries()
	if len(entries) == 0 {
		return nil, &NoMirrorsError{Kinds: opts.Kinds}
	}
	r, err := newRunner(opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, entries, onResult)
}

// entry is one catalogue entry with its kind.
type entry struct {
	kind catalog.Kind
	catalog.Entry
}

func (o *Options) fill() error {
	if o.Catalog == nil {
		o.Catalog = catalog.Default()
	}
	if len(o.Kinds) == 0 {
		o.Kinds = []catalog.Kind{catalog.KindArchive, catalog.KindProxy, catalog.KindSumDB}
	}
	for _, k := range o.Kinds {
		switch k {
		case catalog.KindArchive, catalog.KindProxy, catalog.KindSumDB:
		default:
			return fmt.Errorf("probe: cannot probe kind %q; choose archive, proxy or sumdb", k)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Samples <= 0 {
		o.Samples = DefaultSamples
	}
	if o.Samples > MaxSamples {
		return fmt.Errorf("probe: %d samples is too many (at most %d); mirrors may ban clients that hammer them", o.Samples, MaxSamples)
	}
	if o.Platform == (dist.Platform{}) {
		o.Platform = dist.Host()
	}
	return nil
}

func (o *Options) wants(k catalog.Kind) bool {
	for _, x := range o.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// entries lists the selected entries in kind order, catalogue order within.
func (o *Options) entries() []entry {
	var out []entry
	for _, k := range []catalog.Kind{catalog.KindArchive, catalog.KindProxy, catalog.KindSumDB} {
		if !o.wants(k) {
			continue
		}
		for _, e := range o.Catalog.List(k) {
			out = append(out, entry{k, e})
		}
	}
	return out
}

// NoMirrorsError is Run's answer when the catalogue lists no entry of the
// kinds asked for. A face says how to give a catalogue that has some.
type NoMirrorsError struct{ Kinds []catalog.Kind }

func (e *NoMirrorsError) Error() string {
	return fmt.Sprintf("no mirrors of kind %v in the catalogue", e.Kinds)
}

// probeError is a failure with its class.
type probeError struct {
	class string
	msg   string
	err   error
}

func (e *probeError) Error() string { return e.msg }
func (e *probeError) Unwrap() error { return e.err }

func failf(class, format string, args ...any) *probeError {
	err := fmt.Errorf(format, args...)
	return &probeError{class: class, msg: err.Error(), err: errors.Unwrap(err)}
}

// Pending lists the entries Run would probe with opts, in catalogue order,
// as Results with only Kind, Name and URL set, so that a UI can draw every
// row before the first answer. Kind and URL identify an entry (sumdb entries
// share their database's name), in streamed results too.
func Pending(opts Options) ([]Result, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	var out []Result
	for _, e := range opts.entries() {
		out = append(out, Result{Kind: e.kind, Name: e.Name, URL: e.URL})
	}
	return out, nil
}
