package natsrpc_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

func TestCallBothProtocols(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	serve(t, tr, newService("s1"), nil)
	for name, codec := range map[string]rpc.ClientCodec{
		"xmlrpc":  rpc.NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{}),
		"jsonrpc": rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{}),
	} {
		c := newClient(t, tr, func(cfg *broker.ClientConfig) { cfg.Codec = codec })
		var sum int
		if err := c.Call(context.Background(), "add", &sum, 2, 3); err != nil || sum != 5 {
			t.Fatalf("%s: add: %d, %v", name, sum, err)
		}
		var named int
		if err := c.CallNamed(context.Background(), "add", &named, []int{4, 5}); err == nil {
			t.Logf("%s: named call answered %d", name, named)
		}
		ctx := broker.WithContext(rpc.WithRequestID(context.Background(), "req-1"), broker.RequestContext{"user": "alice", "roles": []any{"admin"}})
		var got map[string]any
		if err := c.Call(ctx, "ctx", &got); err != nil {
			t.Fatalf("%s: ctx: %v", name, err)
		}
		rc, _ := got["rc"].(map[string]any)
		if got["id"] != "req-1" || rc["user"] != "alice" || got["deadline"] != true {
			t.Fatalf("%s: the handler saw %v", name, got)
		}
	}
}

func TestFault(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	serve(t, tr, newService("s1"), nil)
	c := newClient(t, tr, nil)
	err := c.Call(context.Background(), "fail", nil, 42)
	f, ok := broker.AsFault(err)
	if !ok || f.FaultCode() != 42 {
		t.Fatalf("fail: %v, want a fault with code 42", err)
	}
	if o := cluster.Classify(context.Background(), err); o != cluster.OutcomeFault {
		t.Fatalf("classified %v", o)
	}
}

func TestNoServer(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	c := newClient(t, tr, nil)
	start := time.Now()
	err := c.Call(context.Background(), "add", nil, 1, 2)
	var nse *broker.NoServerError
	if !errors.As(err, &nse) || !errors.Is(err, broker.ErrNoServer) {
		t.Fatalf("call with nobody serving: %v, want *NoServerError", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("no responders took %v, want at once", el)
	}
	if o := cluster.Classify(context.Background(), err); o != cluster.OutcomeNotSent {
		t.Fatalf("classified %v, want not sent", o)
	}
}

func TestTimeout(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	svc := newService("s1")
	serve(t, tr, svc, nil)
	c := newClient(t, tr, func(cfg *broker.ClientConfig) { cfg.Timeout = 100 * time.Millisecond })
	err := c.Call(context.Background(), "nap", nil, 500)
	var te *broker.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("slow call: %v, want *TimeoutError", err)
	}
	if o := cluster.Classify(context.Background(), err); o != cluster.OutcomeTimeout {
		t.Fatalf("classified %v", o)
	}
	// A handler that reads its context got the caller's deadline and gave up.
	err = c.Call(context.Background(), "sleep", nil, 2000)
	if err == nil || svc.ran.Load() != 0 {
		t.Fatalf("sleep past the caller's deadline: %v, ran %d", err, svc.ran.Load())
	}
}

// The client's timeout bounds a call whatever its context: one that may be cancelled but has
// no deadline, and one whose deadline is later; an earlier deadline of the context wins, and a
// cancellation ends the call with the context's error.
func TestTimeoutAndContexts(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	serve(t, tr, newService("s1"), nil)
	c := newClient(t, tr, func(cfg *broker.ClientConfig) { cfg.Timeout = 100 * time.Millisecond })
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	later, cancelLater := context.WithTimeout(context.Background(), time.Minute)
	defer cancelLater()
	for name, ctx := range map[string]context.Context{"cancellable": cancellable, "later deadline": later} {
		start := time.Now()
		err := c.Call(ctx, "nap", nil, 1000)
		var te *broker.TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("%s: %v, want *TimeoutError", name, err)
		}
		if el := time.Since(start); el > 900*time.Millisecond {
			t.Fatalf("%s: timed out after %v, want the client's 100ms", name, el)
		}
	}
	long := newClient(t, tr, func(cfg *broker.ClientConfig) { cfg.Timeout = time.Minute })
	early, cancelEarly := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelEarly()
	start := time.Now()
	var te *broker.TimeoutError
	if err := long.Call(early, "nap", nil, 1000); !errors.As(err, &te) || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("context's deadline first: %v after %v, want *TimeoutError at 100ms", err, time.Since(start))
	}
	gone, stop := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, stop)
	if err := long.Call(gone, "nap", nil, 1000); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v, want context.Canceled", err)
	}
	var sum int
	if err := long.Call(context.Background(), "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("after them: %d, %v", sum, err)
	}
}

