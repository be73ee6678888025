package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/metrics"
)

func init() { register(gatewayCommand) }

var gatewayCommand = &Command{
	Name: "gateway",
	Args: "",
	Summary: "Run a protocol-aware gateway in front of an XML-RPC/JSON-RPC fleet.\n" +
		"From a YAML file (--config FILE); --check FILE validates one without serving; --demo\n" +
		"shows one fail over live. SIGHUP, a change of the file and POST /reload on the admin\n" +
		"listener reload it; an invalid file is refused and the running config goes on.\n" +
		"The admin listener serves /metrics, /status, /status.json, /healthz and /readyz.",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		config := fs.String("config", "", "serve the gateway configured in this YAML `file`")
		check := fs.String("check", "", "check this YAML `file` and exit: 0 when valid, 3 with its errors")
		watch := fs.Duration("watch", time.Second, "check the file for changes this often (0: only SIGHUP and POST /reload)")
		accessLog := fs.Bool("access-log", false, "log every call (method, route, pool, outcome, duration, request id)")
		output := registerOutput(fs, "what --check prints", "text", "json")
		demo := fs.Bool("demo", false, "run three backends behind a gateway under load, kill one and hang another, and print the live status page's URL")
		demoFor := fs.Duration("demo-duration", 20*time.Second, "how long --demo runs")
		demoAdmin := fs.String("demo-admin", "127.0.0.1:0", "the admin (status page) address of --demo")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 0 {
				return usagef("gateway takes no arguments")
			}
			switch {
			case *demo && (*check != "" || *config != ""):
				return usagef("--demo takes no --config or --check")
			case *demo:
				return runGatewayDemo(ctx, env, *demoFor, *demoAdmin)
			case *check != "" && *config != "":
				return usagef("give --config or --check, not both")
			case *check != "":
				return gatewayCheck(env, *check, output.value)
			case *config == "":
				return usagef("gateway needs --config FILE (or --check FILE)")
			}
			return runGateway(ctx, env, *config, *watch, *accessLog)
		}
	},
}

// errConfigRefused marks an invalid configuration file: exit 3, its errors already printed.
var errConfigRefused = errors.New("configuration refused")

// gatewayCheck validates path, printing "path: ok" or each error on a line (or, with --output
// json, {"file", "valid", "errors": [{file, line, column, field, message}]}).
func gatewayCheck(env *Env, path, output string) error {
	cfg, err := gateway.Load(path)
	var ces gateway.ConfigErrors
	if output == "json" {
		type jerr struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Field   string `json:"field"`
			Message string `json:"message"`
		}
		out := struct {
			File   string `json:"file"`
			Valid  bool   `json:"valid"`
			Errors []jerr `json:"errors"`
		}{File: path, Valid: err == nil, Errors: []jerr{}}
		if errors.As(err, &ces) {
			for _, e := range ces {
				out.Errors = append(out.Errors, jerr{e.File, e.Line, e.Column, e.Field, e.Msg})
			}
		} else if err != nil {
			out.Errors = append(out.Errors, jerr{File: path, Message: err.Error()})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		if err != nil {
			return fmt.Errorf("%s: %w", path, errConfigRefused)
		}
		return nil
	}
	if err != nil {
		if errors.As(err, &ces) {
			for _, e := range ces {
				fmt.Fprintln(env.Stdout, e.Error())
			}
			return fmt.Errorf("%s: %d problems: %w", path, len(ces), errConfigRefused)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: ok (%d listeners, %d pools, %d routes)\n", path, len(cfg.Listeners), len(cfg.Pools), len(cfg.Routes))
	return nil
}

// runGateway serves the gateway of path until ctx ends, reloading on SIGHUP and file changes.
func runGateway(ctx context.Context, env *Env, path string, watch time.Duration, accessLog bool) error {
	log := slog.New(slog.NewTextHandler(env.Stderr, nil))
	cfg, err := gateway.Load(path)
	if err != nil {
		var ces gateway.ConfigErrors
		if errors.As(err, &ces) {
			for _, e := range ces {
				fmt.Fprintln(env.Stderr, e.Error())
			}
			return fmt.Errorf("%s: %w", path, errConfigRefused)
		}
		return err
	}
	gatewayMemoryLimit(cfg.Limits.MemoryBudget)
	m := metrics.NewGateway(0)
	gw, err := gateway.New(cfg, &gateway.Options{
		Logger: log, Observer: m, ConfigFile: path, AccessLog: accessLog,
		Admin: map[string]http.Handler{"/metrics": m.Handler()},
	})
	if err != nil {
		return err
	}
	m.Attach(gw)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				gw.Reload()
			}
		}
	}()
	if watch > 0 {
		go gw.Watch(ctx, watch)
	}
	return gw.Serve(ctx, func(addrs []net.Addr) {
		for i, a := range addrs {
			if i < len(cfg.Listeners) {
				fmt.Fprintf(env.Stderr, "harp gateway: serving calls on %s\n", listenerURL(a))
			} else {
				fmt.Fprintf(env.Stderr, "harp gateway: admin on %s (status page %s/status)\n", listenerURL(a), listenerURL(a))
			}
		}
	})
}

func listenerURL(a net.Addr) string {
	if a.Network() == "unix" {
		return "unix://" + a.String()
	}
	return "http://" + a.String()
}

// gatewayMemoryLimit sets the runtime's soft memory limit to the gateway's memory budget plus
// memLimitAllowance, as harp serve's -memory-limit auto does, unless GOMEMLIMIT is set: with the
// budget bounding what requests hold, the garbage collector runs before the heap doubles.
func gatewayMemoryLimit(budget int64) {
	if os.Getenv("GOMEMLIMIT") == "" && budget > 0 {
		debug.SetMemoryLimit(budget + memLimitAllowance)
	}
}
