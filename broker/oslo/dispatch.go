package oslo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"

	"github.com/harp-rpc/harp/rpc"
)

// MethodLookup tells a method's parameters, which the keyword-to-positional mapping needs:
// *rpc.Registry implements it, and a Server uses its Dispatcher's when it does.
type MethodLookup interface {
	Lookup(name string) (*rpc.Method, bool)
}

// jsonrpcBody writes req as the JSON-RPC 2.0 request the serving core runs, binding oslo's
// keyword arguments to the method's parameters (see the package documentation):
//
//   - no arguments: no params;
//   - keywords "0", "1", ... in order (what a harp Client sends for positional params):
//     positional params;
//   - a method whose one parameter is a struct or a map (or a method the Dispatcher cannot
//     describe): the arguments object as named params, bound by field or key;
//   - any other method: the arguments' values, in the order the caller wrote them, as
//     positional params.
func jsonrpcBody(dst []byte, d any, req *Request) ([]byte, error) {
	dst = append(dst, `{"jsonrpc":"2.0","id":1,"method":`...)
	dst = appendPyString(dst, req.Method)
	args := bytes.TrimSpace(req.Args)
	if len(args) == 0 || bytes.Equal(args, []byte("{}")) {
		return append(dst, '}'), nil
	}
	keys, vals, err := orderedValues(args)
	if err != nil {
		return dst, err
	}
	if !positionalKeys(keys) && named(d, req.Method) {
		dst = append(dst, `,"params":`...)
		return append(append(dst, args...), '}'), nil
	}
	dst = append(dst, `,"params":[`...)
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, v...)
	}
	return append(dst, "]}"...), nil
}

// named reports whether method takes its keyword arguments as one struct or map.
func named(d any, method string) bool {
	l, ok := d.(MethodLookup)
	if !ok {
		return true
	}
	m, ok := l.Lookup(method)
	if !ok {
		return true
	}
	ps := m.Params()
	if len(ps) != 1 || m.Variadic() {
		return false
	}
	t := ps[0]
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct || t.Kind() == reflect.Map
}

// orderedValues returns the keys and values of the JSON object obj in the order written.
func orderedValues(obj []byte) ([]string, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		return nil, nil, &EnvelopeError{Msg: "args", Err: err}
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, nil, &EnvelopeError{Msg: "args", Err: err}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, &EnvelopeError{Msg: "args", Err: err}
		}
		ks, _ := k.(string)
		keys, vals = append(keys, ks), append(vals, v)
	}
	return keys, vals, nil
}

// positionalKeys reports whether keys are "0", "1", ... in order: positional params as a harp
// Client writes them (no Python keyword can be named so).
func positionalKeys(keys []string) bool {
	for i, k := range keys {
		if k != strconv.Itoa(i) {
			return false
		}
	}
	return len(keys) > 0
}

// jsonrpcAnswer is the part of a JSON-RPC response the reply is made of.
type jsonrpcAnswer struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

// serveRequest runs req through the serving core and returns the reply's result or failure.
func serveRequest(ctx context.Context, core *rpc.Server, req *Request) (json.RawMessage, *Failure) {
	body, err := jsonrpcBody(nil, core.Dispatcher(), req)
	if err != nil {
		return nil, FailureFromFault(rpc.CodeInvalidParams, err.Error(), req.Method)
	}
	codec := core.Codec("jsonrpc")
	if codec == nil {
		return nil, FailureFromFault(rpc.CodeInternalError, "oslo: the server has no JSON-RPC codec", req.Method)
	}
	resp, _, _ := core.Serve(ctx, codec, body, nil)
	return readAnswer(resp, req.Method)
}

// readAnswer returns the result or failure of a JSON-RPC response.
func readAnswer(resp []byte, method string) (json.RawMessage, *Failure) {
	var a jsonrpcAnswer
	if err := json.Unmarshal(resp, &a); err != nil {
		return nil, FailureFromFault(rpc.CodeInternalError, "oslo: unreadable answer: "+err.Error(), method)
	}
	if a.Error != nil {
		if f := failureData(a.Error.Data); f != nil {
			return nil, f
		}
		return nil, FailureFromFault(a.Error.Code, a.Error.Message, method)
	}
	return a.Result, nil
}

// failureData returns the oslo failure a fault's data carries (a RemoteError re-raised by a
// handler that called another oslo server), or nil.
func failureData(data json.RawMessage) *Failure {
	if len(data) == 0 || data[0] != '{' {
		return nil
	}
	var f Failure
	if f.UnmarshalText(data) != nil || f.Class == "" || f.Module == "" {
		return nil
	}
	return &f
}

// unsupported returns the failure oslo's dispatcher answers for a namespace or version no
// endpoint has.
func unsupported(req *Request) *Failure {
	v := req.Version
	if v == "" {
		v = "1.0"
	}
	msg := "Endpoint does not support RPC version " + v + ". Attempted method: " + req.Method
	return &Failure{Class: ClassUnsupportedVersion, Module: ModuleDispatcher, Message: msg,
		Traceback: []string{msg + "\n"}, Args: []any{v}, Kwargs: map[string]any{"method": req.Method}}
}

// errNotObject is returned for args that are not a JSON object.
var errNotObject = errors.New("oslo: args must be a JSON object")

// marshalArgs encodes a caller's keyword arguments: nil is {}, a json.RawMessage is checked,
// anything else is encoded with encoding/json and must come out an object.
func marshalArgs(args any) (json.RawMessage, error) {
	var raw []byte
	switch a := args.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		raw = a
	default:
		var err error
		if raw, err = json.Marshal(args); err != nil {
			return nil, errors.Join(errNotObject, err)
		}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) {
		return nil, errNotObject
	}
	return raw, nil
}

// quoteID returns a JSON-RPC id as JSON: the request's, or null.
func quoteID(id json.RawMessage) []byte {
	if len(id) == 0 {
		return []byte("null")
	}
	return id
}
