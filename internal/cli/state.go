package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/registry"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/state"
)

func init() { register(stateCommand) }

var stateCommand = &Command{
	Name: "state",
	Args: "serve|proof",
	Summary: "Serve the shared-state key-value service (serve), or prove it loses nothing (proof).\n" +
		"serve: get, entry, set, delete, incr, cas and keys over XML-RPC and JSON-RPC on / and /RPC2,\n" +
		"stored in NATS JetStream KV. Without --nats it starts an embedded NATS server storing in\n" +
		"--store-dir. Instances on the same bucket elect one master; standbys answer fault -32010\n" +
		"(not master). --register announces the instance and its role in the registry. Writes with an\n" +
		"{\"id\": ...} option are applied at most once.\n" +
		"proof: three harp broker processes as a NATS cluster (R3), --instances harp state serve\n" +
		"processes, and --clients clients doing --increments incr of one counter, each with its own\n" +
		"idempotency key, while the master is SIGKILLed, the stream leader's NATS node is SIGKILLed,\n" +
		"the old master comes back and the master is frozen with SIGSTOP past its lease (--beat,\n" +
		"--ttl). It prints the failover times and exits 0 when every acknowledged increment was\n" +
		"applied exactly once and the counter equals the increments applied, 1 otherwise. Everything\n" +
		"listens on 127.0.0.1 and is removed at the end.",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		def := state.DefaultConfig()
		addr := fs.String("addr", "127.0.0.1:8700", "TCP address to listen on")
		natsURL := fs.String("nats", "", "NATS server `URL` (empty: start an embedded one)")
		natsListen := fs.String("nats-listen", "127.0.0.1:4222", "embedded NATS: client address (port 0: a free port)")
		storeDir := fs.String("store-dir", "harp-state", "embedded NATS: JetStream store directory")
		bucket := fs.String("bucket", def.Bucket, "KV bucket")
		replicas := fs.Int("replicas", def.Replicas, "bucket replicas (3 on a three-node NATS cluster)")
		group := fs.String("group", def.Group, "master/standby group")
		id := fs.String("id", "", "instance id in the election (empty: host-pid-random)")
		beat := fs.Duration("beat", def.Beat, "lease renewal period")
		ttl := fs.Duration("ttl", def.TTL, "lease life without renewal (failover time)")
		idemTTL := fs.Duration("idempotency-ttl", def.IdempotencyTTL, "how long an idempotency key is remembered")
		verbose := fs.Bool("v", false, "log every call")
		increments := fs.Int("increments", 20000, "proof: increments in all")
		clients := fs.Int("clients", 16, "proof: concurrent clients")
		instances := fs.Int("instances", 3, "proof: state instances (2 or 3)")
		logs := fs.String("logs", "", "proof: keep the processes' stores and logs in this `DIR` (default: a temporary one, removed)")
		var reg registryFlags
		reg.declare(fs, "state")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 || args[0] != "serve" && args[0] != "proof" {
				return usagef("want serve or proof")
			}
			if args[0] == "proof" {
				return stateProof(ctx, env, *increments, *clients, *instances, *beat, *ttl, *logs)
			}
			cfg := state.DefaultConfig()
			cfg.Bucket, cfg.Replicas, cfg.Group, cfg.ID = *bucket, *replicas, *group, *id
			cfg.Beat, cfg.TTL, cfg.IdempotencyTTL = *beat, *ttl, *idemTTL
			cfg.OpTimeout = min(cfg.OpTimeout, cfg.TTL/2) // a store operation never outlives the lease
			if cfg.ID == "" {
				cfg.ID = registry.NewID()
			}
			if err := state.VerifyConfig(cfg); err != nil {
				return usagef("%v", err)
			}
			level := slog.LevelInfo
			if *verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
			url := *natsURL
			if url == "" {
				ns, err := startEmbeddedNATS(ctx, *natsListen, *storeDir)
				if err != nil {
					return err
				}
				defer ns.Shutdown(context.Background())
				url = ns.ClientURL()
				fmt.Fprintf(env.Stderr, "harp: embedded NATS with JetStream on %s, storing in %s\n", url, *storeDir)
			}
			return serveState(ctx, env, log, url, *addr, cfg, &reg)
		}
	},
}

