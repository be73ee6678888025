package statetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/registry"
	"github.com/harp-rpc/harp/state"
)

// Node is one NATS server process of the proof's cluster.
type Node interface {
	Name() string // the server name, as JetStream names a stream's leader
	Kill()        // SIGKILL, and wait for the process to end
}

// Instance is one state instance process.
type Instance interface {
	ID() string
	URL() string
	Signal(sig os.Signal) error
	Kill() // SIGKILL (a stopped process too), and wait for it to end
	Alive() bool
}

// Launcher starts state instances: in processes of their own, on the proof's NATS cluster, in
// group "state" of bucket harp_state with three replicas, announced in the registry as service
// "state" with their role.
type Launcher func(ctx context.Context, id string) (Instance, error)

// Proof is one run of the no-loss scenario.
type Proof struct {
	Nodes      []Node   // the three NATS nodes, running
	NATS       string   // their client URLs, comma-separated
	Launch     Launcher // starts an instance
	Instances  int      // state instances, 2 or 3
	Clients    int      // concurrent clients
	Increments int      // increments in all
	TTL        time.Duration
	Budget     time.Duration        // how long a caller retries one increment
	Logf       func(string, ...any) // progress lines
	Verbose    bool                 // also log the registry's changes
	instances  map[string]Instance
	js         jetstream.JetStream
	c          *cluster.Cluster
	done       atomic.Int64
	mu         sync.Mutex
	answered   []span   // attempts that were answered
	errs       []string // problems found while running
}

// Report is what a run found.
type Report struct {
	Increments, Acknowledged, Applied, GaveUp, GaveUpApplied, RetriedUncertain, Attempts int
	Counter                                                                              int64
	Took                                                                                 time.Duration
	MasterFailover, NodeGap, FreezeFailover                                              time.Duration
	Probe                                                                                error // the frozen master's answer to the probe
	Problems                                                                             []string
}

// OK reports whether the run found no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// String summarises the report in a few lines.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d increments in %v (%.0f/s, %d attempts): %d acknowledged, %d retried after an uncertain attempt and applied once, %d given up (%d of them applied, each once)\n",
		r.Increments, r.Took.Round(time.Millisecond), float64(r.Increments)/r.Took.Seconds(), r.Attempts, r.Acknowledged, r.RetriedUncertain, r.GaveUp, r.GaveUpApplied)
	fmt.Fprintf(&b, "counter %d, increments applied %d\n", r.Counter, r.Applied)
	fmt.Fprintf(&b, "failover after SIGKILL of the master: %v; answers again %v after SIGKILL of the stream leader's NATS node; %v after SIGSTOP of the master\n",
		r.MasterFailover.Round(time.Millisecond), r.NodeGap.Round(time.Millisecond), r.FreezeFailover.Round(time.Millisecond))
	fmt.Fprintf(&b, "the woken frozen master answered its probe: %v\n", r.Probe)
	if r.OK() {
		b.WriteString("no increment lost, none applied twice: OK\n")
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "PROBLEM: %s\n", p)
	}
	return b.String()
}

// span is one answered attempt: when it was asked and when answered.
type span struct{ start, end time.Time }

// outcome is what one increment's caller ended with.
type outcome struct {
	id        string
	acked     bool  // answered with a value
	value     int64 // the value answered
	uncertain bool  // some attempt may have been applied without the caller learning it
	attempts  int
}

func (p *Proof) problem(format string, a ...any) {
	p.mu.Lock()
	p.errs = append(p.errs, fmt.Sprintf(format, a...))
	p.mu.Unlock()
}

