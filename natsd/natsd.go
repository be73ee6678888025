package natsd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady reports a server that did not accept connections before Config.StartTimeout or the
// end of Start's context; Start's error wraps it (and the context's error when that ended first).
var ErrNotReady = errors.New("natsd: server not ready")

// Server is a running embedded NATS server. Its methods are safe for concurrent use.
type Server struct {
	ns  *server.Server
	cfg Config
}

// Start starts a NATS server as cfg says (nil: DefaultConfig, which needs a StoreDir) and
// returns once it accepts client connections (and cluster routes, when clustered). It fails
// with an error wrapping ErrInvalidConfig for a config Verify refuses, and ErrNotReady when
// the server is not ready within cfg.StartTimeout or before ctx ends; nothing is left running
// then.
func Start(ctx context.Context, cfg *Config) (*Server, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	opts, err := options(cfg)
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsd: %w", err)
	}
	l := &slogLogger{l: cfg.Logger}
	ns.SetLoggerV2(l, l.debug(), false, false)
	ns.Start()
	if err := waitReady(ctx, ns, l, cfg.StartTimeout); err != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, err
	}
	return &Server{ns: ns, cfg: *cfg}, nil
}

// options turns cfg into nats-server options.
func options(cfg *Config) (*server.Options, error) {
	port := func(p int) int {
		if p == 0 {
			return server.RANDOM_PORT
		}
		return p
	}
	o := &server.Options{
		ServerName:         cfg.Name,
		Host:               cfg.Host,
		Port:               port(cfg.Port),
		MaxPayload:         cfg.MaxPayload,
		MaxConn:            cfg.MaxConnections,
		JetStream:          cfg.JetStream,
		StoreDir:           cfg.StoreDir,
		JetStreamMaxMemory: cfg.MaxMemoryStore,
		JetStreamMaxStore:  cfg.MaxFileStore,
		NoSigs:             true,
		NoLog:              true, // Start sets its own logger
	}
	if cfg.ClusterName != "" {
		o.Cluster.Name = cfg.ClusterName
		o.Cluster.Host = cfg.ClusterHost
		o.Cluster.Port = port(cfg.ClusterPort)
		for _, r := range cfg.Routes {
			u, err := parseRoute(r)
			if err != nil {
				return nil, fmt.Errorf("%w: route %q: %v", ErrInvalidConfig, r, err)
			}
			if u.Scheme == "nats" {
				u = &url.URL{Scheme: "nats-route", Host: u.Host, User: u.User}
			}
			o.Routes = append(o.Routes, u)
		}
	}
	return o, nil
}

// waitReady waits for ns to accept connections, within timeout and ctx.
// A fatal line logged meanwhile fails it at once.
func waitReady(ctx context.Context, ns *server.Server, l *slogLogger, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ready := ns.ReadyForConnections(25 * time.Millisecond)
		if msg := l.fatalf(); msg != "" {
			return fmt.Errorf("%w: %s", ErrNotReady, msg)
		}
		if ready {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrNotReady, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: not accepting connections after %v", ErrNotReady, timeout)
		}
	}
}

// ClientURL returns the URL clients connect to, nats://host:port, with the port picked when
// Config.Port was 0.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// ClusterURL returns the URL other nodes route to, nats-route://host:port, or "" when the
// server is not clustered.
func (s *Server) ClusterURL() string {
	a := s.ns.ClusterAddr()
	if a == nil {
		return ""
	}
	return "nats-route://" + a.String()
}

// Name returns the server's name (its id when Config.Name was "").
func (s *Server) Name() string { return s.ns.Name() }

// Config returns a copy of the configuration the server was started with.
func (s *Server) Config() Config { return s.cfg }

// JetStream reports whether JetStream is enabled on the server.
func (s *Server) JetStream() bool { return s.ns.JetStreamEnabled() }

// NumRoutes returns the number of routes to other cluster nodes currently up.
func (s *Server) NumRoutes() int { return s.ns.NumRoutes() }

// Embedded returns the nats-server value itself, for what this package does not wrap
// (monitoring, accounts). Stop it with Shutdown, not through it.
func (s *Server) Embedded() *server.Server { return s.ns }

// Shutdown closes every connection, stops the server and waits for it to be done, or for ctx to
// end (then it returns ctx's error, wrapped, while the server finishes stopping on its own).
// Calling it again is harmless.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("natsd: shutdown: %w", ctx.Err())
	}
}

// WaitJetStream waits until JetStream can take requests on this server: at once for a single
// node; for a cluster node, once it knows the cluster's meta leader and is current with it
// (until then JetStream requests go unanswered) and, when it is the meta leader itself, once
// it has heard from every server it has a route to (each must run JetStream; a peer of the meta
// group that is down has no route and is not waited for). The meta leader places streams, and until a server has reported to it a
// stream replicated there fails with "no suitable peers for placement"; so once WaitJetStream
// has returned on every node, and the leader has not changed since, a stream replicated on all
// of them can be created. It returns ctx's error, wrapped, if ctx ends first, and an error
// wrapping ErrNotReady when JetStream is off.
func (s *Server) WaitJetStream(ctx context.Context) error {
	if !s.cfg.JetStream {
		return fmt.Errorf("%w: JetStream is off", ErrNotReady)
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if s.jetStreamReady() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsd: waiting for JetStream: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// jetStreamReady is WaitJetStream's test: current with the meta leader and, on the leader,
// itself and every routed server placeable (online, with JetStream, its statistics received).
func (s *Server) jetStreamReady() bool {
	if !s.ns.JetStreamEnabled() || !s.ns.JetStreamIsCurrent() {
		return false
	}
	if !s.ns.JetStreamIsClustered() || !s.ns.JetStreamIsLeader() {
		return true
	}
	return len(s.ns.JetStreamClusterPeers()) >= s.routedServers()+1
}

// routedServers counts the other servers this one has a route to (a server may have several
// routes to another, pooled).
func (s *Server) routedServers() int {
	rz, err := s.ns.Routez(nil)
	if err != nil {
		return 0
	}
	ids := make(map[string]struct{}, len(rz.Routes))
	for _, r := range rz.Routes {
		ids[r.RemoteID] = struct{}{}
	}
	return len(ids)
}
