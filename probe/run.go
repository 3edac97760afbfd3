package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
	"github.com/gosetup/gosetup/internal/dist"
	"github.com/gosetup/gosetup/internal/httpx"
)

// epsilon is how long after the deadline Run waits for probes to notice it
// before it reports them as timed out without them. They see the context
// expire and return within microseconds; this only bounds a pathological
// case, so that the promise "no later than the deadline" holds regardless.
const epsilon = 100 * time.Millisecond

// MaxConcurrent is the most entries Run probes at once.
const MaxConcurrent = 64

// maxConcurrent is how many entries to probe at once with room more files
// open: each probe holds one connection (two while a dial races IPv4 and
// IPv6), and the release indexes, the resolver and the caller need some.
func maxConcurrent(room int) int {
	n := (room - 24) / 3
	return max(1, min(n, MaxConcurrent))
}

type runner struct {
	opts     Options
	shared   *http.Client    // used as is when its transport cannot be cloned
	tmpl     *http.Transport // cloned for each entry
	board    *board
	start    time.Time
	deadline time.Time
}

func newRunner(opts Options) (*runner, error) {
	c, err := httpx.OrDefault(opts.Client)
	if err != nil {
		return nil, err
	}
	r := &runner{opts: opts, shared: c}
	switch t := c.Transport.(type) {
	case nil:
		r.tmpl = http.DefaultTransport.(*http.Transport)
	case *http.Transport:
		r.tmpl = t
	default:
		r.tmpl = httpx.Base(c)
	}
	return r, nil
}

// client returns the HTTP client for one entry: its own transport, so its
// samples reuse one connection and its setup times are its own, and a
// function that closes that connection when the entry is done.
func (r *runner) client() (*http.Client, func()) {
	if r.tmpl == nil {
		return r.shared, func() {}
	}
	tr := r.tmpl.Clone()
	// One connection per mirror: samples run one after another and must
	// reuse it, and a mirror should not see a burst of parallel connections.
	tr.MaxConnsPerHost = 1
	tr.MaxIdleConnsPerHost = 1
	c := &http.Client{
		Transport:     httpx.WithUserAgent(tr),
		CheckRedirect: r.shared.CheckRedirect,
		Jar:           r.shared.Jar,
	}
	return c, tr.CloseIdleConnections
}

