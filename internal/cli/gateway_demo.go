package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/metrics"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// demoBackend is one in-process harp server of the gateway demo that can be killed (its
// listener and connections closed) and hung (its calls block until released).
type demoBackend struct {
	name  string
	addr  string
	srv   *http.Server
	hung  atomic.Bool
	free  chan struct{} // closed to release hung calls
	mu    sync.Mutex
	calls atomic.Int64
}

func startDemoBackend(name string) (*demoBackend, error) {
	b := &demoBackend{name: name, free: make(chan struct{})}
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		return nil, err
	}
	reg.MustRegister("add", rpc.Func2(func(ctx context.Context, x, y int) (int, error) {
		b.calls.Add(1)
		if b.hung.Load() {
			b.mu.Lock()
			free := b.free
			b.mu.Unlock()
			select {
			case <-free:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		return x + y, nil
	}), "Adds two integers.")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := server.New(reg, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.addr = ln.Addr().String()
	b.serve(s, ln)
	return b, nil
}

func (b *demoBackend) serve(h http.Handler, ln net.Listener) {
	b.srv = &http.Server{Handler: h}
	go b.srv.Serve(ln)
}

// kill closes the backend's listener and every connection, as a crash would.
func (b *demoBackend) kill() { b.srv.Close() }

// revive serves again on the same address.
func (b *demoBackend) revive() error {
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		return err
	}
	b.serve(b.srv.Handler, ln)
	return nil
}

func (b *demoBackend) hang() {
	b.mu.Lock()
	b.free = make(chan struct{})
	b.mu.Unlock()
	b.hung.Store(true)
}

func (b *demoBackend) unhang() {
	b.hung.Store(false)
	b.mu.Lock()
	close(b.free)
	b.mu.Unlock()
}

// runGatewayDemo runs three backends behind a gateway under 16 callers of idempotent add, kills
// one and later hangs another, and prints the status page's URL so a person can watch the fault
// and the recovery live. It fails (exit 1) when an idempotent call failed.
func runGatewayDemo(ctx context.Context, env *Env, total time.Duration, adminAddr string) error {
	var bs []*demoBackend
	for _, n := range []string{"b1", "b2", "b3"} {
		b, err := startDemoBackend(n)
		if err != nil {
			return err
		}
		defer b.kill()
		bs = append(bs, b)
	}
	cfg := gateway.DefaultConfig()
	cfg.Listeners = []gateway.Listener{{Address: "127.0.0.1:0"}}
	cfg.Admin = gateway.Admin{Address: adminAddr}
	p := gateway.DefaultPool()
	for _, b := range bs {
		p.Backends = append(p.Backends, gateway.Backend{URL: "http://" + b.addr + "/RPC2"})
	}
	p.Idempotent = []string{"add"}
	p.AttemptTimeout = 300 * time.Millisecond
	p.Retry.MaxAttempts = 4
	p.Health = gateway.Health{Method: "system.listMethods", Interval: 250 * time.Millisecond, FastInterval: 100 * time.Millisecond,
		DownInterval: 250 * time.Millisecond, Timeout: 200 * time.Millisecond, Rise: 2, Fall: 2}
	cfg.Pools["demo"] = p
	cfg.Routes = []gateway.Route{{Name: "all", Pool: "demo"}}
	m := metrics.NewGateway(0)
	gw, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler), Observer: m,
		Admin: map[string]http.Handler{"/metrics": m.Handler()}})
	if err != nil {
		return err
	}
	m.Attach(gw)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	addrs := make(chan []net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- gw.Serve(ctx, func(a []net.Addr) { addrs <- a }) }()
	var callURL string
	select {
	case a := <-addrs:
		callURL = "http://" + a[0].String() + "/RPC2"
		fmt.Fprintf(env.Stdout, "gateway on %s; watch the status page: http://%s/status\n", callURL, a[1])
	case err := <-served:
		return err
	}
	c, err := client.New(callURL, client.WithMaxIdleConnsPerHost(32))
	if err != nil {
		return err
	}
	defer c.Close()
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	end := time.Now().Add(total)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
				cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
				var sum int
				if err := c.Call(cctx, "add", &sum, w, i); err != nil || sum != w+i {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprint(err))
				} else {
					ok.Add(1)
				}
				ccancel()
			}
		}()
	}
	step := total / 10
	script := map[int]func(){
		2: func() { bs[1].kill(); fmt.Fprintln(env.Stdout, "  b2 killed") },
		4: func() { bs[1].revive(); fmt.Fprintln(env.Stdout, "  b2 back") },
		6: func() { bs[2].hang(); fmt.Fprintln(env.Stdout, "  b3 hung") },
		8: func() { bs[2].unhang(); fmt.Fprintln(env.Stdout, "  b3 released") },
	}
	for i := 1; i <= 10 && ctx.Err() == nil; i++ {
		time.Sleep(step)
		if f := script[i]; f != nil {
			f()
		}
		states := ""
		for _, ps := range gw.Status().Pools {
			for _, b := range ps.Backends {
				states += fmt.Sprintf(" %s", b.State)
			}
		}
		fmt.Fprintf(env.Stdout, "%5.1fs  ok %6d  failed %d  backends%s\n", float64(i)*step.Seconds(), ok.Load(), failed.Load(), states)
	}
	wg.Wait()
	cancel()
	<-served
	if n := failed.Load(); n > 0 {
		fmt.Fprintf(env.Stdout, "the first failure: %v\n", firstErr.Load())
		return fmt.Errorf("%d of %d idempotent %w", n, n+ok.Load(), errCallsFailed)
	}
	fmt.Fprintf(env.Stdout, "%d calls, none failed across a kill and a hang\n", ok.Load())
	return nil
}
