package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// connFlags are the flags of every command that calls a server.
type connFlags struct {
	timeout  time.Duration
	connect  time.Duration
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
	fs.DurationVar(&c.connect, "connect-timeout", client.DefaultDialTimeout, "bound each connect on its own; a connect that outlives a call goes on and serves the next one")
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
	if c.connect > 0 {
		opts = append(opts, client.WithDialTimeout(c.connect))
	}
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

// jsonCallHelp documents harp call --jsonrpc.
const jsonCallHelp = `With --jsonrpc the call is a JSON-RPC 2.0 request (posted as application/json), and an
error object answered is printed with its code and its data, like a fault. A single ARG that
is a JSON object ({"username":"Admin","password":"zabbix"}) is sent as named params, as the
Zabbix API and other JSON-RPC services expect; --positional sends it as the one positional
parameter instead (a harp server binds both alike). --notify sends a notification: nothing is
printed, and the exit status only says whether the server accepted it.`

// outputCallHelp documents harp call --output.
const outputCallHelp = `--output json (the default) prints the result as JSON: i8 as a JSON number, base64 as a
base64 string, dateTime in RFC 3339. --output typed prints harp's typed JSON form, which keeps
every XML-RPC type exactly ({"i8":"9007199254740993"}, {"base64":"aGk="},
{"dateTime.iso8601":"19980717T14:08:55"}, {"struct":{...}}; see 'harp help values'), and which
the typed/ prefix reads back. --output xml prints the raw response, once it is checked to be a
complete, well-formed methodResponse (XML-RPC only).

Several URLs (each with ://) are called as a cluster, balanced by --policy; a call that may
have reached a server is retried elsewhere only with --idempotent.

` + exitHelp

var callCommand = &Command{
	Name: "call",
	Args: "URL [URL...] METHOD [ARGS...]",
	Summary: "Call METHOD on the XML-RPC (or with --jsonrpc JSON-RPC) server at URL and print the result.\n\n" +
		argHelp + "\n\n" + jsonCallHelp + "\n\n" + outputCallHelp,
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		var o callOptions
		o.conn.register(fs)
		registerJSONRPC(fs, &o.conn.jsonRPC, true)
		o.output = registerOutput(fs, "what to print", "json", "typed", "xml")
		deprecatedBool(fs, "xml", "--output xml", func() { o.output.value = "xml" })
		fs.BoolVar(&o.positional, "positional", false, "with --jsonrpc, send a single {...} ARG as a positional parameter, not as named params")
		fs.BoolVar(&o.notify, "notify", false, "with --jsonrpc, send a notification and print nothing")
		o.cluster.register(fs)
		return func(ctx context.Context, env *Env, args []string) error {
			if err := o.parse(args); err != nil {
				return err
			}
			return withDetail(o.run(ctx, env))
		}
	},
}

// callOptions are harp call's settings.
type callOptions struct {
	conn       connFlags
	cluster    clusterFlags
	output     *outputFormat
	positional bool
	notify     bool
	urls       []string
	method     string
	rawArgs    []string
	params     []any
}

// parse reads the positional arguments (URLs, METHOD, ARGs) and checks the flags together.
func (o *callOptions) parse(args []string) error {
	for len(args) > 0 && strings.Contains(args[0], "://") {
		o.urls, args = append(o.urls, args[0]), args[1:]
	}
	if len(o.urls) == 0 && len(args) > 0 { // a URL without a scheme: the client says what is wrong
		o.urls, args = args[:1], args[1:]
	}
	if len(o.urls) == 0 || len(args) == 0 {
		return usagef("want URL and METHOD")
	}
	o.method, o.rawArgs = args[0], args[1:]
	raw := o.output.value == "xml"
	switch {
	case raw && o.conn.jsonRPC:
		return usagef("--output xml and --jsonrpc exclude each other")
	case (o.positional || o.notify) && !o.conn.jsonRPC:
		return usagef("--positional and --notify need --jsonrpc")
	case len(o.urls) > 1 && (raw || o.notify):
		return usagef("--output xml and --notify take one URL")
	}
	if err := checkPolicy(o.cluster.policy); err != nil {
		return err
	}
	var err error
	o.params, err = parseArgs(o.rawArgs)
	return err
}