func TestQueueGroupAndServer(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	a, b := newService("a"), newService("b")
	serve(t, tr, a, nil)
	serve(t, dial(t, ns.ClientURL(), nil), b, nil)
	c := newClient(t, tr, nil)
	for i := 0; i < 200; i++ {
		if err := c.Call(context.Background(), "add", nil, i, i); err != nil {
			t.Fatal(err)
		}
	}
	if a.ran.Load()+b.ran.Load() != 200 || a.ran.Load() < 20 || b.ran.Load() < 20 {
		t.Fatalf("200 calls spread as %d and %d", a.ran.Load(), b.ran.Load())
	}
	toB, err := c.Prepare(broker.Prepare{Server: "b"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		var who string
		if err := toB.Call(context.Background(), "whoami", &who); err != nil || who != "b" {
			t.Fatalf("prepare(server=b): %q, %v", who, err)
		}
	}
	toC, _ := c.Prepare(broker.Prepare{Server: "c"})
	if err := toC.Call(context.Background(), "whoami", nil); !errors.Is(err, broker.ErrNoServer) {
		t.Fatalf("server c: %v, want ErrNoServer", err)
	}
}

func TestFanout(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	svcs := []*service{newService("a"), newService("b"), newService("c")}
	for _, s := range svcs {
		serve(t, tr, s, nil)
	}
	c := newClient(t, tr, nil)
	if err := c.Fanout(context.Background(), "record", "k"); err != nil {
		t.Fatal(err)
	}
	p, _ := c.Prepare(broker.Prepare{Fanout: true})
	if err := p.Cast(context.Background(), "record", "k"); err != nil {
		t.Fatal(err)
	}
	if err := p.Call(context.Background(), "add", nil, 1, 2); !errors.Is(err, broker.ErrUnsupported) {
		t.Fatalf("fanout call: %v, want ErrUnsupported", err)
	}
	for _, s := range svcs {
		eventually(t, 5*time.Second, s.name+" got both fanouts", func() bool { return s.count("k") == 2 })
	}
	// A plain cast runs on one server only.
	if err := c.Cast(context.Background(), "record", "one"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the cast ran", func() bool {
		return svcs[0].count("one")+svcs[1].count("one")+svcs[2].count("one") == 1
	})
	time.Sleep(50 * time.Millisecond)
	if n := svcs[0].count("one") + svcs[1].count("one") + svcs[2].count("one"); n != 1 {
		t.Fatalf("a cast ran %d times", n)
	}
}

