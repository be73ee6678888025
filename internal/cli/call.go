package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/xmlrpc"
)

// connFlags are the flags of every command that calls a server.
type connFlags struct {
	timeout  time.Duration
	insecure bool
	caFile   string
	certFile string
	keyFile  string
	headers  headerList
	rpcPath  string
	jsonRPC  bool // speak JSON-RPC 2.0; each command registers its own flag for it
}

type headerList []string

// String lists the headers, for flag.
func (h *headerList) String() string { return strings.Join(*h, ", ") }

// Set adds a header, for flag.
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "give up after this long")
	fs.BoolVar(&c.insecure, "insecure", false, "do not verify the server's TLS certificate (tests only)")
	fs.StringVar(&c.caFile, "ca", "", "PEM file of certificate authorities to verify the server against")
	fs.StringVar(&c.certFile, "cert", "", "PEM client certificate to present (with -key)")
	fs.StringVar(&c.keyFile, "key", "", "PEM private key of the client certificate")
	fs.Var(&c.headers, "H", "extra header `Name: value` (repeatable)")
	fs.StringVar(&c.rpcPath, "path", "", "HTTP request path (for unix:// URLs; default /RPC2)")
}

// client builds a client for url from the flags, with any extra options after them.
func (c *connFlags) client(url string, extra ...client.Option) (*client.Client, error) {
	var opts []client.Option
	if c.insecure {
		opts = append(opts, client.WithInsecureSkipVerify())
	}
	if c.caFile != "" {
		pem, err := os.ReadFile(c.caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", c.caFile)
		}
		opts = append(opts, client.WithRootCAs(pool))
	}
	if c.certFile != "" || c.keyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		opts = append(opts, client.WithClientCertificate(cert))
	}
	for _, h := range c.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, usagef("-H %q: want Name: value", h)
		}
		opts = append(opts, client.WithHeader(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	if c.rpcPath != "" {
		opts = append(opts, client.WithPath(c.rpcPath))
	}
	if c.jsonRPC {
		opts = append(opts, client.WithJSONRPC())
	}
	opts = append(opts, client.WithUserAgent("harp-cli/1"))
	return client.New(url, append(opts, extra...)...)
}

// with runs fn with a client for url and a context bounded by -timeout.
func (c *connFlags) with(ctx context.Context, url string, fn func(context.Context, *client.Client) error) error {
	cl, err := c.client(url)
	if err != nil {
		return err
	}
	defer cl.Close()
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	return fn(ctx, cl)
}

// jsonCallHelp documents harp call --json.
const jsonCallHelp = `With --json the call is a JSON-RPC 2.0 request (posted as application/json), and an
error object answered is printed with its code like a fault. A single ARG that is a JSON
object ({"username":"Admin","password":"zabbix"}) is sent as named params, as the Zabbix API
and other JSON-RPC services expect; --positional sends it as the one positional parameter
instead (a harp server binds both alike). --notify sends a notification: nothing is printed,
and the exit status only says whether the server accepted it.`

var callCommand = &Command{
	Name:    "call",
	Args:    "URL METHOD [ARGS...]",
	Summary: "Call METHOD on the XML-RPC (or with --json JSON-RPC) server at URL and print the result as JSON.\n\n" + argHelp + "\n\n" + jsonCallHelp,
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		var conn connFlags
		conn.register(fs)
		raw := fs.Bool("xml", false, "print the raw XML response instead of JSON")
		fs.BoolVar(&conn.jsonRPC, "json", false, "speak JSON-RPC 2.0 instead of XML-RPC")
		positional := fs.Bool("positional", false, "with --json, send a single {...} ARG as a positional parameter, not as named params")
		notify := fs.Bool("notify", false, "with --json, send a notification and print nothing")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) < 2 {
				return usagef("want URL and METHOD")
			}
			switch {
			case *raw && conn.jsonRPC:
				return usagef("--xml and --json exclude each other")
			case (*positional || *notify) && !conn.jsonRPC:
				return usagef("--positional and --notify need --json")
			}
			params, err := parseArgs(args[2:])
			if err != nil {
				return err
			}
			return conn.with(ctx, args[0], func(ctx context.Context, c *client.Client) error {
				switch {
				case *notify:
					return c.Notify(ctx, args[1], params...)
				case conn.jsonRPC && !*positional && isObjectArg(args[2:], params):
					return runNamedCall(ctx, env, c, args[1], params[0])
				}
				return runCall(ctx, env, c, args[1], params, *raw)
			})
		}
	},
}

// isObjectArg reports whether the arguments are one JSON object literal (not a typed value).
func isObjectArg(args []string, params []any) bool {
	if len(params) != 1 || !strings.HasPrefix(strings.TrimSpace(args[0]), "{") {
		return false
	}
	_, ok := params[0].(map[string]any)
	return ok
}

// runNamedCall calls method with named params and prints the result.
func runNamedCall(ctx context.Context, env *Env, c *client.Client, method string, named any) error {
	var result any
	if err := c.CallNamed(ctx, method, &result, named); err != nil {
		return err
	}
	return printResult(env, result)
}

func runCall(ctx context.Context, env *Env, c *client.Client, method string, params []any, raw bool) error {
	if raw {
		doc, err := c.CallRaw(ctx, method, params...)
		if err != nil {
			return err
		}
		env.Stdout.Write(doc)
		if len(doc) > 0 && doc[len(doc)-1] != '\n' {
			fmt.Fprintln(env.Stdout)
		}
		// A fault is still a failed call.
		var f *xmlrpc.Fault
		if err := xmlrpc.UnmarshalResponse(doc, nil); errors.As(err, &f) {
			return f
		}
		return nil
	}
	var result any
	if err := c.Call(ctx, method, &result, params...); err != nil {
		return err
	}
	return printResult(env, result)
}

// printResult prints a call's result as indented JSON.
func printResult(env *Env, result any) error {
	out, err := toJSON(result)
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(out)
	return err
}
