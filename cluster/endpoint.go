package cluster

import (
	"context"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Caller makes calls to one endpoint. *client.Client satisfies it; the cluster never imports a
// client or a wire format.
type Caller interface {
	// Call calls method with args and decodes the answer into reply (which may be nil).
	Call(ctx context.Context, method string, reply any, args ...any) error
	// Close releases the Caller's resources; the cluster calls it once the endpoint is removed
	// and its calls in flight have ended.
	Close() error
}

// Factory makes the Caller of one endpoint.
type Factory func(Endpoint) (Caller, error)

// Endpoint is one server of a cluster.
type Endpoint struct {
	// URL identifies the endpoint and is handed to the Factory.
	URL string
	// Weight is the endpoint's share of calls relative to the others' for weighted policies; 0
	// means 1.
	Weight int
	// Backup marks an endpoint used only while every primary (non-backup) endpoint is down.
	Backup bool
	// Zone names the endpoint's zone or rack, for observability and future policies.
	Zone string
	// Metadata carries free-form labels, e.g. from a service registry.
	Metadata map[string]string
}

func (e Endpoint) weight() int {
	if e.Weight <= 0 {
		return 1
	}
	return e.Weight
}

// EndpointState is the cluster's live record of one endpoint, as policies see it: the endpoint
// and its counters, read with atomic loads. It is safe for concurrent use.
type EndpointState struct {
	// read by every call
	ep       atomic.Pointer[Endpoint]
	caller   Caller
	halfOpen atomic.Bool // breaker half-open: calls need a probe slot
	retired  atomic.Bool

	_        [cacheLine]byte // the counters below are written by every call
	inflight atomic.Int64
	calls    atomic.Int64
	failures atomic.Int64
	faults   atomic.Int64
	outcomes [NumOutcomes]atomic.Int64 // attempts by outcome
	ewma     atomic.Uint64             // float64 bits, nanoseconds
	hist     latencyHist
	consec   atomic.Int64 // consecutive failed calls
	window   rateWindow
	probes   atomic.Int64 // probe calls in flight while half-open

	tickCalls int64 // calls as of the last tick; only the cluster's tick, under its mu, uses it

	closeOnce sync.Once
	stop      context.CancelFunc // stops the health checker

	mu sync.Mutex // guards the fields below
	h  healthState
}

// Endpoint returns the endpoint as configured.
func (s *EndpointState) Endpoint() Endpoint { return *s.ep.Load() }

// InFlight returns the number of calls in flight to the endpoint.
func (s *EndpointState) InFlight() int64 { return s.inflight.Load() }

// LatencyEWMA returns the exponentially weighted moving average of the endpoint's latency over
// answered and failed calls (0 before the first). It starts over when the endpoint comes back
// into rotation, and halves every second the endpoint gets no calls, so latencies from before it
// left, or from a slow spell that made a latency-aware policy avoid it, cannot keep it away.
func (s *EndpointState) LatencyEWMA() time.Duration {
	return time.Duration(math.Float64frombits(s.ewma.Load()))
}

// ewmaAlpha is the weight of each new latency sample.
const ewmaAlpha = 0.25

// idleLatencyHalfLife is how fast the latency EWMA of an endpoint that gets no calls decays: a
// latency-aware policy that avoided it after one slow spell tries it again within a few seconds
// (a 500x slower spell within about nine) instead of never, as the EWMA only moves with calls.
const idleLatencyHalfLife = time.Second

// decayIdleLatency decays the latency EWMA for elapsed time when the endpoint has had no call
// since the last tick and has none in flight. An endpoint in use keeps the EWMA its calls give it.
func (s *EndpointState) decayIdleLatency(elapsed time.Duration) {
	calls := s.calls.Load()
	idle := calls == s.tickCalls && s.inflight.Load() == 0
	s.tickCalls = calls
	if !idle || elapsed <= 0 {
		return
	}
	factor := math.Exp2(-float64(elapsed) / float64(idleLatencyHalfLife))
	for {
		old := s.ewma.Load()
		f := math.Float64frombits(old)
		if f == 0 || s.ewma.CompareAndSwap(old, math.Float64bits(f*factor)) {
			return
		}
	}
}

func (s *EndpointState) recordLatency(d time.Duration) {
	s.hist.add(d)
	for {
		old := s.ewma.Load()
		f := math.Float64frombits(old)
		var nf float64
		if f == 0 {
			nf = float64(d)
		} else {
			nf = f + ewmaAlpha*(float64(d)-f)
		}
		if s.ewma.CompareAndSwap(old, math.Float64bits(nf)) {
			return
		}
	}
}

// release ends one call in flight, closing the Caller of a removed endpoint after its last call.
func (s *EndpointState) release() {
	if s.inflight.Add(-1) == 0 && s.retired.Load() {
		s.closeCaller()
	}
}

func (s *EndpointState) closeCaller() {
	s.closeOnce.Do(func() {
		if s.caller != nil {
			s.caller.Close()
		}
	})
}

// latencyHist is a lock-free histogram of latencies in logarithmic buckets: four per power of
// two from 1 µs up, so a quantile (a bucket's upper bound) is at most 25% above the truth.
type latencyHist struct {
	b [histBuckets]atomic.Int64
}

const histBuckets = 4*27 + 2

func histIndex(ns int64) int {
	if ns < 1024 {
		return 0
	}
	l := bits.Len64(uint64(ns)) // 11..
	sub := int(uint64(ns)>>(l-3)) & 3
	i := (l-11)*4 + sub + 1
	if i >= histBuckets {
		i = histBuckets - 1
	}
	return i
}

// histUpper returns the upper bound of bucket i in nanoseconds.
func histUpper(i int) int64 {
	if i == 0 {
		return 1024
	}
	i--
	l, sub := i/4+11, int64(i%4)
	return (4 + sub + 1) << (l - 3)
}

func (h *latencyHist) add(d time.Duration) { h.b[histIndex(int64(d))].Add(1) }

// quantiles returns the upper bounds of the buckets holding each quantile q (0..1).
func (h *latencyHist) quantiles(qs ...float64) []time.Duration {
	var counts [histBuckets]int64
	var total int64
	for i := range h.b {
		counts[i] = h.b[i].Load()
		total += counts[i]
	}
	out := make([]time.Duration, len(qs))
	if total == 0 {
		return out
	}
	for j, q := range qs {
		want := int64(math.Ceil(q * float64(total)))
		if want < 1 {
			want = 1
		}
		var seen int64
		for i, n := range counts {
			seen += n
			if seen >= want {
				out[j] = time.Duration(histUpper(i))
				break
			}
		}
	}
	return out
}

// rateWindow counts calls and failures over a sliding window of ten slots, lock-free. A slot
// reused for a newer period is reset by whoever first sees it stale; counts racing with that
// reset may be lost, which only delays detection by one call.
type rateWindow struct {
	slots [windowSlots]windowSlot
}

const windowSlots = 10

type windowSlot struct {
	period atomic.Int64
	total  atomic.Int64
	failed atomic.Int64
}

func (w *rateWindow) add(now time.Time, width time.Duration, failed bool) {
	if width <= 0 {
		return
	}
	p := now.UnixNano() / int64(width/windowSlots+1)
	s := &w.slots[p%windowSlots]
	if old := s.period.Load(); old != p && s.period.CompareAndSwap(old, p) {
		s.total.Store(0)
		s.failed.Store(0)
	}
	s.total.Add(1)
	if failed {
		s.failed.Add(1)
	}
}

// rate returns the calls and failed calls of the window ending at now.
func (w *rateWindow) rate(now time.Time, width time.Duration) (total, failed int64) {
	if width <= 0 {
		return 0, 0
	}
	p := now.UnixNano() / int64(width/windowSlots+1)
	for i := range w.slots {
		s := &w.slots[i]
		if q := s.period.Load(); q > p-windowSlots && q <= p {
			total += s.total.Load()
			failed += s.failed.Load()
		}
	}
	return total, failed
}

func (w *rateWindow) reset() {
	for i := range w.slots {
		w.slots[i].period.Store(0)
		w.slots[i].total.Store(0)
		w.slots[i].failed.Store(0)
	}
}

// CallerFunc adapts a function to Caller, with a Close that does nothing: an in-process
// endpoint, or a test double.
type CallerFunc func(ctx context.Context, method string, reply any, args ...any) error

// Call calls f.
func (f CallerFunc) Call(ctx context.Context, method string, reply any, args ...any) error {
	return f(ctx, method, reply, args...)
}

// Close returns nil.
func (f CallerFunc) Close() error { return nil }