func TestMaxInFlightAndGracefulStop(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	svc := newService("s1")
	srv, err := broker.NewServer(tr, svc.registry(t), &broker.ServerConfig{Target: broker.Target{Topic: "calc"}, MaxInFlight: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, tr, nil)
	errs := make(chan error, 12)
	for i := 0; i < 12; i++ {
		go func() { errs <- c.Call(context.Background(), "sleep", nil, 100) }()
	}
	eventually(t, 5*time.Second, "calls running", func() bool { return svc.active.Load() > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Every call taken before the stop ran to the end; none after it.
	ok := 0
	for i := 0; i < 12; i++ {
		if err := <-errs; err == nil {
			ok++
		} else if !errors.Is(err, broker.ErrNoServer) {
			t.Errorf("call during stop: %v", err)
		}
	}
	if int64(ok) != svc.ran.Load() || ok == 0 {
		t.Fatalf("%d calls answered, %d ran", ok, svc.ran.Load())
	}
	if p := svc.peak.Load(); p > 3 {
		t.Fatalf("%d calls ran at once, bound 3", p)
	}
	if err := c.Call(context.Background(), "add", nil, 1, 1); !errors.Is(err, broker.ErrNoServer) {
		t.Fatalf("after stop: %v, want ErrNoServer", err)
	}
	if st := srv.Stats(); st.Calls != int64(ok) || st.InFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// The cluster drives broker clients (one per server name) like HTTP endpoints, and the
// calling core's every shape works over a broker client.
func TestClusterAndShapes(t *testing.T) {
	ns := startNATS(t)
	tr := dial(t, ns.ClientURL(), nil)
	serve(t, tr, newService("a"), nil)
	base := newClient(t, tr, func(cfg *broker.ClientConfig) {
		cfg.Codec = rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})
	})
	cl, err := cluster.New([]cluster.Endpoint{{URL: "a"}, {URL: "gone"}}, func(ep cluster.Endpoint) (cluster.Caller, error) {
		return base.Prepare(broker.Prepare{Server: ep.URL})
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < 20; i++ {
		var who string
		if err := cl.Call(context.Background(), "whoami", &who); err != nil || who != "a" {
			t.Fatalf("cluster call %d: %q %v (no responders on 'gone' must fail over)", i, who, err)
		}
	}
	var x, y int
	calls := []*rpc.Call{rpc.NewCall("add", &x, 1, 2), rpc.NewCall("add", &y, 3, 4)}
	if err := base.RPC().Batch(context.Background(), calls...); err != nil || x != 3 || y != 7 {
		t.Fatalf("batch: %d %d %v", x, y, err)
	}
	x, y = 0, 0
	if err := base.RPC().MultiCall(context.Background(), rpc.NewCall("add", &x, 1, 1), rpc.NewCall("add", &y, 2, 2)); err != nil || x != 2 || y != 4 {
		t.Fatalf("multicall: %d %d %v", x, y, err)
	}
	if err := base.RPC().Notify(context.Background(), "add", 1, 2); err != nil {
		t.Fatalf("notify as a cast: %v", err)
	}
}

// Closing a transport ends its listeners' workers, stopped or not. The workers start as the
// deliveries need them: 50 casts whose handler holds them grow the pool to 50 workers.
func TestCloseEndsListeners(t *testing.T) {
	ns := startNATS(t)
	cfg := natsrpc.DefaultConfig()
	cfg.URL = ns.ClientURL()
	tr, err := natsrpc.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // earlier tests' goroutines wind down
	before := runtime.NumGoroutine()
	hold := make(chan struct{})
	h := func(d *broker.Delivery) { <-hold; d.Done(nil, nil) }
	tg := broker.Target{Topic: "t", Server: "s"}
	if _, err := tr.Listen(context.Background(), broker.ListenConfig{Target: tg, MaxInFlight: 200}, h); err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n > before+20 {
		t.Errorf("%d goroutines for an idle listener, %d before: workers start as needed", n, before)
	}
	for i := range 50 {
		if err := tr.Cast(context.Background(), tg, &broker.Message{Protocol: "xmlrpc", Method: "m", Body: []byte("<x/>")}); err != nil {
			t.Fatalf("cast %d: %v", i, err)
		}
	}
	eventually(t, 5*time.Second, "a worker for each held delivery", func() bool { return runtime.NumGoroutine() >= before+50 })
	close(hold)
	tr.Close()
	eventually(t, 5*time.Second, "the workers end", func() bool { return runtime.NumGoroutine() < before+20 })
	if _, err := tr.Listen(context.Background(), broker.ListenConfig{Target: tg, MaxInFlight: 1}, h); !errors.Is(err, broker.ErrClosed) {
		t.Fatalf("Listen after Close: %v, want ErrClosed", err)
	}
}
