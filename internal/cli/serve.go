package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/harp-rpc/harp/internal/demo"
	"github.com/harp-rpc/harp/metrics"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

var serveCommand = &Command{
	Name: "serve",
	Args: "",
	Summary: "Serve the demo services on / and /RPC2 until interrupted.\n" +
		"The services: pow, add, div (also as math.*), echo, time.now, validator1.*, counter.*, with\n" +
		"introspection (system.listMethods, system.methodHelp, system.methodSignature, ...) and\n" +
		"system.multicall, over HTTP (HTTPS with -tls-cert). GET / shows the methods' documentation.\n" +
		"-metrics ADDR serves Prometheus' /metrics on a listener of its own (127.0.0.1:0: any free port).",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		addr := fs.String("addr", "127.0.0.1:8000", "TCP address to listen on")
		maxInFlight := fs.Int("max-in-flight", 0, "answer 503 beyond this many calls at once (0: no cap)")
		callTimeout := fs.Duration("call-timeout", 0, "each call's deadline (0: none)")
		verbose := fs.Bool("v", false, "log every call")
		certFile := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (with -tls-key)")
		keyFile := fs.String("tls-key", "", "PEM private key of -tls-cert")
		clientCA := fs.String("client-ca", "", "with -tls-cert: require client certificates signed by these PEM authorities")
		metricsAddr := fs.String("metrics", "", "serve Prometheus /metrics on this TCP address, e.g. 127.0.0.1:9100 (empty: none)")
		limits := serveLimitFlags(fs)
		extras := make([]serveExtraRun, 0, len(serveExtras))
		for _, x := range serveExtras {
			extras = append(extras, x(fs))
		}
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 0 {
				return usagef("serve takes no arguments")
			}
			level := slog.LevelInfo
			if *verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
			tlsConfig, err := serverTLS(*certFile, *keyFile, *clientCA)
			if err != nil {
				return err
			}
			var m *metrics.Server
			var obs server.Observer // nil, not a nil *metrics.Server, when there are no metrics
			if *metricsAddr != "" {
				m = metrics.NewServer(0)
				obs = m
			}
			srv, err := newDemoServer(demoServerConfig{
				Log: log, MaxInFlight: *maxInFlight, CallTimeout: *callTimeout, TLS: tlsConfig, Limits: limits, Observer: obs,
			})
			if err != nil {
				return err
			}
			scheme := "http"
			if tlsConfig != nil {
				scheme = "https"
			}
			var lc net.ListenConfig
			ln, err := lc.Listen(ctx, "tcp", *addr)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			waitMetrics := func() error { return nil }
			if m != nil {
				m.Attach(srv)
				if waitMetrics, err = serveMetrics(ctx, env, *metricsAddr, m); err != nil {
					ln.Close()
					return err
				}
			}
			limits.setMemoryLimit()
			fmt.Fprintf(env.Stderr, "harp: serving the demo services on %s://%s/ and %s://%s/RPC2 (Ctrl-C stops)\n", scheme, ln.Addr(), scheme, ln.Addr())
			err = serveWithExtras(ctx, env, srv, ln, scheme+"://"+ln.Addr().String()+"/RPC2", extras)
			cancel()
			return errors.Join(err, waitMetrics())
		}
	},
}

// serveMetrics serves m on addr's /metrics, on a listener of its own, until ctx ends; the
// function it returns waits for that listener to stop and returns its error.
func serveMetrics(ctx context.Context, env *Env, addr string, m *metrics.Server) (func() error, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	stopped := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		stopped <- err
	}()
	fmt.Fprintf(env.Stderr, "harp: metrics on http://%s/metrics\n", ln.Addr())
	return func() error { return <-stopped }, nil
}

// serverTLS builds the TLS configuration of harp serve, or nil for plain HTTP.
func serverTLS(certFile, keyFile, clientCA string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		if clientCA != "" {
			return nil, usagef("-client-ca needs -tls-cert and -tls-key")
		}
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", clientCA)
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// demoServerConfig configures newDemoServer.
type demoServerConfig struct {
	// Log receives server and registry logs; nil means slog.Default().
	Log *slog.Logger
	// Counter counts counter.record executions; nil means a new one. Servers sharing one
	// Counter (harp demo's) count duplicate executions across all of them.
	Counter     *demo.Counter
	MaxInFlight int             // 503 beyond this many calls at once; 0 means no cap
	CallTimeout time.Duration   // each call's deadline; 0 means none
	TLS         *tls.Config     // serve HTTPS with it, when not nil
	Limits      *serveLimits    // the memory budget and per-peer limits; nil means the defaults
	Observer    server.Observer // told of every call, for metrics; nil means none
}

// newDemoServer returns a server of the demo services.
func newDemoServer(c demoServerConfig) (*server.Server, error) {
	rcfg := rpc.DefaultConfig()
	rcfg.Logger = c.Log
	reg, err := rpc.NewRegistry(rcfg)
	if err != nil {
		return nil, err
	}
	if c.Counter == nil {
		c.Counter = demo.NewCounter(0)
	}
	if err := demo.Register(reg, c.Counter); err != nil {
		return nil, err
	}
	cfg := server.DefaultConfig()
	cfg.Logger = c.Log
	cfg.Title = "harp demo services"
	cfg.MaxInFlight = c.MaxInFlight
	cfg.CallTimeout = c.CallTimeout
	cfg.TLSConfig = c.TLS
	cfg.Observer = c.Observer
	c.Limits.apply(cfg)
	return server.New(reg, cfg)
}
