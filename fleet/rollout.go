package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RolloutConfig says what a rollout does and how carefully. Make one with DefaultRolloutConfig.
type RolloutConfig struct {
	Action Action
	Target Target // the processes on each host (not for Update)
	Signal string // the signal of a Signal action: HUP, USR1, 15, ...
	Batch  BatchSize
	// StartTimeout bounds the wait for each process started to be RUNNING past its startsecs,
	// and each stop.
	StartTimeout time.Duration
	// PollInterval is how often a starting process's state is asked.
	PollInterval time.Duration
	// Health, when not nil, is checked on each host after its steps, before the next batch.
	Health *HealthCheck
	// Pause is waited between batches.
	Pause time.Duration
	// Progress, when not nil, is told of each batch and host as the rollout goes. It is called
	// from the rollout's goroutines, one call at a time.
	Progress func(Progress)
}

// DefaultRolloutConfig returns a restart of all, one host at a time, 60 seconds to start each
// process, polled every 200ms, with no health check and no pause.
func DefaultRolloutConfig() *RolloutConfig {
	return &RolloutConfig{Action: Restart, Target: "all", Batch: BatchSize{N: 1},
		StartTimeout: 60 * time.Second, PollInterval: 200 * time.Millisecond}
}

// Verify reports a configuration Rollout cannot run.
func (c *RolloutConfig) Verify() error {
	switch c.Action {
	case Start, Stop, Restart, Signal:
		if err := c.Target.Verify(); err != nil {
			return err
		}
	case Update:
	default:
		return fmt.Errorf("fleet: unknown action %q", c.Action)
	}
	switch {
	case c.Action == Signal && c.Signal == "":
		return errors.New("fleet: a signal action needs a Signal")
	case c.Batch.N < 1 || (c.Batch.Percent && c.Batch.N > 100):
		return fmt.Errorf("fleet: batch size %s", c.Batch)
	case c.StartTimeout <= 0 || c.PollInterval <= 0 || c.Pause < 0:
		return errors.New("fleet: StartTimeout and PollInterval must be positive, Pause not negative")
	}
	if c.Health != nil {
		return c.Health.Verify()
	}
	return nil
}

// Progress is one step of a rollout, for a progress display.
type Progress struct {
	Batch, Batches int
	HostsDone      int // hosts finished (done or failed) so far
	Hosts          int
	Host           string  // the host the event is about, or ""
	Outcome        Outcome // for a host that finished
	Event          string  // "batch", "host", "pause"
	Elapsed        time.Duration
}

// Rollout applies cfg's action to hosts in batches: the hosts of a batch in parallel, the
// batches one after another with cfg.Pause between them. A batch in which any host fails (a
// step refused, a process not RUNNING in time, the health check failing, the host unreachable)
// is the last: its other hosts finish their steps, and the hosts after it are left untouched.
// The context's end stops the rollout the same way. The report says what changed where;
// Report.Err and Report.Remaining say how to resume.
func Rollout(ctx context.Context, hosts []*Host, cfg *RolloutConfig) (*Report, error) {
	if cfg == nil {
		cfg = DefaultRolloutConfig()
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	start := time.Now()
	batches := cfg.Batch.Batches(hosts)
	rep := &Report{Action: cfg.Action, Target: cfg.Target, Batches: len(batches)}
	if cfg.Action == Update {
		rep.Target = ""
	}
	for bi, batch := range batches {
		for _, h := range batch {
			rep.Hosts = append(rep.Hosts, HostResult{Host: h.Name, Batch: bi + 1, Outcome: Untouched})
		}
	}
	pr := &progress{fn: cfg.Progress, start: start, batches: len(batches), hosts: len(hosts)}
	offset := 0
	for bi, batch := range batches {
		if ctx.Err() != nil {
			rep.Interrupted = true
			break
		}
		pr.send(Progress{Batch: bi + 1, Event: "batch"})
		if !runBatch(ctx, batch, rep.Hosts[offset:offset+len(batch)], cfg, pr, bi+1) {
			break
		}
		offset += len(batch)
		if bi+1 < len(batches) && cfg.Pause > 0 {
			pr.send(Progress{Batch: bi + 1, Event: "pause"})
			if sleep(ctx, cfg.Pause) != nil {
				rep.Interrupted = true
				break
			}
		}
	}
	rep.Completed = rep.Count(Done) == len(rep.Hosts)
	if ctx.Err() != nil && !rep.Completed {
		rep.Interrupted = true
	}
	rep.Elapsed = since(start)
	return rep, nil
}

// runBatch runs the hosts of one batch in parallel and reports whether all succeeded.
func runBatch(ctx context.Context, batch []*Host, results []HostResult, cfg *RolloutConfig, pr *progress, bn int) bool {
	var wg sync.WaitGroup
	for i, h := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			res := &results[i]
			run := &hostRun{h: h, cfg: cfg, res: res}
			res.Err = run.run(ctx)
			res.Outcome = Done
			if res.Err != nil {
				res.Outcome = Failed
			}
			res.Elapsed = since(t)
			pr.send(Progress{Batch: bn, Host: h.Name, Outcome: res.Outcome, Event: "host"})
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.Outcome != Done {
			return false
		}
	}
	return true
}

// progress serialises Progress calls and counts finished hosts.
type progress struct {
	mu      sync.Mutex
	fn      func(Progress)
	start   time.Time
	batches int
	hosts   int
	done    int
}

func (p *progress) send(ev Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.Event == "host" {
		p.done++
	}
	if p.fn == nil {
		return
	}
	ev.Batches, ev.Hosts, ev.HostsDone, ev.Elapsed = p.batches, p.hosts, p.done, since(p.start)
	p.fn(ev)
}

// sleep waits d or until ctx is done, and returns ctx's error then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
