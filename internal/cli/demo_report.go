package cli

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/demo"
	"github.com/harp-rpc/harp/internal/faultinject"
	"github.com/harp-rpc/harp/internal/loadgen"
)

// writeDemoSummary writes harp demo's summary and returns the expectations that did not hold.
func writeDemoSummary(w io.Writer, o *demoOptions, cfg *cluster.Config, res *loadgen.Result, t *demoTally,
	counter *demo.Counter, start time.Time, faults []*demoFault, nodes []*demoNode, st cluster.Stats) (problems []string) {
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	idem, rec := t.idemOK.Load()+t.idemFailed.Load(), t.recordOK.Load()+t.recordFailed.Load()
	calls := idem + rec + t.interrupted.Load()

	fmt.Fprintf(w, "\nsummary: policy %s, %d goroutines, %.1fs, seed %d\n", o.policy, o.concurrency, res.Elapsed.Seconds(), o.seed)
	fmt.Fprintf(w, "  calls made                %d (%.0f calls/s): %d idempotent, %d not idempotent\n",
		calls, float64(calls)/res.Elapsed.Seconds(), idem, rec)
	fmt.Fprintf(w, "  idempotent calls failed   %d (expected 0)\n", t.idemFailed.Load())
	if t.idemFailed.Load() > 0 {
		fail("%d idempotent calls failed", t.idemFailed.Load())
		writeKinds(w, t.idemErrs, t.idemSample)
	}
	fmt.Fprintf(w, "  not idempotent, failed    %d of %d, each reported, never retried once it may have run", t.recordFailed.Load(), rec)
	if t.unclear.Load() > 0 {
		fmt.Fprintf(w, "; %d without a clear error\n", t.unclear.Load())
		fail("%d non-idempotent calls failed without a clear error", t.unclear.Load())
	} else {
		fmt.Fprintln(w, "; every one a *cluster.CallError naming its attempts")
	}
	writeKinds(w, t.recordErrs, t.recordSample)

	execs, dups := counter.Executions(), counter.Duplicates()
	fmt.Fprintf(w, "  duplicate executions      %d (expected 0, counted by the servers)\n", dups)
	fmt.Fprintf(w, "      the servers executed counter.record %d times for %d answered calls and %d failed ones\n",
		execs, t.recordOK.Load(), t.recordFailed.Load())
	switch {
	case dups > 0:
		fail("%d duplicate executions of non-idempotent calls", dups)
	case t.recordRepeated.Load() > 0:
		fail("%d answered counter.record calls ran more than once", t.recordRepeated.Load())
	case execs < t.recordOK.Load():
		fail("the servers executed counter.record %d times for %d answered calls", execs, t.recordOK.Load())
	case execs > rec+t.interrupted.Load():
		fail("the servers executed counter.record %d times for %d calls", execs, rec+t.interrupted.Load())
	default:
		fmt.Fprintf(w, "      (%d of the failed ones ran before their connection was lost; none ran twice)\n", execs-t.recordOK.Load())
	}
	if n := t.interrupted.Load(); n > 0 {
		fmt.Fprintf(w, "  interrupted               %d\n", n)
	}
	h := res.Latency
	fmt.Fprintf(w, "  latency                   p50 %v  p90 %v  p99 %v  max %v\n",
		loadgen.Round(h.Quantile(0.5)), loadgen.Round(h.Quantile(0.9)), loadgen.Round(h.Quantile(0.99)), loadgen.Round(h.Max()))
	fmt.Fprintf(w, "  retries                   %d (%d refused by the retry budget)\n", st.Retries, st.BudgetRefused)

	hc := &cfg.Health
	checkBound := time.Duration(float64(hc.DownInterval+time.Duration(hc.Rise-1)*hc.FastInterval) * (1 + hc.Jitter))
	fmt.Fprintln(w, "\nfaults (times from the cluster's state-change events):")
	for _, f := range faults {
		if f.started.IsZero() {
			fmt.Fprintf(w, "  %s: the run ended before it was %s\n", f.node.name, f.what)
			fail("%s was never %s", f.node.name, f.what)
			continue
		}
		fmt.Fprintf(w, "  %s %s at %.3fs: ", f.node.name, f.what, f.started.Sub(start).Seconds())
		if f.out == nil {
			fmt.Fprintln(w, "never taken out of rotation")
			fail("%s %s: never taken out of rotation", f.node.name, f.what)
		} else {
			d := f.out.Time.Sub(f.started)
			fmt.Fprintf(w, "out of rotation after %v (%s -> %s: %s)\n", loadgen.Round(d), f.out.From, f.out.To, f.out.Reason)
		}
		if f.ended.IsZero() {
			fmt.Fprintln(w, "      never brought back")
			fail("%s was never brought back", f.node.name)
			continue
		}
		fmt.Fprintf(w, "      brought back at %.3fs: ", f.ended.Sub(start).Seconds())
		if f.inRot == nil {
			fmt.Fprintln(w, "not back in rotation before the end")
			fail("%s: not back in rotation after being brought back", f.node.name)
			continue
		}
		fmt.Fprintf(w, "in rotation after %v (%s)", loadgen.Round(f.inRot.Time.Sub(f.ended)), f.inRot.Reason)
		switch {
		case f.traffic > 0:
			fmt.Fprintf(w, ", answering calls after %v", loadgen.Round(f.traffic))
		case standby(o, nodes, f):
			fmt.Fprint(w, ", answered no call (a standby: first_available sends it none while s1 is up)")
		default:
			fmt.Fprint(w, ", answered no call")
			fail("%s answered no call after coming back", f.node.name)
		}
		if f.healthy != nil {
			fmt.Fprintf(w, ", full weight after %v\n", loadgen.Round(f.healthy.Time.Sub(f.ended)))
		} else {
			fmt.Fprintln(w, ", not at full weight before the end")
		}
	}

	settings := "default settings"
	if o.tune != nil {
		settings = "tuned settings, not the defaults"
	}
	fmt.Fprintf(w, "\ntargets (%s):\n", settings)
	for _, f := range faults {
		if f.kind != faultinject.Hang || f.out == nil {
			continue
		}
		d := f.out.Time.Sub(f.started)
		if standby(o, nodes, f) {
			fmt.Fprintf(w, "  hung %s out of rotation within 1s: %v, not applicable: a standby taking no calls, found by its health checks\n",
				f.node.name, loadgen.Round(d))
			continue
		}
		fmt.Fprintf(w, "  hung %s out of rotation within 1s: %v, %s\n", f.node.name, loadgen.Round(d), metOrMissed(d <= time.Second))
	}
	bound := checkBound + cfg.SlowStart
	for _, f := range faults {
		if f.inRot == nil {
			continue
		}
		switch {
		case f.traffic > 0:
			fmt.Fprintf(w, "  %s takes traffic again within one check interval plus its slow start (%v): %v, %s\n",
				f.node.name, loadgen.Round(bound), loadgen.Round(f.traffic), metOrMissed(f.traffic <= bound))
		case standby(o, nodes, f):
			d := f.inRot.Time.Sub(f.ended)
			fmt.Fprintf(w, "  %s back in rotation within one check interval plus its slow start (%v): %v, %s (a standby: no calls while s1 is up)\n",
				f.node.name, loadgen.Round(bound), loadgen.Round(d), metOrMissed(d <= bound))
		default:
			fmt.Fprintf(w, "  %s takes traffic again: it took none, MISSED\n", f.node.name)
		}
	}

	fmt.Fprintln(w, "\nservers:")
	var answered int64
	for _, n := range nodes {
		answered += n.caller.ok.Load()
	}
	for i, n := range nodes {
		share := 0.0
		if answered > 0 {
			share = 100 * float64(n.caller.ok.Load()) / float64(answered)
		}
		e := st.Endpoints[i]
		fmt.Fprintf(w, "  %s  %5.1f%% of answered calls  attempts %-7d failures %-5d ejections %d  availability %.3f  MTBF %s  MTTR %s  now %s\n",
			n.name, share, e.Calls, e.Failures, e.Ejections, e.Availability, orNone(e.MTBF), orNone(e.MTTR), e.State)
	}
	if len(problems) == 0 {
		fmt.Fprintln(w, "\nresult: PASS (no idempotent call failed, no call ran twice, every fault detected and recovered from)")
	} else {
		fmt.Fprintln(w, "\nresult: FAIL")
	}
	return problems
}

func writeKinds(w io.Writer, counts map[string]int64, samples map[string]string) {
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return counts[kinds[i]] > counts[kinds[j]] })
	for _, k := range kinds {
		fmt.Fprintf(w, "      %d x %s, e.g. %s\n", counts[k], k, samples[k])
	}
}

// standby reports whether f's server is a standby that takes no calls while the first is up:
// any but the first under first_available.
func standby(o *demoOptions, nodes []*demoNode, f *demoFault) bool {
	return o.policy == "first_available" && f.node != nodes[0]
}

// orNone formats d, or "-" for a figure not measured yet (0).
func orNone(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return loadgen.Round(d).String()
}

func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
