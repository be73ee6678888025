package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/demo"
	"github.com/harp-rpc/harp/internal/faultinject"
	"github.com/harp-rpc/harp/internal/loadgen"
)

var demoCommand = &Command{
	Name: "demo",
	Args: "",
	Summary: "Kill one of three local servers and hang another under load through a cluster client.\n\n" +
		"Show the cluster client at work, with nothing to install: start three harp servers on\n" +
		"127.0.0.1, call them through a cluster client from many goroutines, kill one server\n" +
		"(listener and connections closed) and hang another (requests read, never answered), bring\n" +
		"both back, and report what the callers saw.\n\n" +
		"Most calls are idempotent (add, echo, declared so to the cluster); the others are\n" +
		"counter.record with a fresh ID, which the servers count, so a call run twice is seen. The\n" +
		"summary gives the calls made and failed, duplicate executions, the time to take each\n" +
		"fault out of rotation and to bring the server back, and each server's share, availability,\n" +
		"MTBF and MTTR. It exits 0 only when no idempotent call failed, no call ran twice, every\n" +
		"failed non-idempotent call failed with a clear error, and each fault was detected and\n" +
		"recovered from; timing targets are reported beside their measures.",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		var o demoOptions
		fs.StringVar(&o.policy, "policy", "round_robin", "balancing policy: "+strings.Join(cluster.Policies(), ", "))
		fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long to drive load (10s to 10m)")
		fs.IntVar(&o.concurrency, "concurrency", 64, "goroutines calling at once")
		fs.Float64Var(&o.nonIdempotent, "non-idempotent", 0.2, "share of calls that are non-idempotent (counter.record)")
		fs.Uint64Var(&o.seed, "seed", 0, "seed of the call mix (0: a random one)")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 0 {
				return usagef("demo takes no arguments")
			}
			if o.duration < 10*time.Second || o.duration > 10*time.Minute {
				return usagef("-duration must be between 10s and 10m")
			}
			return runDemo(ctx, env, &o)
		}
	},
}

// demoOptions are harp demo's settings.
type demoOptions struct {
	policy        string
	duration      time.Duration
	concurrency   int
	nonIdempotent float64
	seed          uint64
	// tune, when set, adjusts the cluster's configuration (tests use shorter intervals);
	// the summary then says the settings are not the defaults.
	tune func(*cluster.Config)
}

// demoNode is one of the demo's servers.
type demoNode struct {
	name    string
	backend *faultinject.Backend
	url     string
	caller  *demoCaller
}

// demoCaller wraps an endpoint's client to count the callers' successful calls on it and note
// when it first answers one after coming back.
type demoCaller struct {
	cluster.Caller
	ok    atomic.Int64
	armed atomic.Bool  // the server was brought back; waiting for its first answer
	back  atomic.Int64 // when it answered first after being brought back (UnixNano)
}

// Call calls through the client, counting successful calls other than health checks.
func (d *demoCaller) Call(ctx context.Context, method string, reply any, args ...any) error {
	err := d.Caller.Call(ctx, method, reply, args...)
	if err == nil && method != cluster.DefaultCheckMethod {
		d.ok.Add(1)
		if d.armed.Load() && d.armed.CompareAndSwap(true, false) {
			d.back.Store(time.Now().UnixNano())
		}
	}
	return err
}

// demoFault is one injected fault and what the cluster made of it.
type demoFault struct {
	node     *demoNode
	kind     faultinject.Fault
	what     string        // "killed", "hung"
	at, back time.Duration // when the fault is to start and end, from the start of the load
	// guarded by the demo's event lock:
	started, ended time.Time      // when the fault started and ended
	out            *cluster.Event // taken out of rotation after the fault started
	inRot          *cluster.Event // back in rotation after the fault ended
	healthy        *cluster.Event // at full weight again
	traffic        time.Duration  // from the fault's end to the first answered call after it; 0 when none
}

