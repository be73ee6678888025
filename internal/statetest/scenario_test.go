package statetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/state"
)

// TestNoDataLoss is the proof: 16 clients do 20,000 incr (2,000 with -short) of one
// counter, each with its own idempotency key, through a cluster client following the registry's
// master, while the master is SIGKILLed, then a NATS node is SIGKILLed, then the old master comes
// back, then the master is frozen with SIGSTOP past its lease and woken. At the end every
// acknowledged increment was applied exactly once, none twice, the counter equals the number
// applied, and every increment whose caller gave up is accounted for.
func TestNoDataLoss(t *testing.T) {
	h := newHarness(t, 3, time.Second, 3*time.Second) // the defaults: 1 s beat, 3 s TTL
	n := total()
	const clients = 16
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := range next {
				outcomes[i] = h.incr(ctx, fmt.Sprintf("c%d-%d", c, i), 30*time.Second)
				h.done.Add(1)
			}
		})
	}
	budget := 10 * time.Minute

	// 1. SIGKILL the master.
	h.waitDone(int64(n)*15/100, budget)
	old := h.master(10 * time.Second)
	killed, at := time.Now(), h.done.Load()
	old.kill()
	failover1 := h.waitAnswered(killed, 30*time.Second)
	t.Logf("master %s SIGKILLed at %d done: first call answered by the new master %v later", old.spec.ID, at, failover1.Round(time.Millisecond))

	// 2. SIGKILL a NATS node: the stream's leader, the harshest choice.
	h.waitDone(int64(n)*35/100, budget)
	node := h.streamLeader()
	nodeKilled, at := time.Now(), h.done.Load()
	node.Kill()
	nodeGap := h.waitAnswered(nodeKilled, 30*time.Second)
	t.Logf("NATS node %s (the stream leader) SIGKILLed at %d done: next answer %v later", node.Name, at, nodeGap.Round(time.Millisecond))

	// 3. The old master comes back, as a standby.
	h.waitDone(int64(n)*55/100, budget)
	back := h.start(old.spec.ID)
	t.Logf("old master %s back at %d done", back.spec.ID, h.done.Load())

	// 4. Freeze the master past its lease; a probe sent to it meanwhile must not be applied.
	h.waitDone(int64(n)*70/100, budget)
	frozen := h.master(10 * time.Second)
	frozenAt, at := time.Now(), h.done.Load()
	frozen.signal(syscall.SIGSTOP)
	probe := make(chan error, 1)
	go func() {
		pc, _ := client.New(frozen.url)
		pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
		defer pcancel()
		probe <- pc.Call(pctx, "incr", nil, "counter", 1, map[string]any{"id": "stale-probe"})
	}()
	failover2 := h.waitAnswered(frozenAt, 30*time.Second)
	newMaster := h.master(10 * time.Second)
	time.Sleep(h.spec.TTL) // well past the lease: the new term is established
	frozen.signal(syscall.SIGCONT)
	probeErr := <-probe
	t.Logf("master %s SIGSTOPped at %d done: %s took over, first answer %v later; woken, the probe got: %v",
		frozen.spec.ID, at, newMaster.spec.ID, failover2.Round(time.Millisecond), probeErr)
	// The woken master may refuse the probe itself (its renewal failed first), have the store
	// refuse it against the new term's fence (both: not master), or, when its connection to NATS
	// did not survive the freeze, say it is uncertain. Whatever it says, verify checks that the
	// probe was not applied.
	var f interface{ FaultCode() int }
	if !errors.As(probeErr, &f) || f.FaultCode() != election.CodeNotMaster && f.FaultCode() != state.CodeUncertain {
		t.Errorf("the woken stale master answered the probe with %v, want fault %d (not master) or %d (uncertain)",
			probeErr, election.CodeNotMaster, state.CodeUncertain)
	}

	wg.Wait()
	took := time.Since(start)
	h.verify(outcomes, took)
	for _, in := range []*instance{frozen, newMaster} {
		var st state.Stats
		c, _ := client.New(in.url)
		if err := c.Call(context.Background(), "stats", &st); err == nil {
			t.Logf("instance %s: %+v", in.spec.ID, st)
		}
	}
}

// verify checks the run's outcomes against the store's idempotency records and counter.
func (h *harness) verify(outcomes []outcome, took time.Duration) {
	t := h.t
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kv, err := h.js.KeyValue(ctx, "harp_state")
	if err != nil {
		t.Fatal(err)
	}
	lister, err := kv.ListKeysFiltered(ctx, "i.>")
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]bool{}
	for k := range lister.Keys() {
		applied[strings.TrimPrefix(k, "i.")] = true
	}
	e, err := kv.Get(ctx, "d.counter")
	if err != nil {
		t.Fatal(err)
	}
	var counter int64
	if _, err := fmt.Sscanf(string(e.Value()), "<value><int>%d</int></value>", &counter); err != nil {
		if _, err := fmt.Sscanf(string(e.Value()), "<value><i8>%d</i8></value>", &counter); err != nil {
			t.Fatalf("counter %q: %v", e.Value(), err)
		}
	}
	var acked, gaveUp, gaveUpApplied, uncertainRetried, attempts int
	values := map[int64]string{}
	for _, o := range outcomes {
		attempts += o.attempts
		if o.acked {
			acked++
			if !applied[o.id] {
				t.Errorf("%s was acknowledged (value %d) but has no record: lost", o.id, o.value)
			}
			if prev, dup := values[o.value]; dup {
				t.Errorf("%s and %s were both answered %d: one increment applied for two", prev, o.id, o.value)
			}
			values[o.value] = o.id
			if o.value < 1 || o.value > counter {
				t.Errorf("%s answered %d, outside 1..%d", o.id, o.value, counter)
			}
			if o.uncertain {
				uncertainRetried++
			}
			continue
		}
		gaveUp++
		if applied[o.id] {
			gaveUpApplied++
			if !o.uncertain {
				t.Errorf("%s gave up as not applied, but it was applied", o.id)
			}
		}
	}
	if applied["stale-probe"] {
		t.Error("the frozen master's probe was applied")
	}
	known := 0
	for id := range applied {
		if id != "stale-probe" {
			known++
		}
	}
	if int64(known) != counter {
		t.Errorf("counter %d, but %d increments were applied: some applied twice or lost", counter, known)
	}
	if known != acked+gaveUpApplied {
		t.Errorf("%d applied, %d acknowledged, %d given up but applied: unaccounted", known, acked, gaveUpApplied)
	}
	t.Logf("%d increments by 16 clients in %v (%.0f/s, %d attempts): %d acknowledged, %d retried after an uncertain attempt and applied once, %d given up (%d of them applied, each once); counter %d = applied %d",
		len(outcomes), took.Round(time.Millisecond), float64(len(outcomes))/took.Seconds(), attempts, acked, uncertainRetried, gaveUp, gaveUpApplied, counter, known)
}