func (r *runner) run(ctx context.Context, entries []entry, onResult func(Result)) (*Report, error) {
	r.start = time.Now()
	r.deadline = r.start.Add(r.opts.Timeout)
	pctx, cancel := context.WithDeadline(ctx, r.deadline)
	defer cancel()

	sources := r.versionSources()
	nsrc := len(sources)
	if r.opts.wants(catalog.KindProxy) {
		nsrc += len(r.opts.Catalog.List(catalog.KindProxy))
	}
	r.board = newBoard(nsrc, r.opts.Timeout/10)
	defer r.board.stop()

	type done struct {
		i   int
		res Result
	}
	ch := make(chan done, len(entries)) // buffered: a late probe never blocks
	lives := make([]*live, len(entries))
	// At most slots entries are probed at once: a company catalogue of
	// hundreds of mirrors, or a container's low open-file limit, would
	// otherwise turn healthy mirrors into "too many open files". The rest
	// wait their turn in catalogue order; one still waiting at the deadline
	// is reported as a timeout, like one that did not finish.
	slots := make(chan struct{}, maxConcurrent(openFileRoom()))
	for i, e := range entries {
		lives[i] = &live{}
		ectx := context.WithValue(pctx, liveKey{}, lives[i])
		go func() {
			select {
			case slots <- struct{}{}:
			case <-ectx.Done():
				return // reported as a timeout below
			}
			defer func() { <-slots }()
			ch <- done{i, r.probe(ectx, e)}
		}()
	}
	for _, src := range sources {
		go src(pctx)
	}

	results := make([]*Result, len(entries))
	hard := time.NewTimer(time.Until(r.deadline) + epsilon)
	defer hard.Stop()
	emit := func(i int, res Result) {
		res.ElapsedMS = ms(time.Since(r.start))
		results[i] = &res
		if onResult != nil {
			streamed := res
			streamed.SumDBSupported = append([]string(nil), res.SumDBSupported...)
			applyFresh(&streamed, r.board.current())
			onResult(streamed)
		}
	}
wait:
	for got := 0; got < len(entries); got++ {
		select {
		case d := <-ch:
			emit(d.i, d.res)
		case <-hard.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	// A result may have arrived together with the deadline (select picks
	// at random among ready cases): take it rather than call it a timeout.
	for drained := false; !drained; {
		select {
		case d := <-ch:
			if results[d.i] == nil {
				emit(d.i, d.res)
			}
		default:
			drained = true
		}
	}
	for i, res := range results {
		if res == nil {
			e := entries[i]
			msg := fmt.Sprintf("timeout after %s: %s", r.opts.Timeout, lives[i])
			if ctx.Err() != nil {
				msg = "interrupted before the probe finished"
			}
			emit(i, Result{Kind: e.kind, Name: e.Name, URL: e.URL, Failure: FailTimeout, Error: msg})
		}
	}
	// Freshness is judged against every version source, including release
	// indexes that are not entries: wait for them as the archive probes
	// do (all answered, or the grace period after the first), never past
	// the deadline.
	select {
	case <-r.board.ready:
	case <-pctx.Done(): // the deadline (hard may have fired already)
	}
	rep := r.report(results)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

// versionSources are the release indexes, and, when proxies are not probed
// themselves, quiet reads of their toolchain lists: the archive probes need
// to know which release to ask for.
func (r *runner) versionSources() []func(context.Context) {
	if !r.opts.wants(catalog.KindArchive) && !r.opts.wants(catalog.KindProxy) {
		return nil
	}
	var out []func(context.Context)
	for _, e := range r.opts.Catalog.List(catalog.KindIndex) {
		out = append(out, func(ctx context.Context) { r.readIndex(ctx, e) })
	}
	if !r.opts.wants(catalog.KindProxy) {
		for _, e := range r.opts.Catalog.List(catalog.KindProxy) {
			out = append(out, func(ctx context.Context) {
				c, closeIdle := r.client()
				defer closeIdle()
				if l, _, err := readList(ctx, c, e.URL, r.opts.Platform); err == nil {
					r.board.report(l.newestStable, false, nil)
				} else {
					r.board.report("", false, nil)
				}
			})
		}
	}
	return out
}

func (r *runner) readIndex(ctx context.Context, e catalog.Entry) {
	c, closeIdle := r.client()
	defer closeIdle()
	resp, err := fetch(ctx, c, http.MethodGet, e.URL+"?mode=json", nil, 4<<20)
	if err != nil || resp.status != http.StatusOK {
		r.board.report("", false, nil)
		return
	}
	newest, sizes, err := parseIndex(resp.body, r.opts.Platform)
	if err != nil {
		r.board.report("", false, nil)
		return
	}
	r.board.report(newest, true, sizes)
}

// probe runs one entry's probe and turns its error into the result's reason.
func (r *runner) probe(ctx context.Context, e entry) Result {
	res := Result{Kind: e.kind, Name: e.Name, URL: e.URL}
	c, closeIdle := r.client()
	defer closeIdle()
	var err error
	switch e.kind {
	case catalog.KindArchive:
		err = r.probeArchive(ctx, c, e, &res)
	case catalog.KindProxy:
		err = r.probeProxy(ctx, c, e, &res)
	case catalog.KindSumDB:
		err = r.probeSumDB(ctx, c, e, &res)
	}
	if err != nil {
		res.OK = false
		res.Failure = FailNetwork
		var pe *probeError
		if errors.As(err, &pe) {
			res.Failure = pe.class
		}
		res.Error = err.Error()
		if res.Failure == FailTimeout {
			if ctx.Err() != nil {
				res.Error = fmt.Sprintf("timeout after %s: %s", r.opts.Timeout, err)
			} else {
				res.Error = "timeout: " + res.Error
			}
		}
	} else {
		res.OK = true
	}
	return res
}

// wrap prefixes a probe error with what was being fetched, keeping its class.
func wrap(what string, err error) error {
	var pe *probeError
	if errors.As(err, &pe) {
		return &probeError{class: pe.class, msg: what + ": " + pe.msg, err: pe.err}
	}
	return &probeError{class: FailNetwork, msg: what + ": " + err.Error(), err: err}
}

// samples accumulates the timings of one entry's requests.
type samples []sample

// fill sets the result's timing fields: medians over the samples, and the
// connection setup of the first one (later ones reuse its connection).
func (s samples) fill(r *Result) {
	r.Samples = len(s)
	if len(s) == 0 {
		return
	}
	var lat, ttfb []time.Duration
	for _, x := range s {
		lat = append(lat, x.latency)
		ttfb = append(ttfb, x.ttfb)
	}
	r.LatencyMS = ms(median(lat))
	r.TTFBMS = ms(median(ttfb))
	r.DNSMS, r.ConnectMS, r.TLSMS = ms(s[0].dns), ms(s[0].connect), ms(s[0].tls)
	r.FinalHost = s[len(s)-1].finalHost
}

func median(d []time.Duration) time.Duration {
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}

// ms converts to milliseconds rounded to 0.1 ms, the precision worth showing.
func ms(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Millisecond)
}

// applyFresh sets a proxy's freshness against newest (see board): a proxy
// is fresh when it lists that release for the platform, stale when it lacks
// it.
func applyFresh(res *Result, newest string) {
	if res.Kind != catalog.KindProxy || res.NewestToolchain == "" || newest == "" {
		return
	}
	f := dist.Compare(res.NewestToolchain, newest) >= 0
	res.Fresh = &f
	if !f {
		res.Note = joinNote(res.Note, fmt.Sprintf("stale: lacks %s (newest it lists is %s)", newest, res.NewestToolchain))
	}
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