// demoTally counts what the callers saw.
type demoTally struct {
	idemOK, idemFailed       atomic.Int64
	recordOK, recordFailed   atomic.Int64
	recordRepeated           atomic.Int64 // successful records whose answer says they ran before
	unclear, interrupted     atomic.Int64
	mu                       sync.Mutex
	idemErrs, recordErrs     map[string]int64 // by kind
	idemSample, recordSample map[string]string
}

func (t *demoTally) note(errs map[string]int64, samples map[string]string, kind string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := errs[kind]; !ok && len(errs) >= 16 {
		kind = "other"
	}
	errs[kind]++
	if _, ok := samples[kind]; !ok {
		samples[kind] = err.Error()
	}
}

// errorKind names a failed call's error for the summary, and reports whether it is a clear
// error: a *cluster.CallError listing its attempts, the last one a typed transport error.
func errorKind(err error) (kind string, typedErr bool) {
	var ce *cluster.CallError
	if !errors.As(err, &ce) || len(ce.Attempts) == 0 {
		return fmt.Sprintf("%T", err), false
	}
	last := ce.Attempts[len(ce.Attempts)-1]
	kind = last.Outcome.String() + ", " + ce.Reason
	var typed interface{ NotSent() bool }
	return kind, errors.As(last.Err, &typed)
}

