package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

var listCommand = &Command{
	Name: "list",
	Args: "URL",
	Summary: "List the methods of the server at URL with their signatures and help.\n" +
		"It asks system.listMethods, then system.methodSignature and system.methodHelp for every\n" +
		"method in one system.multicall (one JSON-RPC batch with --jsonrpc, whose signatures name\n" +
		"JSON types). A server without system.multicall, or whose multicall answers results bare\n" +
		"instead of in one-element arrays (supervisord, Perl RPC::XML), is asked one call per\n" +
		"method, and harp says so on stderr. --output json prints the list as JSON.",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		var conn connFlags
		conn.register(fs)
		registerJSONRPC(fs, &conn.jsonRPC, false)
		output := registerOutput(fs, "what to print", "text", "json")
		deprecatedBool(fs, "json", "--output json", func() { output.value = "json" })
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one URL")
			}
			return conn.with(ctx, args[0], func(ctx context.Context, c *client.Client) error {
				methods, err := describe(ctx, c, env.Stderr)
				if err != nil {
					return err
				}
				if output.value == "json" {
					out, err := toJSON(methods)
					if err != nil {
						return err
					}
					_, err = env.Stdout.Write(out)
					return err
				}
				printMethods(env.Stdout, methods)
				return nil
			})
		}
	},
}

// methodInfo describes one method as harp list prints it.
type methodInfo = map[string]any

// errNotWrapped reports a system.multicall answer whose results are not each a one-element array
// or a fault struct, as the multicall convention has them.
var errNotWrapped = errors.New("system.multicall answered results that are not wrapped in one-element arrays")

// describe asks the server for its methods, then for every method's signatures and help in one
// system.multicall (a batch, over JSON-RPC), or one call at a time when the server has no
// multicall or answers it in a shape that cannot be read reliably; then it says so on note.
func describe(ctx context.Context, c *client.Client, note io.Writer) ([]methodInfo, error) {
	var names []string
	if err := c.Call(ctx, "system.listMethods", &names); err != nil {
		return nil, err
	}
	sigs := make([]any, len(names))
	helps := make([]any, len(names))
	calls := make([]*client.Call, 0, 2*len(names))
	for i, n := range names {
		calls = append(calls, client.NewCall("system.methodSignature", &sigs[i], n), client.NewCall("system.methodHelp", &helps[i], n))
	}
	var err error
	if c.JSONRPC() {
		err = c.Batch(ctx, calls...)
	} else {
		err = multicall(ctx, c, calls)
	}
	if isRemote(err) || errors.Is(err, errNotWrapped) {
		if errors.Is(err, errNotWrapped) {
			fmt.Fprintf(note, "harp list: %v; asking one call per method instead\n", err)
		}
		for _, call := range calls {
			call.Err = c.Call(ctx, call.Method, call.Reply, call.Args...)
			if isTransport(call.Err) {
				return nil, call.Err
			}
		}
	} else if err != nil {
		return nil, err
	}
	out := make([]methodInfo, len(names))
	for i, n := range names {
		m := methodInfo{"name": n}
		if calls[2*i].Err == nil {
			m["signatures"] = signatures(n, sigs[i])
		}
		if h, ok := helps[i].(string); ok && calls[2*i+1].Err == nil {
			m["help"] = h
		}
		out[i] = m
	}
	return out, nil
}

// multicall sends calls, whose replies are *any, in one system.multicall and checks the answer's
// shape itself: every result must be a one-element array or a fault struct. The client reads a
// bare result as the result itself, which is right for a string but not for a signature list of
// one signature (a one-element array): such an answer is errNotWrapped, not a guess.
func multicall(ctx context.Context, c *client.Client, calls []*client.Call) error {
	entries := make([]any, len(calls))
	for i, call := range calls {
		entries[i] = map[string]any{"methodName": call.Method, "params": call.Args}
	}
	var results []any
	if err := c.Call(ctx, "system.multicall", &results, entries); err != nil {
		return err
	}
	if len(results) != len(calls) {
		return fmt.Errorf("%w: %d results for %d calls", errNotWrapped, len(results), len(calls))
	}
	for i, r := range results {
		switch v := r.(type) {
		case []any:
			if len(v) == 1 {
				*calls[i].Reply.(*any) = v[0]
				continue
			}
		case map[string]any:
			if _, ok := v["faultCode"]; ok {
				calls[i].Err = &xmlrpc.Fault{Code: -1, String: fmt.Sprint(v["faultString"])}
				continue
			}
		}
		return fmt.Errorf("%w (result %d of %d is a %T)", errNotWrapped, i+1, len(results), r)
	}
	return nil
}

// isTransport reports whether err is a failure to reach the server (as opposed to a fault).
func isTransport(err error) bool {
	return err != nil && !isRemote(err)
}

// isRemote reports whether err is the server's answer: an XML-RPC fault or a JSON-RPC error.
func isRemote(err error) bool {
	var f *xmlrpc.Fault
	var je *jsonrpc.Error
	return errors.As(err, &f) || errors.As(err, &je)
}

// signatures renders system.methodSignature's answer, a list of [result, param...] type lists,
// as "name(param, ...) result" lines; nil when the server gave none ("undef", "signatures not
// supported").
func signatures(name string, v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []string
	for _, s := range list {
		types, ok := s.([]any)
		if !ok || len(types) == 0 {
			continue
		}
		strs := make([]string, len(types))
		for i, t := range types {
			strs[i] = fmt.Sprint(t)
		}
		out = append(out, name+"("+strings.Join(strs[1:], ", ")+") "+strs[0])
	}
	return out
}

func printMethods(w io.Writer, methods []methodInfo) {
	for _, m := range methods {
		sigs, _ := m["signatures"].([]string)
		if len(sigs) == 0 {
			sigs = []string{m["name"].(string)}
		}
		for _, s := range sigs {
			fmt.Fprintln(w, s)
		}
		if h, _ := m["help"].(string); h != "" {
			for _, line := range strings.Split(strings.TrimSpace(h), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					line = "    " + line
				}
				fmt.Fprintln(w, line)
			}
		}
	}
}
