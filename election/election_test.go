package election_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/election"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

func fastConfig() *election.Config {
	c := election.DefaultConfig()
	c.Beat = 200 * time.Millisecond
	c.TTL = time.Second
	c.OpTimeout = time.Second
	return c
}

// candidates starts one election per id in the same group.
func candidates(t *testing.T, cfg *election.Config, ids ...string) []*election.Election {
	t.Helper()
	js := startJS(t)
	var es []*election.Election
	for _, id := range ids {
		e, err := election.New(context.Background(), js, "svc", id, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Close(context.Background()) })
		es = append(es, e)
	}
	return es
}

// waitMaster waits until exactly one of es is master and returns it, failing after d.
func waitMaster(t *testing.T, d time.Duration, es ...*election.Election) *election.Election {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var m []*election.Election
		for _, e := range es {
			if e.IsMaster() {
				m = append(m, e)
			}
		}
		if len(m) > 1 {
			t.Fatalf("%d masters at once", len(m))
		}
		if len(m) == 1 {
			return m[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no master within %v", d)
	return nil
}

func other(es []*election.Election, e *election.Election) *election.Election {
	if es[0] == e {
		return es[1]
	}
	return es[0]
}

func TestTakeoverAfterTTL(t *testing.T) {
	cfg := fastConfig()
	es := candidates(t, cfg, "a", "b")
	m := waitMaster(t, 2*time.Second, es...)
	tok := m.Status().Token
	standby := other(es, m)
	for end := time.Now().Add(time.Second); standby.Status().Holder == "" && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if s := standby.Status(); s.Master || s.Holder != m.ID() {
		t.Fatalf("standby's status %+v, want holder %s", s, m.ID())
	}
	if err := standby.NotMaster(); !errors.Is(err, election.ErrNotMaster) {
		t.Fatalf("NotMaster() = %v", err)
	}
	killed := time.Now()
	m.Abandon() // as kill -9 would: no resignation
	n := waitMaster(t, cfg.TTL+2*time.Second, standby)
	took := time.Since(killed)
	t.Logf("takeover %v after the master stopped renewing (TTL %v, beat %v)", took, cfg.TTL, cfg.Beat)
	if took < cfg.TTL-cfg.Beat {
		t.Fatalf("takeover after %v, before the lease could expire", took)
	}
	if nt := n.Status().Token; nt <= tok {
		t.Fatalf("new token %d not above the old %d", nt, tok)
	}
}

func TestResignHandsOverAtOnce(t *testing.T) {
	cfg := fastConfig()
	es := candidates(t, cfg, "a", "b")
	m := waitMaster(t, 2*time.Second, es...)
	start := time.Now()
	if err := m.Resign(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.IsMaster() {
		t.Fatal("still master after Resign returned")
	}
	waitMaster(t, cfg.Beat, other(es, m))
	t.Logf("handover %v after Resign", time.Since(start))
}

func TestStaleMasterIsFenced(t *testing.T) {
	cfg := fastConfig()
	es := candidates(t, cfg, "a", "b")
	m := waitMaster(t, 2*time.Second, es...)
	ctx := context.Background()
	old, err := m.Fence()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Put(ctx, old, "data", []byte("by the first master")); err != nil {
		t.Fatalf("the master's own fenced write: %v", err)
	}
	m.Abandon() // frozen: it still believes it is master
	n := waitMaster(t, cfg.TTL+2*time.Second, other(es, m))
	if !m.IsMaster() {
		t.Fatal("the frozen instance should still believe it is master")
	}
	_, err = m.Put(ctx, old, "data", []byte("stale"))
	var fe *election.FencedError
	if !errors.As(err, &fe) || !errors.Is(err, election.ErrNotMaster) || fe.Token != old.Token {
		t.Fatalf("stale write: %v, want a *FencedError", err)
	}
	f, err := n.Fence()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Put(ctx, f, "data", []byte("by the new master")); err != nil {
		t.Fatalf("the new master's write: %v", err)
	}
	if _, err := m.Fence(); err == nil {
		// The frozen instance's own view is stale, but the store has the last word.
		t.Log("the abandoned instance still hands out its old fence; the store refuses it")
	}
}

func TestRenewalKeepsTheLease(t *testing.T) {
	cfg := fastConfig()
	es := candidates(t, cfg, "a", "b")
	m := waitMaster(t, 2*time.Second, es...)
	tok := m.Status().Token
	time.Sleep(3 * cfg.TTL)
	if s := m.Status(); !s.Master || s.Token != tok {
		t.Fatalf("after 3 TTLs of renewals: %+v, want the same term %d", s, tok)
	}
	if other(es, m).IsMaster() {
		t.Fatal("two masters")
	}
}

// A cluster client over a master and a standby sends every call to the master, the standby's
// "not master" fault being read as not sent.
func TestMasterCallerFailsOverToMaster(t *testing.T) {
	mk := func(master bool) string {
		reg, err := rpc.NewRegistry(nil)
		if err != nil {
			t.Fatal(err)
		}
		reg.MustRegister("who", func() (string, error) {
			if !master {
				return "", &election.NotMasterError{Group: "svc", Master: "m"}
			}
			return "master", nil
		}, "")
		srv, err := server.New(reg, nil)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		return ts.URL + "/RPC2"
	}
	eps := []cluster.Endpoint{{URL: mk(false)}, {URL: mk(true)}}
	cfg := cluster.DefaultConfig()
	cfg.Health.Interval = 0
	cfg.Retry.BudgetReserve, cfg.Retry.BudgetMax = 100, 100
	c, err := cluster.New(eps, election.MasterFactory(func(ep cluster.Endpoint) (cluster.Caller, error) {
		return client.New(ep.URL)
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 10 {
		var got string
		if err := c.Call(context.Background(), "who", &got); err != nil || got != "master" {
			t.Fatalf("call %d: %q, %v", i, got, err)
		}
	}
	// Straight to the standby: the error is a *StandbyError, not a fault, and NotSent.
	sc := election.MasterCaller(must(client.New(eps[0].URL)))
	err = sc.Call(context.Background(), "who", nil)
	var se *election.StandbyError
	if !errors.As(err, &se) || !se.NotSent() || cluster.Classify(context.Background(), err) != cluster.OutcomeNotSent {
		t.Fatalf("standby answered %v (%v), want a not-sent *StandbyError", err, cluster.Classify(context.Background(), err))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVerifyConfig(t *testing.T) {
	for _, mod := range []func(*election.Config){
		func(c *election.Config) { c.Bucket = "" },
		func(c *election.Config) { c.TTL = c.Beat },
		func(c *election.Config) { c.OpTimeout = time.Hour },
	} {
		c := election.DefaultConfig()
		mod(c)
		if err := election.VerifyConfig(c); !errors.Is(err, election.ErrInvalidConfig) {
			t.Errorf("VerifyConfig = %v", err)
		}
	}
}