func runDemo(ctx context.Context, env *Env, o *demoOptions) error {
	if err := checkPolicy(o.policy); err != nil {
		return err
	}
	if o.concurrency < 1 || o.concurrency > 10000 {
		return usagef("-concurrency must be between 1 and 10000")
	}
	if !(o.nonIdempotent >= 0 && o.nonIdempotent <= 1) {
		return usagef("-non-idempotent must be between 0 and 1")
	}
	if o.seed == 0 {
		o.seed = rand.Uint64()
	}
	counter := demo.NewCounter(0)
	nodes, err := startDemoServers(3, counter)
	defer func() {
		for _, n := range nodes {
			n.backend.Close()
		}
	}()
	if err != nil {
		return err
	}

	cfg := cluster.DefaultConfig()
	cfg.Policy = o.policy
	cfg.Methods = map[string]cluster.MethodConfig{"add": {Idempotent: true}, "echo": {Idempotent: true}}
	if o.tune != nil {
		o.tune(cfg)
	}
	byURL := map[string]*demoNode{}
	eps := make([]cluster.Endpoint, len(nodes))
	for i, n := range nodes {
		eps[i] = cluster.Endpoint{URL: n.url}
		byURL[n.url] = n
	}
	clu, err := cluster.New(eps, func(ep cluster.Endpoint) (cluster.Caller, error) {
		c, err := client.New(ep.URL, client.WithMaxIdleConnsPerHost(max(64, o.concurrency)))
		if err != nil {
			return nil, err
		}
		d := &demoCaller{Caller: c}
		byURL[ep.URL].caller = d
		return d, nil
	}, cfg)
	if err != nil {
		return err
	}
	defer clu.Close()
	events, unsubscribe := clu.Subscribe()
	defer unsubscribe()

	settings := "default cluster settings"
	if o.tune != nil {
		settings = "tuned cluster settings"
	}
	fmt.Fprintf(env.Stdout, "harp demo: 3 servers, %d goroutines, policy %s, %v, %s, seed %d\n",
		o.concurrency, o.policy, o.duration, settings, o.seed)
	for _, n := range nodes {
		fmt.Fprintf(env.Stdout, "  %s  %s\n", n.name, n.url)
	}
	fmt.Fprintf(env.Stdout, "calls: add and echo (idempotent), counter.record with a fresh ID (%.0f%%, not idempotent)\n", 100*o.nonIdempotent)

	d := o.duration
	faults := []*demoFault{
		{node: nodes[0], kind: faultinject.Refuse, what: "killed", at: d * 15 / 100, back: d * 35 / 100},
		{node: nodes[1], kind: faultinject.Hang, what: "hung", at: d * 50 / 100, back: d * 65 / 100},
	}
	pr := newProgress(env.Stdout)
	start := time.Now()
	since := func(t time.Time) time.Duration { return t.Sub(start) }

	var evMu sync.Mutex
	var evWG sync.WaitGroup
	evWG.Go(func() {
		for e := range events {
			pr.printf("  %6.3fs  %s %s -> %s (%s)", since(e.Time).Seconds(), byURL[e.URL].name, e.From, e.To, e.Reason)
			evMu.Lock()
			for _, f := range faults {
				if f.node.url != e.URL || f.started.IsZero() || e.Time.Before(f.started) {
					continue
				}
				back := !f.ended.IsZero() && !e.Time.Before(f.ended)
				switch {
				case f.out == nil && outOfRotation(e.To):
					f.out = &e
				case back && f.inRot == nil && inRotation(e.To):
					f.inRot = &e
				}
				if back && f.healthy == nil && e.To == cluster.StateHealthy {
					f.healthy = &e
				}
			}
			evMu.Unlock()
		}
	})

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var faultErr error
	var faultWG sync.WaitGroup
	faultWG.Go(func() {
		for _, step := range demoSteps(faults) {
			select {
			case <-loadCtx.Done():
				return
			case <-time.After(time.Until(start.Add(step.at))):
			}
			f := step.fault
			now := time.Now()
			evMu.Lock()
			if step.end {
				f.ended = now
			} else {
				f.started = now
			}
			evMu.Unlock()
			if step.end {
				f.node.caller.back.Store(0)
				f.node.caller.armed.Store(true)
				pr.printf("  %6.3fs  ** %s brought back", since(now).Seconds(), f.node.name)
				if err := f.node.backend.Set(faultinject.None); err != nil {
					faultErr = fmt.Errorf("bringing %s back: %w", f.node.name, err)
				}
				continue
			}
			how := "listener and connections closed, like a killed process"
			if f.kind == faultinject.Hang {
				how = "requests read, never answered, like a frozen process"
			}
			pr.printf("  %6.3fs  ** %s %s: %s", since(now).Seconds(), f.node.name, f.what, how)
			if err := f.node.backend.Set(f.kind); err != nil {
				faultErr = fmt.Errorf("%s %s: %w", f.what, f.node.name, err)
			}
		}
	})

	var tally demoTally
	tally.idemErrs, tally.recordErrs = map[string]int64{}, map[string]int64{}
	tally.idemSample, tally.recordSample = map[string]string{}, map[string]string{}
	rngs := make([]*rand.Rand, o.concurrency)
	seqs := make([]uint64, o.concurrency)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(o.seed, uint64(i)))
	}
	lastOK := make([]int64, len(nodes))
	res, err := loadgen.Run(loadCtx, loadgen.Config{
		Concurrency: o.concurrency, Duration: o.duration, Interval: pr.interval(),
		Progress: func(s loadgen.Snapshot) {
			pr.status(demoStatus(s, o.duration, nodes, lastOK, clu, &tally), s.Done)
		},
	}, func(_ context.Context, w int) error {
		// Calls run under the command's context, not the run's: the last ones finish normally.
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return demoCall(cctx, clu, w, rngs[w], &seqs[w], o.nonIdempotent, &tally)
	})
	stopLoad()
	faultWG.Wait()
	if err != nil {
		return err
	}
	stats := clu.Stats()
	unsubscribe()
	evWG.Wait()
	for _, f := range faults {
		if ns := f.node.caller.back.Load(); ns != 0 && !f.ended.IsZero() {
			f.traffic = time.Unix(0, ns).Sub(f.ended)
		}
	}
	problems := writeDemoSummary(env.Stdout, o, cfg, res, &tally, counter, start, faults, nodes, stats)
	if faultErr != nil {
		problems = append(problems, faultErr.Error())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("expectations not met: %s", strings.Join(problems, "; "))
	}
	return nil
}

// startDemoServers starts n demo servers behind fault injectors on 127.0.0.1, sharing counter.
func startDemoServers(n int, counter *demo.Counter) ([]*demoNode, error) {
	var nodes []*demoNode
	for i := range n {
		srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Counter: counter})
		if err != nil {
			return nodes, err
		}
		b, err := faultinject.New(srv)
		if err != nil {
			return nodes, err
		}
		nodes = append(nodes, &demoNode{name: "s" + strconv.Itoa(i+1), backend: b, url: b.URL() + "/RPC2"})
	}
	return nodes, nil
}

