package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/harp-rpc/harp/broker"
	_ "github.com/harp-rpc/harp/broker/natsrpc" // the nats:// scheme of broker.Dial
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/natsd"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

func init() {
	register(brokerCommand)
	register(castCommand("cast", false))
	register(castCommand("fanout", true))
}

// brokerURLHelp documents the broker URLs of harp cast, fanout and serve --nats.
const brokerURLHelp = `A broker URL names the broker and the target: nats://HOST:PORT/TOPIC, with
?server=NAME to send to one server of the topic (oslo's prepare(server=)) and ?exchange=NAME
for a topic of another exchange.`

var brokerCommand = &Command{
	Name: "broker",
	Args: "",
	Summary: "Run an embedded NATS broker with JetStream until interrupted.\n" +
		"It is the broker of harp serve --nats, harp cast and harp fanout, and of the registry, with\n" +
		"nothing installed. It prints its client URL on stdout. With --cluster-name and --routes it\n" +
		"joins other nodes.",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		def := natsd.DefaultConfig()
		listen := fs.String("listen", net.JoinHostPort(def.Host, strconv.Itoa(def.Port)), "client `HOST:PORT` (port 0: a free one)")
		store := fs.String("store", "", "JetStream store `DIR` (default: harp-broker under the temporary directory)")
		name := fs.String("name", "", "server name (a cluster needs one per node)")
		noJS := fs.Bool("no-jetstream", false, "run without JetStream (no durable casts, no registry)")
		maxPayload := fs.Int("max-payload", int(def.MaxPayload), "largest message in bytes")
		clusterName := fs.String("cluster-name", "", "join a cluster of this name")
		clusterListen := fs.String("cluster-listen", "127.0.0.1:0", "route `HOST:PORT` of a cluster node")
		routes := fs.String("routes", "", "routes of the cluster's nodes, this one's included: `nats-route://H:P,...`")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 0 {
				return usagef("broker takes no arguments")
			}
			cfg, err := brokerConfig(*listen, *store, *name, !*noJS, *maxPayload, *clusterName, *clusterListen, *routes)
			if err != nil {
				return err
			}
			s, err := natsd.Start(ctx, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, s.ClientURL())
			fmt.Fprintf(env.Stderr, "harp: broker %s on %s, JetStream %v, store %s (Ctrl-C stops)\n", s.Name(), s.ClientURL(), s.JetStream(), cfg.StoreDir)
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return s.Shutdown(sctx)
		}
	},
}

// brokerConfig turns harp broker's flags into a natsd.Config, or a usage error.
func brokerConfig(listen, store, name string, js bool, maxPayload int, clusterName, clusterListen, routes string) (*natsd.Config, error) {
	cfg := natsd.DefaultConfig()
	host, port, err := splitHostPort(listen)
	if err != nil {
		return nil, usagef("--listen: %v", err)
	}
	cfg.Host, cfg.Port, cfg.Name, cfg.JetStream, cfg.MaxPayload = host, port, name, js, int32(maxPayload)
	if js {
		if store == "" {
			store = filepath.Join(os.TempDir(), "harp-broker")
		}
		cfg.StoreDir = store
	}
	if clusterName != "" {
		cfg.ClusterName = clusterName
		if cfg.ClusterHost, cfg.ClusterPort, err = splitHostPort(clusterListen); err != nil {
			return nil, usagef("--cluster-listen: %v", err)
		}
		if routes != "" {
			cfg.Routes = strings.Split(routes, ",")
		}
	}
	if err := cfg.Verify(); err != nil {
		return nil, usagef("%v", err)
	}
	return cfg, nil
}

func splitHostPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return h, n, nil
}

// brokerTarget splits a broker URL into the broker's URL (scheme, user, host) and the target
// its path and query name.
func brokerTarget(raw string) (string, broker.Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", broker.Target{}, usagef("broker URL: %v", err)
	}
	q := u.Query()
	t := broker.Target{Topic: strings.Trim(u.Path, "/"), Server: q.Get("server"), Exchange: q.Get("exchange")}
	if t.Topic == "" {
		return "", t, usagef("broker URL %s names no topic: want %s://HOST:PORT/TOPIC", u.Redacted(), u.Scheme)
	}
	if err := t.Verify(); err != nil {
		return "", t, usagef("%v", err)
	}
	base := (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host}).String()
	return base, t, nil
}

