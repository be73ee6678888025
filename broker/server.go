package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/harp-rpc/harp/rpc"
)

// ServerConfig configures a Server. Start from DefaultServerConfig.
type ServerConfig struct {
	// Target is what the server serves: its Topic (required) and Exchange, and Server, the
	// name it answers to for calls sent to it alone ("" picks hostname-pid-n).
	Target Target
	// MaxInFlight bounds the deliveries run at once; further ones wait in the broker (or the
	// transport's buffer), which spreads them over the topic's other servers.
	MaxInFlight int
	// Durable also takes the topic's durable casts.
	Durable bool
	// Serving configures the serving core (limits, call timeout); nil means
	// rpc.DefaultServerConfig().
	Serving *rpc.ServerConfig
	// Logger receives failures to answer or acknowledge; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultServerConfig returns 64 calls at once, no durable casts, the serving core's default
// limits, and no target (set Target.Topic).
func DefaultServerConfig() *ServerConfig {
	return &ServerConfig{MaxInFlight: 64}
}

// Verify reports whether c is usable, with an error wrapping ErrInvalidConfig or
// ErrInvalidTarget if not.
func (c *ServerConfig) Verify() error {
	if c == nil {
		return fmt.Errorf("%w: nil server config", ErrInvalidConfig)
	}
	if c.MaxInFlight <= 0 {
		return fmt.Errorf("%w: MaxInFlight %d must be positive", ErrInvalidConfig, c.MaxInFlight)
	}
	if c.Target.Fanout {
		return fmt.Errorf("%w: a server's target does not fan out", ErrInvalidConfig)
	}
	return c.Target.Verify()
}

// ServerStats counts what a Server did since it started.
type ServerStats struct {
	Calls    int64 // calls answered
	Casts    int64 // casts and fanouts run
	Faults   int64 // deliveries whose answer was a fault
	Refused  int64 // durable casts handed back because the server was stopping
	InFlight int64 // deliveries running now
}

// Server serves a Dispatcher (an *rpc.Registry: the same methods as over HTTP) on a Target
// through a Transport: each delivery runs through the serving core (rpc.Server), so both
// protocols, their limits and the call timeout are exactly the HTTP server's. At most
// MaxInFlight deliveries run at once; Stop stops taking more and finishes what was taken.
// Handlers read the request context with ContextFrom and the request id with rpc.RequestID.
type Server struct {
	t      Transport
	core   *rpc.Server
	cfg    ServerConfig
	log    *slog.Logger
	work   chan *Delivery // to idle workers
	base   context.Context
	cancel context.CancelFunc
	bufs   sync.Pool

	mu       sync.Mutex
	listener Listener
	running  sync.WaitGroup // the workers
	workers  int
	started  bool
	stopped  bool
	stopping chan struct{} // closed when Stop begins
	quit     chan struct{} // closed once the listener stopped: no more deliveries

	calls, casts, faults, refused, inFlight atomic.Int64
}

var serverSeq atomic.Int64

// NewServer returns a Server of d on t as cfg says; nil cfg always fails (a topic is needed).
func NewServer(t Transport, d rpc.Dispatcher, cfg *ServerConfig) (*Server, error) {
	if cfg == nil {
		cfg = DefaultServerConfig()
	}
	if t == nil || d == nil {
		return nil, fmt.Errorf("%w: nil transport or dispatcher", ErrInvalidConfig)
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	core, err := rpc.NewServer(d, cfg.Serving)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	c := *cfg
	if c.Target.Server == "" {
		c.Target.Server = defaultServerName()
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{t: t, core: core, cfg: c, log: log, work: make(chan *Delivery),
		stopping: make(chan struct{}), quit: make(chan struct{})}
	s.base, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// defaultServerName is hostname-pid-n, with the host name's dots made dashes.
func defaultServerName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "harp"
	}
	h = strings.NewReplacer(".", "-", " ", "-", "*", "-", ">", "-").Replace(h)
	return fmt.Sprintf("%s-%d-%d", h, os.Getpid(), serverSeq.Add(1))
}

// Target returns the server's target, with its Server name filled in.
func (s *Server) Target() Target { return s.cfg.Target }

// Stats returns the server's counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{Calls: s.calls.Load(), Casts: s.casts.Load(), Faults: s.faults.Load(),
		Refused: s.refused.Load(), InFlight: s.inFlight.Load()}
}

// Start subscribes the server to its target and returns once deliveries may arrive. It fails
// with ErrClosed after Stop, and with the transport's error when it cannot listen.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return fmt.Errorf("%w: server stopped", ErrClosed)
	}
	if s.started {
		return nil
	}
	l, err := s.t.Listen(ctx, ListenConfig{Target: s.cfg.Target, MaxInFlight: s.cfg.MaxInFlight, Durable: s.cfg.Durable}, s.handle)
	if err != nil {
		return err
	}
	s.listener, s.started = l, true
	return nil
}

// Stop stops the server gracefully: it stops taking deliveries (the broker sends the topic's
// calls to its other servers), runs to the end what it took, and returns; durable casts taken
// but not begun are handed back for redelivery. When ctx ends first, the handlers still running
// have their contexts cancelled and Stop returns ctx's error, wrapped.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	close(s.stopping)
	l := s.listener
	s.mu.Unlock()
	var err error
	if l != nil {
		err = l.Stop(ctx)
	}
	close(s.quit)
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		return errors.Join(err, fmt.Errorf("broker: stop: %w", ctx.Err()))
	}
	s.cancel()
	return err
}

// CastFaultError is the error a Server completes a cast with when its method answered a
// fault: a durable cast is then redelivered, up to its bound.
type CastFaultError struct {
	Method string
	Code   int
}

// Error names the method and its fault code.
func (e *CastFaultError) Error() string {
	return fmt.Sprintf("broker: cast %s: fault %d", e.Method, e.Code)
}
