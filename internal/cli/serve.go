package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/harp-rpc/harp/internal/demo"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

var serveCommand = &Command{
	Name: "serve",
	Args: "",
	Summary: "Serve the demo services over XML-RPC on / and /RPC2 until interrupted: pow, add, div\n" +
		"(also as math.*), echo, time.now, validator1.*, counter.*, with introspection\n" +
		"(system.listMethods, system.methodHelp, system.methodSignature, ...) and system.multicall.\n" +
		"GET / shows the methods' documentation.",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		addr := fs.String("addr", "127.0.0.1:8000", "TCP address to listen on")
		maxInFlight := fs.Int("max-in-flight", 0, "answer 503 beyond this many calls at once (0: no cap)")
		callTimeout := fs.Duration("call-timeout", 0, "each call's deadline (0: none)")
		verbose := fs.Bool("v", false, "log every call")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 0 {
				return usagef("serve takes no arguments")
			}
			level := slog.LevelInfo
			if *verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
			srv, err := newDemoServer(log, *maxInFlight, *callTimeout)
			if err != nil {
				return err
			}
			var lc net.ListenConfig
			ln, err := lc.Listen(ctx, "tcp", *addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "harp: serving the demo services on http://%s/ and http://%s/RPC2 (Ctrl-C stops)\n", ln.Addr(), ln.Addr())
			return srv.Serve(ctx, ln)
		}
	},
}

// newDemoServer returns a server of the demo services.
func newDemoServer(log *slog.Logger, maxInFlight int, callTimeout time.Duration) (*server.Server, error) {
	rcfg := rpc.DefaultConfig()
	rcfg.Logger = log
	reg, err := rpc.NewRegistry(rcfg)
	if err != nil {
		return nil, err
	}
	if err := demo.Register(reg, demo.NewCounter(0)); err != nil {
		return nil, err
	}
	cfg := server.DefaultConfig()
	cfg.Logger = log
	cfg.Title = "harp demo services"
	cfg.MaxInFlight = maxInFlight
	cfg.CallTimeout = callTimeout
	return server.New(reg, cfg)
}