type demoStep struct {
	at    time.Duration
	fault *demoFault
	end   bool
}

// demoSteps returns the faults' starts and ends in time order.
func demoSteps(faults []*demoFault) []demoStep {
	var steps []demoStep
	for _, f := range faults {
		steps = append(steps, demoStep{f.at, f, false}, demoStep{f.back, f, true})
	}
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].at < steps[j-1].at; j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
	return steps
}

func outOfRotation(s cluster.State) bool {
	return s == cluster.StateEjected || s == cluster.StateDown || s == cluster.StateCircuitOpen
}

func inRotation(s cluster.State) bool {
	return s == cluster.StateHealthy || s == cluster.StateSlowStart || s == cluster.StateHalfOpen
}

// demoCall makes one call of the mix and counts its result.
func demoCall(ctx context.Context, clu *cluster.Cluster, w int, rng *rand.Rand, seq *uint64, nonIdem float64, t *demoTally) error {
	*seq++
	if rng.Float64() < nonIdem {
		var n int
		id := strconv.Itoa(w) + "-" + strconv.FormatUint(*seq, 10)
		err := clu.Call(ctx, "counter.record", &n, id)
		switch {
		case err == nil:
			t.recordOK.Add(1)
			if n != 1 {
				t.recordRepeated.Add(1)
			}
		case ctx.Err() != nil:
			t.interrupted.Add(1)
		default:
			t.recordFailed.Add(1)
			kind, typedErr := errorKind(err)
			if !typedErr {
				t.unclear.Add(1)
			}
			t.note(t.recordErrs, t.recordSample, kind, err)
		}
		return err
	}
	var err error
	if rng.IntN(2) == 0 {
		x, y := rng.Int64N(1<<20), rng.Int64N(1<<20)
		var sum int64
		if err = clu.Call(ctx, "add", &sum, x, y); err == nil && sum != x+y {
			err = fmt.Errorf("add(%d, %d) answered %d", x, y, sum)
		}
	} else {
		s := "echo " + strconv.FormatUint(*seq, 10)
		var got string
		if err = clu.Call(ctx, "echo", &got, s); err == nil && got != s {
			err = fmt.Errorf("echo(%q) answered %q", s, got)
		}
	}
	switch {
	case err == nil:
		t.idemOK.Add(1)
	case ctx.Err() != nil:
		t.interrupted.Add(1)
	default:
		t.idemFailed.Add(1)
		kind, _ := errorKind(err)
		t.note(t.idemErrs, t.idemSample, kind, err)
	}
	return err
}

// demoStatus renders the live status line: progress, rate, each server's share of the calls
// answered since the last status (of the whole run in the final one) and its state, and failures.
func demoStatus(s loadgen.Snapshot, total time.Duration, nodes []*demoNode, last []int64, clu *cluster.Cluster, t *demoTally) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%4.1f/%.0fs %6.0f calls/s |", s.Elapsed.Seconds(), total.Seconds(), s.Rate)
	var sum int64
	delta := make([]int64, len(nodes))
	for i, n := range nodes {
		if n.caller == nil {
			continue
		}
		v := n.caller.ok.Load()
		delta[i], last[i] = v-last[i], v
		if s.Done { // the whole run's shares
			delta[i] = v
		}
		sum += delta[i]
	}
	st := clu.Stats()
	for i, n := range nodes {
		share := 0.0
		if sum > 0 {
			share = 100 * float64(delta[i]) / float64(sum)
		}
		fmt.Fprintf(&b, " %s %3.0f%%", n.name, share)
		if i < len(st.Endpoints) && st.Endpoints[i].State != cluster.StateHealthy {
			fmt.Fprintf(&b, " %s", st.Endpoints[i].State)
		}
	}
	fmt.Fprintf(&b, " | failed %d idem, %d not", t.idemFailed.Load(), t.recordFailed.Load())
	return b.String()
}
