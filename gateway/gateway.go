package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/internal/budget"
)

// ErrClosed is returned by Apply and Reload after Close.
var ErrClosed = errors.New("gateway: closed")

// Options are what a Gateway is given besides its configuration.
type Options struct {
	// Logger receives the access log (one line per request at info level) and reloads; nil
	// means slog.Default().
	Logger *slog.Logger
	// Observer, when set, is told of every call the gateway answers (metrics).
	Observer Observer
	// Admin are further handlers of the admin listener by path, such as "/metrics".
	Admin map[string]http.Handler
	// ConfigFile is the file Reload re-reads; empty disables file reloads.
	ConfigFile string
	// AccessLog turns the per-request access log on.
	AccessLog bool
}

// Gateway routes XML-RPC and JSON-RPC calls to pools of backends. Its configuration is swapped
// atomically by Apply and Reload; a call runs entirely on the configuration it started on.
type Gateway struct {
	opts   Options
	log    *slog.Logger
	state  atomic.Pointer[state]
	mu     sync.Mutex // serializes Apply
	closed bool
	idBase string
	idSeq  atomic.Uint64

	mem            *budget.Budget // the memory budget (Limits.MemoryBudget), fixed at New
	peers          *budget.Peers  // connections, bodies and budget per address, fixed at New
	refusedConns   atomic.Int64   // connections closed for the connection limits
	reloads        atomic.Int64
	reloadFailures atomic.Int64
	lastReload     atomic.Pointer[ReloadResult]
	retiring       sync.WaitGroup
	lastRetire     chan struct{} // closed when the latest retirement is done; guarded by mu
	events         eventLog
}

// ReloadResult records one reload: when, and its error (nil when it was applied).
type ReloadResult struct {
	Time time.Time
	Err  error
}

// New starts the pools of cfg (a verified configuration) and returns a Gateway ready to serve
// with Handler or Serve.
func New(cfg *Config, opts *Options) (*Gateway, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	g := &Gateway{}
	if opts != nil {
		g.opts = *opts
	}
	g.log = g.opts.Logger
	if g.log == nil {
		g.log = slog.Default()
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	g.idBase = "gw-" + hex.EncodeToString(b[:]) + "-"
	lim := cfg.Limits
	g.mem = budget.New(lim.MemoryBudget, lim.PeerShare)
	g.peers = budget.NewPeers(peerLimits(&lim))
	s, _, err := build(cfg, nil)
	if err != nil {
		return nil, err
	}
	g.state.Store(s)
	g.watchEvents(s)
	return g, nil
}

// Config returns the configuration running now.
func (g *Gateway) Config() *Config { return g.state.Load().cfg }

// Apply verifies cfg and swaps it in atomically: calls that started before finish on the pools
// they started on, pools configured alike keep their clusters (health and connections) with their
// backends updated, and the pools left out are closed once their calls have finished. Listeners
// cannot change while running: a cfg whose listeners or admin address differ is refused. On any
// error the running configuration goes on unchanged.
func (g *Gateway) Apply(cfg *Config) error {
	err := g.apply(cfg)
	g.lastReload.Store(&ReloadResult{Time: time.Now(), Err: err})
	if err != nil {
		g.reloadFailures.Add(1)
		g.log.Error("gateway: reload refused; the running configuration goes on", "err", err)
		return err
	}
	g.reloads.Add(1)
	g.log.Info("gateway: configuration reloaded", "pools", len(cfg.Pools), "routes", len(cfg.Routes))
	return nil
}

func (g *Gateway) apply(cfg *Config) error {
	if err := cfg.Verify(); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrClosed
	}
	old := g.state.Load()
	if !reflect.DeepEqual(old.cfg.Listeners, cfg.Listeners) || old.cfg.Admin != cfg.Admin {
		return ConfigErrors{{File: cfg.file, Field: "listeners", Msg: "listeners and admin cannot change while running: restart the gateway"}}
	}
	if startLimits(&old.cfg.Limits) != startLimits(&cfg.Limits) {
		return ConfigErrors{{File: cfg.file, Field: "limits", Msg: "max_conns, max_conns_per_peer, memory_budget, max_bodies and peer_share cannot change while running: restart the gateway"}}
	}
	s, dropped, err := build(cfg, old)
	if err != nil {
		return err
	}
	g.state.Store(s)
	g.watchEvents(s)
	g.retire(old, dropped, cfg.Limits.CallTimeout+cfg.Limits.WriteTimeout)
	return nil
}

// Reload re-reads Options.ConfigFile and applies it; see Apply.
func (g *Gateway) Reload() error {
	if g.opts.ConfigFile == "" {
		return errors.New("gateway: reload: no configuration file")
	}
	cfg, err := Load(g.opts.ConfigFile)
	if err != nil {
		g.lastReload.Store(&ReloadResult{Time: time.Now(), Err: err})
		g.reloadFailures.Add(1)
		g.log.Error("gateway: reload refused; the running configuration goes on", "err", err)
		return err
	}
	return g.Apply(cfg)
}

// retire waits (at most limit) for the calls still on old, and on every state before it, to
// finish, then closes dropped. The earlier states count because a cluster kept by one reload and
// dropped by the next may still carry calls that started two configurations ago. It is called
// with g.mu held.
func (g *Gateway) retire(old *state, dropped []*pool, limit time.Duration) {
	prev, done := g.lastRetire, make(chan struct{})
	g.lastRetire = done
	g.retiring.Add(1)
	go func() {
		defer g.retiring.Done()
		defer close(done)
		deadline := time.Now().Add(limit)
		if prev != nil {
			select {
			case <-prev:
			case <-time.After(time.Until(deadline)):
			}
		}
		for old.refs.Load() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		for _, p := range dropped {
			p.close()
		}
	}()
}

// acquire returns the running state with a reference held; release it with s.refs.Add(-1).
func (g *Gateway) acquire() *state {
	for {
		s := g.state.Load()
		s.refs.Add(1)
		if g.state.Load() == s {
			return s
		}
		s.refs.Add(-1)
	}
}

// Close closes every pool once the calls in flight have finished (at most the shutdown timeout).
// It does not close listeners: Serve's context does.
func (g *Gateway) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	s := g.state.Load()
	var all []*pool
	for _, p := range s.pools {
		all = append(all, p)
	}
	g.retire(s, all, s.cfg.Limits.ShutdownTimeout)
	g.mu.Unlock()
	g.retiring.Wait()
	g.events.stop()
	return nil
}

// requestID returns a fresh request id for a call that came without one.
func (g *Gateway) requestID() string {
	return g.idBase + strconv.FormatUint(g.idSeq.Add(1), 10)
}