// Run starts the instances, runs the clients and the faults, and checks the store.
func (p *Proof) Run(ctx context.Context) (*Report, error) {
	stop, err := p.setup(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	return p.scenario(ctx)
}

// setup connects to NATS, starts the instances and the cluster client; the function it returns
// kills the instances and closes the rest.
func (p *Proof) setup(ctx context.Context) (func(), error) {
	if p.Logf == nil {
		p.Logf = func(string, ...any) {}
	}
	nc, err := nats.Connect(p.NATS, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("statetest: %w", err)
	}
	p.js, _ = jetstream.New(nc)
	p.instances = map[string]Instance{}
	cleanup := func() {
		for _, in := range p.instances {
			in.Kill()
		}
		nc.Close()
	}
	for i := range p.Instances {
		if _, err := p.start(ctx, fmt.Sprintf("s%d", i)); err != nil {
			cleanup()
			return nil, err
		}
	}
	stop, err := p.client(ctx)
	if err != nil {
		cleanup()
		return nil, err
	}
	return func() { stop(); cleanup() }, nil
}

func (p *Proof) start(ctx context.Context, id string) (Instance, error) {
	in, err := p.Launch(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("statetest: start instance %s: %w", id, err)
	}
	p.instances[id] = in
	return in, nil
}

// client builds the cluster client: the registry's master of service "state", the standbys'
// not-master fault read as not sent.
func (p *Proof) client(ctx context.Context) (func(), error) {
	rcfg := registry.DefaultConfig()
	rcfg.Replicas = 3
	w, err := registry.NewWatcher(ctx, p.js, "state", registry.MasterOnly, rcfg)
	if err != nil {
		return nil, err
	}
	ccfg := cluster.DefaultConfig()
	ccfg.Health.Interval = 0 // the registry and the calls themselves say who is up
	ccfg.Retry.BudgetReserve, ccfg.Retry.BudgetMax = 1000, 1000
	ccfg.AttemptTimeout = 2 * time.Second
	p.c, err = cluster.NewWithResolver(ctx, w, election.MasterFactory(func(ep cluster.Endpoint) (cluster.Caller, error) {
		return client.New(ep.URL)
	}), ccfg)
	if err != nil {
		w.Close()
		return nil, err
	}
	unfollow := w.Follow(p.c)
	events, unsub := w.Subscribe(256)
	go p.narrate(events)
	return func() { unsub(); unfollow(); p.c.Close(); w.Close() }, nil
}

// narrate logs the registry's changes of role, when Verbose.
func (p *Proof) narrate(events <-chan registry.Event) {
	for ev := range events {
		if p.Verbose {
			a := ev.Announcement
			p.Logf("registry %s: %s %s role=%s term=%d", ev.Time.Format("15:04:05.000"), ev.Kind, a.ID, a.Role, a.Term)
		}
	}
}

// scenario runs the clients and, as they progress, the four faults.
func (p *Proof) scenario(ctx context.Context) (*Report, error) {
	n := p.Increments
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outcomes := make([]outcome, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	defer wg.Wait()
	start := time.Now()
	for c := range p.Clients {
		wg.Go(func() {
			for i := range next {
				outcomes[i] = p.incr(ctx, fmt.Sprintf("c%d-%d", c, i), p.Budget)
				p.done.Add(1)
			}
		})
	}
	r := &Report{Increments: n}
	if err := p.faults(ctx, r); err != nil {
		cancel()
		return nil, err
	}
	wg.Wait()
	r.Took = time.Since(start)
	if err := p.verify(outcomes, r); err != nil {
		return nil, err
	}
	return r, nil
}

// faults kills the master at 15%, the stream leader's NATS node at 35%, brings the old master
// back at 55% and freezes the master at 70% of the increments.
func (p *Proof) faults(ctx context.Context, r *Report) error {
	n := int64(p.Increments)
	wait := func(pct int64) error { return p.waitDone(ctx, n*pct/100) }
	if err := wait(15); err != nil {
		return err
	}
	old, err := p.master(ctx)
	if err != nil {
		return err
	}
	killed, at := time.Now(), p.done.Load()
	old.Kill()
	if r.MasterFailover, err = p.waitAnswered(ctx, killed); err != nil {
		return err
	}
	p.Logf("master %s SIGKILLed at %d done: first call answered by the new master %v later", old.ID(), at, r.MasterFailover.Round(time.Millisecond))

	if err := wait(35); err != nil {
		return err
	}
	node, err := p.streamLeader(ctx)
	if err != nil {
		return err
	}
	nodeKilled, at := time.Now(), p.done.Load()
	node.Kill()
	if r.NodeGap, err = p.waitAnswered(ctx, nodeKilled); err != nil {
		return err
	}
	p.Logf("NATS node %s (the stream leader) SIGKILLed at %d done: next answer %v later", node.Name(), at, r.NodeGap.Round(time.Millisecond))

	if err := wait(55); err != nil {
		return err
	}
	if _, err := p.start(ctx, old.ID()); err != nil {
		return err
	}
	p.Logf("old master %s back, as a standby, at %d done", old.ID(), p.done.Load())

	if err := wait(70); err != nil {
		return err
	}
	return p.freeze(ctx, r)
}

// freeze SIGSTOPs the master, sends it a probe increment, waits until a new master answers and
// one more TTL, then SIGCONTs it: whatever the woken master answers, the probe must not apply.
func (p *Proof) freeze(ctx context.Context, r *Report) error {
	frozen, err := p.master(ctx)
	if err != nil {
		return err
	}
	frozenAt, at := time.Now(), p.done.Load()
	if err := frozen.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	probe := make(chan error, 1)
	go func() {
		pc, _ := client.New(frozen.URL())
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		probe <- pc.Call(pctx, "incr", nil, "counter", 1, map[string]any{"id": "stale-probe"})
	}()
	if r.FreezeFailover, err = p.waitAnswered(ctx, frozenAt); err != nil {
		frozen.Signal(syscall.SIGCONT)
		return err
	}
	time.Sleep(p.TTL) // well past the lease: the new term is established
	if err := frozen.Signal(syscall.SIGCONT); err != nil {
		return err
	}
	r.Probe = <-probe
	p.Logf("master %s SIGSTOPped at %d done: first answer by the new master %v later; woken, it answered the probe: %v",
		frozen.ID(), at, r.FreezeFailover.Round(time.Millisecond), r.Probe)
	// The woken master may refuse the probe itself (its renewal failed first), have the store
	// refuse it against the new term's fence (both: not master), or, when its connection to
	// NATS did not survive the freeze, say it is uncertain (a write was sent) or that nothing
	// was applied (the reads before any write timed out: retry). verify checks it was not
	// applied, whatever it said.
	var f interface{ FaultCode() int }
	if !errors.As(r.Probe, &f) || !slices.Contains([]int{election.CodeNotMaster, state.CodeUncertain, state.CodeRetry}, f.FaultCode()) {
		p.problem("the woken frozen master answered the probe with %v, want fault %d (not master), %d (uncertain) or %d (not applied, retry)",
			r.Probe, election.CodeNotMaster, state.CodeUncertain, state.CodeRetry)
	}
	return nil
}

// incr increments the counter under id until answered or the budget runs out, retrying an
// uncertain attempt with the same id.
func (p *Proof) incr(ctx context.Context, id string, budget time.Duration) outcome {
	o := outcome{id: id}
	deadline := time.Now().Add(budget)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		o.attempts++
		start := time.Now()
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var n int64
		err := p.c.Call(actx, "incr", &n, "counter", 1, map[string]any{"id": id})
		cancel()
		if err == nil {
			o.acked, o.value = true, n
			p.mu.Lock()
			p.answered = append(p.answered, span{start, time.Now()})
			p.mu.Unlock()
			return o
		}
		if p.maybeApplied(err) {
			o.uncertain = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return o
}

// maybeApplied reads a failed attempt: false when it provably applied nothing.
func (p *Proof) maybeApplied(err error) bool {
	var f interface{ FaultCode() int }
	if errors.As(err, &f) {
		switch f.FaultCode() {
		case election.CodeNotMaster, state.CodeRetry:
			return false
		case state.CodeUncertain:
			return true
		}
		p.problem("unexpected fault: %v", err)
		return true
	}
	var ns interface{ NotSent() bool }
	if errors.Is(err, cluster.ErrNoEndpoints) || errors.As(err, &ns) && ns.NotSent() {
		return false
	}
	return true
}

// master returns the live instance holding the lease, waiting up to 10 s.
func (p *Proof) master(ctx context.Context) (Instance, error) {
	deadline := time.Now().Add(10 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		kv, err := p.js.KeyValue(ctx, "harp_state")
		if err != nil {
			continue
		}
		e, err := kv.Get(ctx, "_election.state.lease")
		if err != nil {
			continue
		}
		var l struct{ ID string }
		if json.Unmarshal(e.Value(), &l) == nil {
			if in := p.instances[l.ID]; in != nil && in.Alive() {
				return in, nil
			}
		}
	}
	return nil, errors.New("statetest: no live master within 10s")
}

// streamLeader returns the NATS node leading the state bucket's stream.
func (p *Proof) streamLeader(ctx context.Context) (Node, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := p.js.Stream(ctx, "KV_harp_state")
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range p.Nodes {
		if info.Cluster != nil && n.Name() == info.Cluster.Leader {
			return n, nil
		}
	}
	return nil, fmt.Errorf("statetest: no node leads the stream: %+v", info.Cluster)
}

// waitAnswered waits until an attempt asked after t was answered and returns the time from t
// to the earliest such answer: the failover time when t is a kill.
func (p *Proof) waitAnswered(ctx context.Context, t time.Time) (time.Duration, error) {
	earliest := func() time.Duration {
		p.mu.Lock()
		defer p.mu.Unlock()
		best := time.Duration(-1)
		for _, s := range p.answered {
			if s.start.After(t) && (best < 0 || s.end.Sub(t) < best) {
				best = s.end.Sub(t)
			}
		}
		return best
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; {
		if earliest() >= 0 {
			time.Sleep(50 * time.Millisecond) // let answers in flight land, then take the earliest
			return earliest(), nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("statetest: no call answered within 60s of %v", t.Format("15:04:05.000"))
}

func (p *Proof) waitDone(ctx context.Context, n int64) error {
	for deadline := time.Now().Add(10 * time.Minute); p.done.Load() < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("statetest: only %d increments done, waiting for %d", p.done.Load(), n)
		}
	}
	return nil
}
