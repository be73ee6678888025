package natsrpc_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/broker/natsrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// parallel runs b.N calls of fn spread over g goroutines.
func parallel(b *testing.B, g int, fn func() error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	cpu0 := cpuTime()
	b.ResetTimer()
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := fn(); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if e := failed.Load(); e != nil {
		b.Fatal(*e)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	// The process's CPU time per call (broker, servers and callers are all in it): on a machine
	// shared with other work, a steadier measure of cost than the rate.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
}

// cpuTime returns the user and system CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRequest compares, side by side against one embedded nats-server, a raw nats.go
// request/reply of a tiny payload (the responder answers it as is), a raw request/reply of the
// bytes harp sends (the XML-RPC call of add(2, 3) with its protocol header, answered with a
// canned XML-RPC response), and harp's Call of add(2, 3) over the broker (XML-RPC encoded, served
// by the serving core, decoded).
func BenchmarkRequest(b *testing.B) {
	ns := startNATS(b)
	// Raw: a responder on a connection of its own, in a queue group as harp's servers are.
	rc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.QueueSubscribe("raw", "q", func(m *nats.Msg) { m.Respond(m.Data) }); err != nil {
		b.Fatal(err)
	}
	doc, _ := xmlrpc.MarshalCall("add", 2, 3)
	answer, _ := xmlrpc.MarshalResponse(5)
	if _, err := rc.QueueSubscribe("rawdoc", "q", func(m *nats.Msg) { m.Respond(answer) }); err != nil {
		b.Fatal(err)
	}
	rc.Flush()
	req, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer req.Close()

	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("add", rpc.Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil }), "")
	srv, err := broker.NewServer(dial(b, ns.ClientURL(), nil), reg, &broker.ServerConfig{Target: broker.Target{Topic: "calc"}, MaxInFlight: 128})
	if err != nil {
		b.Fatal(err)
	}
	srv.Start(context.Background())
	defer srv.Stop(context.Background())
	c := newClient(b, dial(b, ns.ClientURL(), nil), nil)

	payload := []byte("ping")
	for _, g := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("raw/g=%d", g), func(b *testing.B) {
			parallel(b, g, func() error {
				_, err := req.Request("raw", payload, 5*time.Second)
				return err
			})
		})
		b.Run(fmt.Sprintf("rawdoc/g=%d", g), func(b *testing.B) {
			parallel(b, g, func() error {
				m := &nats.Msg{Subject: "rawdoc", Header: nats.Header{natsrpc.ProtocolHeader: {"xmlrpc"}}, Data: doc}
				_, err := req.RequestMsg(m, 5*time.Second)
				return err
			})
		})
		b.Run(fmt.Sprintf("harp/g=%d", g), func(b *testing.B) {
			parallel(b, g, func() error {
				var sum int
				return c.Call(context.Background(), "add", &sum, 2, 3)
			})
		})
	}
}

// BenchmarkCast measures casts of add(2, 3) from 16 goroutines until the server has run them
// all: plain (a publish each) and durable (a JetStream-acknowledged publish each, then a
// double-acked delivery).
func BenchmarkCast(b *testing.B) {
	ns := startNATS(b)
	var ran atomic.Int64
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("add", rpc.Func2(func(_ context.Context, a, b int) (int, error) { ran.Add(1); return a + b, nil }), "")
	srv, err := broker.NewServer(dial(b, ns.ClientURL(), nil), reg,
		&broker.ServerConfig{Target: broker.Target{Topic: "calc"}, MaxInFlight: 256, Durable: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer srv.Stop(context.Background())
	tr := dial(b, ns.ClientURL(), nil)
	for _, durable := range []bool{false, true} {
		c := newClient(b, tr, func(cfg *broker.ClientConfig) { cfg.Durable = durable })
		b.Run(fmt.Sprintf("durable=%v", durable), func(b *testing.B) {
			ran.Store(0)
			parallel(b, 16, func() error { return c.Cast(context.Background(), "add", 2, 3) })
			b.StartTimer()
			deadline := time.Now().Add(60 * time.Second)
			for ran.Load() < int64(b.N) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			if ran.Load() < int64(b.N) {
				b.Fatalf("%d of %d casts ran", ran.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "run/s")
		})
	}
}