// startEmbeddedNATS starts a single JetStream node on listen storing in dir.
func startEmbeddedNATS(ctx context.Context, listen, dir string) (*natsd.Server, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, usagef("--nats-listen %q: %v", listen, err)
	}
	var p int
	if _, err := fmt.Sscan(port, &p); err != nil {
		return nil, usagef("--nats-listen %q: bad port", listen)
	}
	ncfg := natsd.DefaultConfig()
	ncfg.Host, ncfg.Port, ncfg.StoreDir = host, p, dir
	return natsd.Start(ctx, ncfg)
}

// serveState runs one state instance until ctx ends.
func serveState(ctx context.Context, env *Env, log *slog.Logger, natsURL, addr string, cfg *state.Config, reg *registryFlags) error {
	nc, err := nats.Connect(natsURL, nats.Name("harp state "+cfg.ID), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", natsURL, err)
	}
	defer nc.Close()
	svc, err := newStateService(ctx, env, nc, cfg)
	if err != nil {
		return err
	}
	defer svc.Close(context.Background())
	rcfg := rpc.DefaultConfig()
	rcfg.Logger = log
	r, err := rpc.NewRegistry(rcfg)
	if err != nil {
		return err
	}
	if err := svc.Register(r, ""); err != nil {
		return err
	}
	scfg := server.DefaultConfig()
	scfg.Logger, scfg.Title = log, "harp state"
	srv, err := server.New(r, scfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/RPC2"
	fmt.Fprintf(env.Stderr, "harp: state %s (group %s, bucket %s) serving on %s (Ctrl-C stops)\n", cfg.ID, cfg.Group, cfg.Bucket, url)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		followRole(ctx, env, svc, reg, url)
	}()
	err = srv.Serve(ctx, ln)
	cancel()
	<-done
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// newStateService opens the state service, retrying for up to 30 s while JetStream does not
// answer yet (a cluster that is still electing its leaders, a node starting).
func newStateService(ctx context.Context, env *Env, nc *nats.Conn, cfg *state.Config) (*state.Service, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		svc, err := state.New(ctx, nc, cfg)
		if err == nil || errors.Is(err, state.ErrInvalidConfig) || time.Now().After(deadline) || ctx.Err() != nil {
			return svc, err
		}
		fmt.Fprintf(env.Stderr, "harp: state %s: %v; retrying\n", cfg.ID, err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// followRole prints every change of the instance's role and, with --register, announces it.
func followRole(ctx context.Context, env *Env, svc *state.Service, reg *registryFlags, url string) {
	el := svc.Election()
	var an *registry.Announcer
	if *reg.url != "" {
		a, rcfg, err := reg.announcement(url, "", registry.RoleStandby)
		a.ID = el.ID() // the registry shows the instance under its election id
		if err == nil {
			var remove func() error
			an, remove, err = reg.announce(ctx, env, a, rcfg)
			if err == nil {
				defer remove()
			}
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "harp: state %s: not announced: %v\n", el.ID(), err)
		}
	}
	role := ""
	for {
		st := el.Status()
		now := registry.RoleStandby
		if st.Master {
			now = registry.RoleMaster
		}
		if now != role {
			role = now
			fmt.Fprintf(env.Stderr, "harp: %s state %s is %s (token %d)\n", time.Now().Format("15:04:05.000"), el.ID(), role, st.Token)
			if an != nil {
				rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				if err := an.Update(rctx, func(a *registry.Announcement) { a.Role, a.Term = role, st.Token }); err != nil {
					fmt.Fprintf(env.Stderr, "harp: state %s: announce role: %v\n", el.ID(), err)
				}
				cancel()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-el.Changes():
		}
	}
}
