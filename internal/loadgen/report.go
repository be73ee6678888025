package loadgen

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// ProgressLine renders a snapshot as one terminal line, under 80 columns for runs of up to a
// billion calls, with a bar for the elapsed share of total (the run's duration; 0 draws no bar).
func ProgressLine(s Snapshot, total time.Duration) string {
	const width = 20
	bar := ""
	if total > 0 {
		filled := int(float64(width) * min(1, s.Elapsed.Seconds()/total.Seconds()))
		bar = "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "] "
	}
	return fmt.Sprintf("%s%5.1fs %8.0f calls/s %9d calls %6d errors",
		bar, s.Elapsed.Seconds(), s.Rate, s.Calls, s.Errors)
}

// WriteReport writes a run's totals, its latency quantiles and a bar chart of the latency
// distribution.
func WriteReport(w io.Writer, r *Result) {
	fmt.Fprintf(w, "calls %d in %.2fs: %.0f calls/s, %d errors\n", r.Calls, r.Elapsed.Seconds(), r.Rate(), r.Errors)
	h := r.Latency
	if h.Count() == 0 {
		return
	}
	fmt.Fprintf(w, "latency  min %v  p50 %v  p90 %v  p99 %v  p99.9 %v  max %v  mean %v\n",
		Round(h.Min()), Round(h.Quantile(0.50)), Round(h.Quantile(0.90)), Round(h.Quantile(0.99)),
		Round(h.Quantile(0.999)), Round(h.Max()), Round(h.Mean()))
	// A bar per power-of-two latency band from the smallest to the largest observation.
	lo, hi := bucketOf(int64(h.Min()))/subBuckets, bucketOf(int64(h.Max()))/subBuckets
	var most uint64
	bands := make([]uint64, hi-lo+1)
	for i := range bands {
		for b := (lo + i) * subBuckets; b < (lo+i+1)*subBuckets; b++ {
			bands[i] += h.counts[b].Load()
		}
		most = max(most, bands[i])
	}
	for i, n := range bands {
		if n == 0 && (i == 0 || i == len(bands)-1) {
			continue
		}
		upper := time.Duration(bucketUpper((lo+i+1)*subBuckets - 1))
		bar := strings.Repeat("█", int(40*n/max(most, 1)))
		fmt.Fprintf(w, "  <= %-10v %7.3f%% %s\n", Round(upper), 100*float64(n)/float64(h.Count()), bar)
	}
	for _, e := range r.TopErrors(5) {
		fmt.Fprintf(w, "error x%d: %s\n", r.ErrorKind[e], e)
	}
}

// Round rounds d for display: to 0.1 ms from 10 ms up, to 1 µs from 10 µs up.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= 10*time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}
