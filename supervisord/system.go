package supervisord

import (
	"context"
	"fmt"

	"github.com/harp-rpc/harp/xmlrpc"
)

// ListMethods returns every method supervisord serves (system.listMethods).
func (c *Client) ListMethods(ctx context.Context) ([]string, error) {
	var ms []string
	return ms, c.call(ctx, "system.listMethods", &ms)
}

// MethodHelp returns a method's documentation (system.methodHelp).
func (c *Client) MethodHelp(ctx context.Context, method string) (string, error) {
	var s string
	return s, c.call(ctx, "system.methodHelp", &s, method)
}

// MethodSignature returns a method's signatures, each the result type followed by the parameter
// types (system.methodSignature). supervisord answers one signature as a flat list of types;
// servers that follow the convention answer a list of lists; both are read.
func (c *Client) MethodSignature(ctx context.Context, method string) ([][]string, error) {
	const m = "system.methodSignature"
	var raw []any
	if err := c.call(ctx, m, &raw, method); err != nil {
		return nil, err
	}
	var flat []string
	var sigs [][]string
	for _, v := range raw {
		switch x := v.(type) {
		case string:
			flat = append(flat, x)
		case []any:
			sig := make([]string, 0, len(x))
			for _, t := range x {
				s, ok := t.(string)
				if !ok {
					return nil, errShape(m, "a list of type names")
				}
				sig = append(sig, s)
			}
			sigs = append(sigs, sig)
		default:
			return nil, errShape(m, "a list of type names")
		}
	}
	if flat != nil {
		if sigs != nil {
			return nil, errShape(m, "a list of type names")
		}
		sigs = [][]string{flat}
	}
	return sigs, nil
}

// Call is one call of a Multicall: Reply, when not nil, is a pointer the result is decoded into;
// Err is set to the call's own outcome (nil, a *Fault, or a decoding error).
type Call struct {
	Method string
	Args   []any
	Reply  any
	Err    error
}

// MaxMulticall is the most calls one Multicall sends.
const MaxMulticall = 1000

// Multicall sends calls in one system.multicall, which supervisord runs in order, and sets each
// call's Reply and Err. supervisord answers each result bare (not wrapped in the one-element array
// of the multicall convention) and each fault as a {faultCode, faultString} struct; the results
// are read by position in that shape. The returned error concerns the whole request.
func (c *Client) Multicall(ctx context.Context, calls ...*Call) error {
	const m = "system.multicall"
	if len(calls) > MaxMulticall {
		return fmt.Errorf("supervisord: %s: %d calls, more than MaxMulticall (%d)", m, len(calls), MaxMulticall)
	}
	entries := make([]map[string]any, len(calls))
	for i, call := range calls {
		args := call.Args
		if args == nil {
			args = []any{}
		}
		entries[i] = map[string]any{"methodName": call.Method, "params": args}
	}
	var results []xmlrpc.RawValue
	if err := c.call(ctx, m, &results, entries); err != nil {
		return err
	}
	if len(results) != len(calls) {
		return fmt.Errorf("supervisord: %s: %d results for %d calls", m, len(results), len(calls))
	}
	for i, call := range calls {
		call.Err = decodeResult(call, results[i])
	}
	return nil
}

// multicallFault is a fault struct in a multicall answer.
type multicallFault struct {
	Code   *int   `xmlrpc:"faultCode"`
	String string `xmlrpc:"faultString"`
}

// decodeResult reads one bare multicall result: a fault struct or the call's result.
func decodeResult(call *Call, raw xmlrpc.RawValue) error {
	var f multicallFault
	if err := xmlrpc.Unmarshal(raw, &f); err == nil && f.Code != nil {
		return newFault(call.Method, &xmlrpc.Fault{Code: *f.Code, String: f.String})
	}
	if call.Reply == nil {
		return nil
	}
	if err := xmlrpc.Unmarshal(raw, call.Reply); err != nil {
		return fmt.Errorf("supervisord: %s: decoding its multicall result: %w", call.Method, err)
	}
	return nil
}
