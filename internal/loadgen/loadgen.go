// Package loadgen drives bounded load: a fixed number of workers call a function until a
// duration passes, a number of calls is reached or the context ends, whichever comes first. It
// knows nothing of what is called, so `harp bench` and `harp demo` use it with a one-endpoint
// client or a cluster alike. Every run is bounded in count and time by construction.
package loadgen

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Sentinel errors.
var (
	// ErrUnbounded reports a Config with neither a duration nor a call limit.
	ErrUnbounded = errors.New("loadgen: a run needs a duration or a call limit")
	// ErrConfig reports an otherwise invalid Config.
	ErrConfig = errors.New("loadgen: invalid config")
)

// MaxDuration caps any run, whatever its Config says.
const MaxDuration = time.Hour

// Config bounds a run.
type Config struct {
	// Concurrency is the number of workers calling at once.
	Concurrency int
	// Duration stops the run after this long (0: no time bound, but MaxCalls must be set).
	Duration time.Duration
	// MaxCalls stops the run after this many calls in all (0: no count bound).
	MaxCalls uint64
	// Interval is how often Progress is called (default 500ms).
	Interval time.Duration
	// Progress, if set, receives a snapshot every Interval and once at the end.
	Progress func(Snapshot)
}

// DefaultConfig returns 16 workers for 10 seconds.
func DefaultConfig() Config {
	return Config{Concurrency: 16, Duration: 10 * time.Second, Interval: 500 * time.Millisecond}
}

// Verify reports what is wrong with c, or nil.
func (c *Config) Verify() error {
	switch {
	case c.Concurrency < 1 || c.Concurrency > 100000:
		return errors.Join(ErrConfig, errors.New("loadgen: concurrency must be 1 to 100000"))
	case c.Duration < 0 || c.Interval < 0:
		return errors.Join(ErrConfig, errors.New("loadgen: negative duration"))
	case c.Duration == 0 && c.MaxCalls == 0:
		return ErrUnbounded
	}
	return nil
}

// Snapshot is the state of a run at one moment.
type Snapshot struct {
	Elapsed time.Duration
	Calls   uint64 // calls finished
	Errors  uint64 // calls that returned an error
	// Rate is calls per second over the last interval (over the whole run in the final snapshot).
	Rate float64
	// Done marks the final snapshot.
	Done bool
}

// Result sums up a finished run.
type Result struct {
	Elapsed   time.Duration
	Calls     uint64
	Errors    uint64
	Latency   *Histogram // of every call, successful or not
	ErrorKind map[string]uint64
}

// Rate returns calls per second over the run.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// TopErrors returns the most frequent error messages, most frequent first, at most n.
func (r *Result) TopErrors(n int) []string {
	type kv struct {
		k string
		v uint64
	}
	var all []kv
	for k, v := range r.ErrorKind {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].k)
	}
	return out
}

// maxErrorKinds bounds the distinct error messages a run keeps.
const maxErrorKinds = 32

// Run calls call from cfg.Concurrency workers until the run's bounds are met or ctx ends, and
// returns what happened. call receives the worker's number and a context that ends with the run.
func Run(ctx context.Context, cfg Config, call func(ctx context.Context, worker int) error) (*Result, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	if cfg.Interval == 0 {
		cfg.Interval = 500 * time.Millisecond
	}
	limit := cfg.Duration
	if limit == 0 || limit > MaxDuration {
		limit = MaxDuration
	}
	start := time.Now() // before the deadline, so Elapsed is never short of Duration
	ctx, cancel := context.WithDeadline(ctx, start.Add(limit))
	defer cancel()

	res := &Result{Latency: NewHistogram(), ErrorKind: map[string]uint64{}}
	var (
		issued, calls, errs atomic.Uint64
		mu                  sync.Mutex // guards res.ErrorKind
		wg                  sync.WaitGroup
	)
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				if cfg.MaxCalls > 0 && issued.Add(1) > cfg.MaxCalls {
					return // the others finish the calls they started: exactly MaxCalls are made
				}
				t0 := time.Now()
				err := call(ctx, w)
				took := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // the run ended under this call: not the callee's failure
				}
				res.Latency.Record(took)
				calls.Add(1)
				if err != nil {
					errs.Add(1)
					mu.Lock()
					msg := err.Error()
					if _, ok := res.ErrorKind[msg]; ok || len(res.ErrorKind) < maxErrorKinds {
						res.ErrorKind[msg]++
					} else {
						res.ErrorKind["(other errors)"]++
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	var lastCalls uint64
	lastTime := start
	for running := true; running; {
		select {
		case <-done:
			running = false
		case now := <-tick.C:
			if cfg.Progress != nil {
				c := calls.Load()
				cfg.Progress(Snapshot{Elapsed: now.Sub(start), Calls: c, Errors: errs.Load(),
					Rate: float64(c-lastCalls) / now.Sub(lastTime).Seconds()})
				lastCalls, lastTime = c, now
			}
		}
	}
	res.Elapsed = time.Since(start)
	res.Calls, res.Errors = calls.Load(), errs.Load()
	if cfg.Progress != nil {
		cfg.Progress(Snapshot{Elapsed: res.Elapsed, Calls: res.Calls, Errors: res.Errors, Rate: res.Rate(), Done: true})
	}
	return res, nil
}
