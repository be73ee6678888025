package rpc

import (
	"context"
	"errors"

	"github.com/harp-rpc/harp/jsonrpc"
)

// jsonServerCodec serves JSON-RPC 2.0 (and 1.0) with the jsonrpc codec: the same Dispatcher,
// introspection and system.multicall as XML-RPC.
type jsonServerCodec struct {
	codec   jsonrpc.Codec
	proto   Protocol
	appCode int
	owner   *Server         // the server whose Dispatcher handler is bound to
	handler jsonrpc.Handler // bound once, so the owner's requests allocate no closure
}

func newJSONServerCodec(cfg *ServerConfig, owner *Server) *jsonServerCodec {
	j := &jsonServerCodec{
		codec: jsonrpc.Codec{
			Decode: jsonrpc.DecodeOptions{
				MaxDepth:  cfg.MaxDepth,
				MaxSize:   cfg.MaxBodySize,
				MaxBatch:  cfg.MaxBatch,
				MaxValues: cfg.MaxValues,
			},
			Encode:    jsonrpc.EncodeOptions{LargeIntsAsStrings: cfg.LargeIntsAsStrings},
			ErrorCode: cfg.ErrorCode,
		},
		appCode: cfg.ErrorCode,
	}
	j.proto = Protocol{
		Name:     "jsonrpc",
		TypeName: jsonrpc.TypeName,
		Convert:  j.convert,
		Capabilities: map[string]any{
			"json-rpc": map[string]any{"specUrl": "https://www.jsonrpc.org/specification", "specVersion": 2},
		},
	}
	j.owner = owner
	j.handler = jsonHandler{j, owner.d}.call
	return j
}

// convert stores a decoded natural value into a typed one (for system.multicall entries) with
// the codec's rules and limits.
func (j *jsonServerCodec) convert(src, dst any) error {
	b, err := j.codec.Encode.AppendValue(nil, src)
	if err != nil {
		return err
	}
	return j.codec.Decode.Unmarshal(b, dst)
}

// Name returns "jsonrpc".
func (j *jsonServerCodec) Name() string { return j.proto.Name }

// ContentType returns application/json.
func (j *jsonServerCodec) ContentType() string { return "application/json" }

// Accepts takes the JSON media types, and generic or missing ones for a body starting with '{'
// or '['.
func (j *jsonServerCodec) Accepts(mt string, first byte) bool {
	switch mt {
	case "application/json", "application/json-rpc", "application/jsonrequest":
		return true
	case "", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded":
		return first == '{' || first == '['
	}
	return false
}

// jsonHandler runs one JSON-RPC request through a Dispatcher.
type jsonHandler struct {
	j *jsonServerCodec
	d Dispatcher
}

// Serve decodes a request or batch, dispatches each entry in order and appends the answer.
func (j *jsonServerCodec) Serve(ctx context.Context, d Dispatcher, body, dst []byte) ([]byte, Summary) {
	return j.serve(ctx, jsonHandler{j, d}.call, body, dst)
}

func (j *jsonServerCodec) serve(ctx context.Context, h jsonrpc.Handler, body, dst []byte) ([]byte, Summary) {
	out, sum := j.codec.Serve(ctx, dst, body, h)
	return out, Summary{Method: sum.Method, Code: sum.Code, Calls: sum.Requests, Batch: sum.Batch}
}

// call runs one request. Handler errors are answered as XML-RPC answers them: an error object a
// handler returns keeps its code and data, any error with a FaultCode (an *xmlrpc.Fault, the
// registry's own errors) keeps its code, and any other error gets the application code;
// messages are cleaned as fault strings are.
func (h jsonHandler) call(ctx context.Context, req *jsonrpc.Request) (any, error) {
	res, err := h.d.Call(ctx, &h.j.proto, req.Method, req)
	if err == nil {
		return res, nil
	}
	return nil, h.j.asError(err)
}

func (j *jsonServerCodec) asError(err error) error {
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		if msg := CleanMessage(je.Message); msg != je.Message {
			c := *je
			c.Message = msg
			return &c
		}
		return je
	}
	code, msg := Translate(err, j.appCode)
	return &jsonrpc.Error{Code: code, Message: CleanMessage(msg)}
}

// AppendFault appends an error object with code and a cleaned msg and a null id.
func (j *jsonServerCodec) AppendFault(dst []byte, code int, msg string) []byte {
	return j.codec.Encode.AppendError(dst, nil, &jsonrpc.Error{Code: code, Message: CleanMessage(msg)})
}