// run makes the call and prints its result.
func (o *callOptions) run(ctx context.Context, env *Env) error {
	if o.conn.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.conn.timeout)
		defer cancel()
	}
	if len(o.urls) > 1 {
		clu, err := o.cluster.newCluster(o.urls, o.method, &o.conn)
		if err != nil {
			return err
		}
		defer clu.Close()
		return o.callAndPrint(ctx, env, clu)
	}
	if bc, closeFn, ok, err := brokerCaller(ctx, o.urls[0], o.conn.jsonRPC, o.conn.timeout); ok {
		if err != nil {
			return err
		}
		defer closeFn()
		if o.notify || o.output.value == "xml" {
			return usagef("--notify and --output xml take an HTTP URL; for a broker topic use harp cast")
		}
		return o.callAndPrint(ctx, env, bc)
	}
	c, err := o.conn.client(o.urls[0])
	if err != nil {
		return err
	}
	defer c.Close()
	switch {
	case o.notify:
		return c.Notify(ctx, o.method, o.params...)
	case o.output.value == "xml":
		return runRawCall(ctx, env, c, o.method, o.params)
	}
	return o.callAndPrint(ctx, env, c)
}

// namedCaller is what harp call needs of a client or a cluster.
type namedCaller interface {
	Call(ctx context.Context, method string, reply any, args ...any) error
	CallNamed(ctx context.Context, method string, reply any, params any) error
}

// callAndPrint calls the method with positional or named params and prints the result.
func (o *callOptions) callAndPrint(ctx context.Context, env *Env, c namedCaller) error {
	var result any
	var err error
	if o.conn.jsonRPC && !o.positional && isObjectArg(o.rawArgs, o.params) {
		err = c.CallNamed(ctx, o.method, &result, o.params[0])
	} else {
		err = c.Call(ctx, o.method, &result, o.params...)
	}
	if err != nil {
		return err
	}
	if o.output.value == "typed" {
		result = toTyped(result)
	}
	return printResult(env, result)
}

// isObjectArg reports whether the arguments are one JSON object literal (not a typed value).
func isObjectArg(args []string, params []any) bool {
	if len(params) != 1 || !strings.HasPrefix(strings.TrimSpace(args[0]), "{") {
		return false
	}
	_, ok := params[0].(map[string]any)
	return ok
}

// errInvalidAnswer reports a response that is not a complete, well-formed methodResponse.
var errInvalidAnswer = errors.New("the server's answer is not a valid XML-RPC response")

// runRawCall prints the raw response once the XML-RPC decoder has read it whole, so a truncated
// or invalid body (a wrong Content-Length) is an error, not output.
func runRawCall(ctx context.Context, env *Env, c *client.Client, method string, params []any) error {
	doc, err := c.CallRaw(ctx, method, params...)
	if err != nil {
		return err
	}
	var result any
	derr := xmlrpc.UnmarshalResponse(doc, &result)
	var f *xmlrpc.Fault
	if derr != nil && !errors.As(derr, &f) {
		return fmt.Errorf("%w (%d bytes, not printed): %v", errInvalidAnswer, len(doc), derr)
	}
	env.Stdout.Write(doc)
	if len(doc) > 0 && doc[len(doc)-1] != '\n' {
		fmt.Fprintln(env.Stdout)
	}
	if f != nil {
		return f // a fault is still a failed call
	}
	return nil
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

// detailError adds a JSON-RPC error's data, where services such as Zabbix put the real reason,
// to its message.
type detailError struct {
	err  error
	data []byte
}

// Error returns the error's message and its data as compact JSON.
func (e *detailError) Error() string { return e.err.Error() + " (data: " + string(e.data) + ")" }

// Unwrap returns the JSON-RPC error.
func (e *detailError) Unwrap() error { return e.err }

// withDetail returns err with its JSON-RPC data shown, when it has any.
func withDetail(err error) error {
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Data == nil {
		return err
	}
	data, merr := json.Marshal(jsonable(je.Data))
	if merr != nil {
		data = []byte(fmt.Sprintf("%q", fmt.Sprint(je.Data)))
	}
	return &detailError{err: err, data: data}
}
