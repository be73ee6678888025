package registry_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/registry"
)

func fastConfig() *registry.Config {
	c := registry.DefaultConfig()
	c.Beat = 250 * time.Millisecond
	c.TTL = time.Second
	return c
}

// waitEvent returns the next event from ch, failing the test after d.
func waitEvent(t *testing.T, ch <-chan registry.Event, d time.Duration) registry.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(d):
		t.Fatalf("no event within %v", d)
		return registry.Event{}
	}
}

func TestAnnounceWatchLeave(t *testing.T) {
	js, _ := startJS(t)
	ctx := context.Background()
	cfg := fastConfig()
	w, err := registry.NewWatcher(ctx, js, "calc", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	events, stop := w.Subscribe(16)
	defer stop()

	an, err := registry.Announce(ctx, js, registry.Announcement{
		Service: "calc", ID: "a", URL: "http://127.0.0.1:1/RPC2", Protocol: "xmlrpc",
		Weight: 3, Zone: "z1", Metadata: map[string]string{"v": "1"},
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, events, 2*time.Second)
	if ev.Kind != registry.EventJoined || ev.Announcement.URL != "http://127.0.0.1:1/RPC2" {
		t.Fatalf("first event %+v, want joined", ev)
	}
	eps, _ := w.Resolve(ctx)
	if len(eps) != 1 || eps[0].Weight != 3 || eps[0].Zone != "z1" || eps[0].Metadata["v"] != "1" ||
		eps[0].Metadata["protocol"] != "xmlrpc" || eps[0].Metadata["service"] != "calc" {
		t.Fatalf("Resolve = %+v", eps)
	}
	if err := an.SetRole(ctx, registry.RoleMaster); err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, events, 2*time.Second); ev.Kind != registry.EventUpdated || ev.Announcement.Role != "master" {
		t.Fatalf("after SetRole: %+v", ev)
	}
	// Heartbeats alone change nothing a watcher reports, and keep the entry past its TTL.
	select {
	case ev := <-events:
		t.Fatalf("heartbeat produced %+v", ev)
	case <-time.After(2 * cfg.TTL):
	}
	if got := w.Entries(); len(got) != 1 {
		t.Fatalf("entry gone despite heartbeats: %+v", got)
	}
	start := time.Now()
	if err := an.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ev = waitEvent(t, events, 2*time.Second)
	if ev.Kind != registry.EventLeft {
		t.Fatalf("after Close: %+v, want left", ev)
	}
	if d := time.Since(start); d > cfg.Beat {
		t.Fatalf("graceful removal seen after %v, want well under the TTL", d)
	}
	if eps, _ := w.Resolve(ctx); len(eps) != 0 {
		t.Fatalf("Resolve after leave = %+v", eps)
	}
}

func TestDeadEntryExpires(t *testing.T) {
	js, nc := startJS(t)
	ctx := context.Background()
	cfg := fastConfig()
	w, err := registry.NewWatcher(ctx, js, "calc", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	events, stop := w.Subscribe(16)
	defer stop()
	an, err := registry.Announce(ctx, js, registry.Announcement{Service: "calc", ID: "dead", URL: "http://127.0.0.1:2/"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, 2*time.Second) // joined
	// A second connection's watcher keeps working while the announcer's heartbeats stop: the
	// announcer's own connection is what dies here (the process that was killed).
	_ = nc
	killed := time.Now()
	an.Abandon()
	ev := waitEvent(t, events, cfg.TTL+3*time.Second)
	if ev.Kind != registry.EventExpired {
		t.Fatalf("got %+v, want expired", ev)
	}
	took := time.Since(killed)
	t.Logf("entry expired %v after the last heartbeat stopped (TTL %v)", took, cfg.TTL)
	if took < cfg.TTL-cfg.Beat {
		t.Fatalf("expired after %v, before the TTL %v", took, cfg.TTL)
	}
}

func TestClusterFollows(t *testing.T) {
	js, _ := startJS(t)
	ctx := context.Background()
	cfg := fastConfig()
	w, err := registry.NewWatcher(ctx, js, "calc", registry.MasterOnly, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	factory := func(ep cluster.Endpoint) (cluster.Caller, error) {
		return cluster.CallerFunc(func(ctx context.Context, method string, reply any, args ...any) error {
			if p, ok := reply.(*string); ok {
				*p = ep.URL
			}
			return nil
		}), nil
	}
	ccfg := cluster.DefaultConfig()
	ccfg.Health.Interval = 0
	c, err := cluster.NewWithResolver(ctx, w, factory, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer w.Follow(c)()
	var anns []*registry.Announcer
	for _, id := range []string{"a", "b"} {
		an, err := registry.Announce(ctx, js, registry.Announcement{Service: "calc", ID: id, URL: "http://" + id + "/", Role: registry.RoleStandby}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer an.Close(ctx)
		anns = append(anns, an)
	}
	var got string
	if err := c.Call(ctx, "whoami", &got); !errors.Is(err, cluster.ErrNoEndpoints) {
		t.Fatalf("no master yet: %q, %v; want ErrNoEndpoints", got, err)
	}
	start := time.Now()
	if err := anns[1].SetRole(ctx, registry.RoleMaster); err != nil {
		t.Fatal(err)
	}
	for c.Call(ctx, "whoami", &got) != nil || got != "http://b/" {
		if time.Since(start) > cfg.Beat {
			t.Fatalf("cluster did not follow the new master within a beat: %q", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the cluster routed to the new master %v after SetRole returned", time.Since(start))
}

func TestVerifyConfig(t *testing.T) {
	for _, mod := range []func(*registry.Config){
		func(c *registry.Config) { c.Bucket = "a.b" },
		func(c *registry.Config) { c.TTL = 500 * time.Millisecond },
		func(c *registry.Config) { c.TTL = c.Beat },
		func(c *registry.Config) { c.MaxEntries = 0 },
	} {
		c := registry.DefaultConfig()
		mod(c)
		var ce *registry.ConfigError
		if err := registry.VerifyConfig(c); !errors.As(err, &ce) || !errors.Is(err, registry.ErrInvalidConfig) {
			t.Errorf("VerifyConfig(%+v) = %v, want a *ConfigError", c, err)
		}
	}
	if err := registry.VerifyConfig(registry.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidAnnouncement(t *testing.T) {
	js, _ := startJS(t)
	for _, a := range []registry.Announcement{
		{Service: "a.b", URL: "http://x/"},
		{Service: "ok"},
		{Service: "ok", URL: "http://x/", Protocol: "soap"},
		{Service: "ok", URL: "http://x/", Metadata: map[string]string{"big": string(make([]byte, 20<<10))}},
	} {
		if _, err := registry.Announce(context.Background(), js, a, nil); !errors.Is(err, registry.ErrInvalidAnnouncement) {
			t.Errorf("Announce(%.60v) = %v, want ErrInvalidAnnouncement", a, err)
		}
	}
}

// A server that joins takes calls within a beat; one that dies leaves rotation by the
// cluster's own failure detection before its entry's TTL, and its entry expires after it.
func TestJoinAndDie(t *testing.T) {
	js, _ := startJS(t)
	ctx := context.Background()
	cfg := registry.DefaultConfig() // the defaults: 1 s beat, 3 s TTL
	w, err := registry.NewWatcher(ctx, js, "calc", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	up := map[string]*atomic.Bool{}
	calls := map[string]*atomic.Int64{}
	factory := func(ep cluster.Endpoint) (cluster.Caller, error) {
		alive, n := up[ep.URL], calls[ep.URL]
		return cluster.CallerFunc(func(ctx context.Context, method string, reply any, args ...any) error {
			if !alive.Load() {
				return notSent{}
			}
			n.Add(1)
			return nil
		}), nil
	}
	for _, u := range []string{"http://a/", "http://b/"} {
		up[u], calls[u] = new(atomic.Bool), new(atomic.Int64)
		up[u].Store(true)
	}
	ccfg := cluster.DefaultConfig()
	ccfg.Health.Interval = 0
	ccfg.SlowStart = 100 * time.Millisecond
	c, err := cluster.NewWithResolver(ctx, w, factory, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer w.Follow(c)()
	a, err := registry.Announce(ctx, js, registry.Announcement{Service: "calc", ID: "a", URL: "http://a/"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	joined := time.Now()
	b, err := registry.Announce(ctx, js, registry.Announcement{Service: "calc", ID: "b", URL: "http://b/"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for calls["http://b/"].Load() == 0 {
		if err := c.Call(ctx, "x", nil); err != nil && !errors.Is(err, cluster.ErrNoEndpoints) {
			t.Fatal(err)
		}
		if time.Since(joined) > cfg.Beat {
			t.Fatalf("the joining server took no call within a beat (%v)", cfg.Beat)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("the joining server took its first call %v after Announce", time.Since(joined).Round(time.Microsecond))
	// b dies: its heartbeats stop and it refuses connections.
	b.Abandon()
	up["http://b/"].Store(false)
	died := time.Now()
	for i := range 200 {
		if err := c.Call(ctx, "x", nil); err != nil {
			t.Fatalf("call %d after b died: %v (the cluster should fail over to a)", i, err)
		}
	}
	if st := endpointState(c, "http://b/"); st == cluster.StateHealthy {
		t.Fatalf("b still healthy in the cluster after 200 calls, %v after it died", time.Since(died))
	}
	t.Logf("b out of rotation by the cluster's failure detection %v after it died", time.Since(died).Round(time.Microsecond))
	for len(w.Entries()) != 1 {
		if time.Since(died) > cfg.TTL+2*time.Second {
			t.Fatal("b's entry did not expire")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("b's entry expired %v after it died (TTL %v)", time.Since(died).Round(time.Millisecond), cfg.TTL)
}

type notSent struct{}

func (notSent) Error() string { return "connection refused" }
func (notSent) NotSent() bool { return true }

func endpointState(c *cluster.Cluster, url string) cluster.State {
	for _, e := range c.Stats().Endpoints {
		if e.Endpoint.URL == url {
			return e.State
		}
	}
	return cluster.StateHealthy
}

// Of two entries claiming master, only the one of the highest term is routed to.
func TestStaleMasterNotRouted(t *testing.T) {
	js, _ := startJS(t)
	ctx := context.Background()
	cfg := fastConfig()
	w, err := registry.NewWatcher(ctx, js, "calc", registry.MasterOnly, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	events, stop := w.Subscribe(16)
	defer stop()
	old, _ := registry.Announce(ctx, js, registry.Announcement{Service: "calc", ID: "old", URL: "http://old/", Role: registry.RoleMaster, Term: 7}, cfg)
	defer old.Close(ctx)
	waitEvent(t, events, 2*time.Second)
	if eps, _ := w.Resolve(ctx); len(eps) != 1 || eps[0].URL != "http://old/" || eps[0].Metadata["term"] != "7" {
		t.Fatalf("one master: %+v", eps)
	}
	nw, _ := registry.Announce(ctx, js, registry.Announcement{Service: "calc", ID: "new", URL: "http://new/", Role: registry.RoleMaster, Term: 9}, cfg)
	defer nw.Close(ctx)
	waitEvent(t, events, 2*time.Second)
	if eps, _ := w.Resolve(ctx); len(eps) != 1 || eps[0].URL != "http://new/" {
		t.Fatalf("after a newer term: %+v, want only the new master", eps)
	}
}
