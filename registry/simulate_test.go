package registry_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/harp-rpc/harp/registry"
)

// TestSimulatedFleet announces a fleet of simulated instances, each with its own real heartbeat
// loop (the defaults: 1 s beat, 3 s TTL), into one embedded NATS node, and watches them for a
// while: every expiry seen is a false death (no instance stopped), which is where one node stops
// holding a fleet of that size. It prints, per size, the time until the watcher saw every
// instance, the false expiries, the heartbeat errors and the process's CPU. It is slow and
// heavy, so it runs only when asked:
//
//	HARP_SIMULATE_FLEET=1000,4000,8000 go test -run TestSimulatedFleet -v ./registry
func TestSimulatedFleet(t *testing.T) {
	spec := os.Getenv("HARP_SIMULATE_FLEET")
	if spec == "" {
		t.Skip("set HARP_SIMULATE_FLEET=N[,N...] (instances) to simulate fleets")
	}
	hold := 10 * time.Second
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 50000 {
			t.Fatalf("HARP_SIMULATE_FLEET: %q: want sizes from 1 to 50000", f)
		}
		t.Run(fmt.Sprintf("instances=%d", n), func(t *testing.T) { simulateFleet(t, n, hold) })
	}
}

func simulateFleet(t *testing.T, n int, hold time.Duration) {
	js, _ := startJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := registry.DefaultConfig()
	cfg.MaxEntries = max(cfg.MaxEntries, n)
	w, err := registry.NewWatcher(ctx, js, "sim", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	events, unsubscribe := w.Subscribe(4 * n)
	defer unsubscribe()
	var expired atomic.Int64
	go func() {
		for ev := range events {
			if ev.Kind == registry.EventExpired {
				expired.Add(1)
			}
		}
	}()

	cpu0, start := cpuTime(), time.Now()
	anns := make([]*registry.Announcer, n)
	var wg sync.WaitGroup
	var next atomic.Int64
	var announceErr atomic.Value
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				a := registry.Announcement{Service: "sim", ID: fmt.Sprintf("i%d", i), URL: fmt.Sprintf("http://10.0.%d.%d:8000/RPC2", i/250, i%250+1), Protocol: "xmlrpc", Weight: 1}
				an, err := registry.Announce(ctx, js, a, cfg)
				if err != nil {
					announceErr.Store(err)
					return
				}
				anns[i] = an
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, an := range anns {
			if an != nil {
				an.Abandon()
			}
		}
	}()
	if err, _ := announceErr.Load().(error); err != nil {
		t.Fatalf("announcing: %v", err)
	}
	for len(w.Entries()) < n {
		if ctx.Err() != nil {
			t.Fatalf("the watcher saw %d of %d instances", len(w.Entries()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	joined := time.Since(start)
	time.Sleep(hold)
	beatErrs := 0
	for _, an := range anns {
		if an.Err() != nil {
			beatErrs++
		}
	}
	cpu := cpuTime() - cpu0
	elapsed := time.Since(start)
	t.Logf("%d instances: all seen after %v; over the next %v: %d false expiries, %d heartbeat errors; process CPU %.1f s in %.1f s (%.0f%% of one core) for %d heartbeats/s",
		n, joined.Round(time.Millisecond), hold, expired.Load(), beatErrs, cpu.Seconds(), elapsed.Seconds(), 100*cpu.Seconds()/elapsed.Seconds(), int(float64(n)/cfg.Beat.Seconds()))
}

// cpuTime returns the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