// isBrokerURL reports whether raw's scheme is a broker's (nats://, or any registered one).
func isBrokerURL(raw string) bool {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	for _, s := range broker.Schemes() {
		if s == scheme {
			return true
		}
	}
	return false
}

// brokerClient dials the broker of raw and returns a client of its target, speaking JSON-RPC
// when jsonRPC, and the function that closes the connection.
func brokerClient(ctx context.Context, raw string, jsonRPC, durable bool, timeout time.Duration) (*broker.Client, func(), error) {
	base, target, err := brokerTarget(raw)
	if err != nil {
		return nil, nil, err
	}
	tr, err := broker.Dial(ctx, base)
	if err != nil {
		return nil, nil, err
	}
	cfg := broker.DefaultClientConfig()
	cfg.Target, cfg.Durable = target, durable
	if timeout > 0 {
		cfg.Timeout = timeout
	}
	if jsonRPC {
		cfg.Codec = rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})
	} else {
		cfg.Codec = rpc.NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{})
	}
	c, err := broker.NewClient(tr, cfg)
	if err != nil {
		tr.Close()
		return nil, nil, usagef("%v", err)
	}
	return c, func() { tr.Close() }, nil
}

// brokerCaller is the hook for harp call on a broker URL: when raw is one (nats://HOST/TOPIC),
// it returns a client of its target that calls like an HTTP client, and ok; otherwise ok is
// false and harp call goes on over HTTP.
func brokerCaller(ctx context.Context, raw string, jsonRPC bool, timeout time.Duration) (c namedCaller, closeFn func(), ok bool, err error) {
	if !isBrokerURL(raw) {
		return nil, nil, false, nil
	}
	bc, closeFn, err := brokerClient(ctx, raw, jsonRPC, false, timeout)
	if err != nil {
		return nil, nil, true, err
	}
	return bc, closeFn, true, nil
}

// castCommand is harp cast (one server of the topic) or, with fanout, harp fanout (every one).
func castCommand(name string, fanout bool) *Command {
	summary := "Cast METHOD to one server of the broker topic at URL, without waiting.\n" +
		"The command returns once the broker has the message (with --durable, once the broker has\n" +
		"stored it, to be run exactly once when a server takes it). Nothing is printed."
	if fanout {
		summary = "Cast METHOD to every server of the broker topic at URL, without waiting.\n" +
			"The command returns once the broker has the message. Nothing is printed."
	}
	return &Command{
		Name:    name,
		Args:    "URL METHOD [ARGS...]",
		Summary: summary + "\n\n" + brokerURLHelp + "\n\n" + argHelp + "\n\n" + exitHelp,
		Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
			timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
			var jsonRPC bool
			registerJSONRPC(fs, &jsonRPC, false)
			durable := false
			if !fanout {
				fs.BoolVar(&durable, "durable", false, "store the cast in the broker (JetStream) until a server takes it")
			}
			return func(ctx context.Context, env *Env, args []string) error {
				if len(args) < 2 {
					return usagef("want URL and METHOD")
				}
				if !isBrokerURL(args[0]) {
					return usagef("%s needs a broker URL (schemes: %s), not %q", name, strings.Join(broker.Schemes(), ", "), args[0])
				}
				params, err := parseArgs(args[2:])
				if err != nil {
					return err
				}
				if *timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, *timeout)
					defer cancel()
				}
				c, closeFn, err := brokerClient(ctx, args[0], jsonRPC, durable, *timeout)
				if err != nil {
					return err
				}
				defer closeFn()
				if fanout {
					return c.Fanout(ctx, args[1], params...)
				}
				return c.Cast(ctx, args[1], params...)
			}
		},
	}
}
