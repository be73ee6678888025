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
		"It asks system.listMethods, system.methodSignature and system.methodHelp, over XML-RPC or,\n" +
		"with --jsonrpc, JSON-RPC 2.0 (whose signatures name JSON types).",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		var conn connFlags
		conn.register(fs)
		asJSON := fs.Bool("json", false, "print the list as JSON")
		fs.BoolVar(&conn.jsonRPC, "jsonrpc", false, "speak JSON-RPC 2.0 instead of XML-RPC")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one URL")
			}
			return conn.with(ctx, args[0], func(ctx context.Context, c *client.Client) error {
				methods, err := describe(ctx, c)
				if err != nil {
					return err
				}
				if *asJSON {
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

// describe asks the server for its methods, then for every method's signatures and help in one
// system.multicall, or one call at a time when the server has no multicall.
func describe(ctx context.Context, c *client.Client) ([]methodInfo, error) {
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
	err := c.Batch(ctx, calls...)
	if isRemote(err) {
		// No system.multicall here: ask one by one.
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
