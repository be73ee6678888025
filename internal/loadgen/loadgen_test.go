package loadgen

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramQuantilesWithinResolution(t *testing.T) {
	h := NewHistogram()
	r := rand.New(rand.NewPCG(1, 2))
	var xs []int64
	for i := 0; i < 100000; i++ {
		x := int64(r.ExpFloat64() * 1e6) // around a millisecond, long tail
		xs = append(xs, x)
		h.Record(time.Duration(x))
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		exact := xs[int(q*float64(len(xs)))-1]
		got := int64(h.Quantile(q))
		if got < exact || float64(got) > float64(exact)*(1+1.0/subBuckets)+1 {
			t.Errorf("q%.3f = %d, exact %d", q, got, exact)
		}
	}
	if h.Count() != 100000 || int64(h.Max()) != xs[len(xs)-1] || int64(h.Min()) != xs[0] {
		t.Errorf("count %d max %v min %v", h.Count(), h.Max(), h.Min())
	}
	for b := 0; b < bucketOf(math.MaxInt64); b++ {
		if bucketOf(bucketUpper(b)) != b || bucketOf(bucketUpper(b)+1) != b+1 {
			t.Fatalf("bucket %d: upper %d maps to %d", b, bucketUpper(b), bucketOf(bucketUpper(b)))
		}
	}
}

func TestRunStopsAtMaxCalls(t *testing.T) {
	var n atomic.Uint64
	res, err := Run(context.Background(), Config{Concurrency: 8, MaxCalls: 1000}, func(context.Context, int) error {
		if n.Add(1)%10 == 0 {
			return errors.New("every tenth fails")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 1000 || n.Load() != 1000 || res.Errors != 100 || res.Latency.Count() != 1000 {
		t.Errorf("calls %d (made %d), errors %d, latencies %d", res.Calls, n.Load(), res.Errors, res.Latency.Count())
	}
	if got := res.TopErrors(3); len(got) != 1 || got[0] != "every tenth fails" {
		t.Errorf("TopErrors = %q", got)
	}
	var buf bytes.Buffer
	WriteReport(&buf, res)
	if !strings.Contains(buf.String(), "calls 1000") || !strings.Contains(buf.String(), "p99") {
		t.Errorf("report:\n%s", buf.String())
	}
}

func TestRunStopsAtDurationAndReportsProgress(t *testing.T) {
	var snaps []Snapshot
	res, err := Run(context.Background(), Config{Concurrency: 2, Duration: 300 * time.Millisecond, Interval: 50 * time.Millisecond,
		Progress: func(s Snapshot) { snaps = append(snaps, s) }},
		func(ctx context.Context, _ int) error {
			select {
			case <-time.After(time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed < 300*time.Millisecond || res.Elapsed > 5*time.Second || res.Errors != 0 || res.Calls == 0 {
		t.Errorf("elapsed %v, calls %d, errors %d", res.Elapsed, res.Calls, res.Errors)
	}
	if len(snaps) < 2 || !snaps[len(snaps)-1].Done || snaps[len(snaps)-1].Calls != res.Calls {
		t.Errorf("snapshots %+v", snaps)
	}
	if line := ProgressLine(snaps[0], 300*time.Millisecond); !strings.Contains(line, "calls/s") {
		t.Errorf("progress line %q", line)
	}
}

func TestConfigMustBeBounded(t *testing.T) {
	if _, err := Run(context.Background(), Config{Concurrency: 1}, nil); !errors.Is(err, ErrUnbounded) {
		t.Errorf("unbounded run: %v", err)
	}
	if _, err := Run(context.Background(), Config{Concurrency: 0, MaxCalls: 1}, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("no workers: %v", err)
	}
}

// TestMaxCallsLetsCallsInFlightFinish: reaching MaxCalls does not cut the calls other workers
// have in flight, so exactly MaxCalls calls are made and counted.
func TestMaxCallsLetsCallsInFlightFinish(t *testing.T) {
	res, err := Run(context.Background(), Config{Concurrency: 8, MaxCalls: 100}, func(ctx context.Context, _ int) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 100 || res.Errors != 0 {
		t.Errorf("calls %d, errors %d; want 100 and 0", res.Calls, res.Errors)
	}
}
