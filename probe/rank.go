package probe

import (
	"sort"
	"time"

	"github.com/gosetup/gosetup/internal/catalog"
)

var kindOrder = map[catalog.Kind]int{catalog.KindArchive: 0, catalog.KindProxy: 1, catalog.KindSumDB: 2}

// report makes the final Report: freshness against every source heard,
// ranking and the recommendation.
func (r *runner) report(results []*Result) *Report {
	newest := r.board.current()
	out := make([]Result, 0, len(results))
	for _, res := range results {
		x := *res
		applyFresh(&x, newest)
		out = append(out, x)
	}
	rank(out)
	return &Report{
		Results:        out,
		Recommendation: recommend(out, r.opts),
		Newest:         newest,
		Platform:       r.opts.Platform.String(),
		TimeoutMS:      ms(r.opts.Timeout),
		ElapsedMS:      ms(time.Since(r.start)),
	}
}

// rank orders results in place: by kind; within a kind healthy entries
// first, fresh proxies before stale ones (a stale proxy works but cannot
// install the newest Go), archives with a throughput estimate by it and the
// rest by median latency; failures last, in catalogue order. It then
// numbers the healthy entries of each kind.
func rank(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := &rs[i], &rs[j]
		if ka, kb := kindOrder[a.Kind], kindOrder[b.Kind]; ka != kb {
			return ka < kb
		}
		if a.OK != b.OK {
			return a.OK
		}
		if !a.OK {
			return false
		}
		if sa, sb := isStale(a), isStale(b); sa != sb {
			return !sa
		}
		if ea, eb := a.FetchEstimateMS > 0, b.FetchEstimateMS > 0; ea != eb {
			return ea
		} else if ea {
			return a.FetchEstimateMS < b.FetchEstimateMS
		}
		return a.LatencyMS < b.LatencyMS
	})
	n := map[catalog.Kind]int{}
	for i := range rs {
		rs[i].Rank = 0
		if rs[i].OK {
			n[rs[i].Kind]++
			rs[i].Rank = n[rs[i].Kind]
		}
	}
}

func isStale(r *Result) bool { return r.Fresh != nil && !*r.Fresh }
