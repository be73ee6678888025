package server

import (
	"context"
	"errors"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
)

// jsonProtocol serves JSON-RPC 2.0 (and 1.0) with the jsonrpc codec, over the same registry as
// XML-RPC: the same Go methods, introspection and system.multicall.
type jsonProtocol struct {
	reg     *rpc.Registry
	codec   jsonrpc.Codec
	proto   rpc.Protocol
	appCode int
	handler jsonrpc.Handler // j.call, bound once so serving a request allocates no closure
}

var jsonContentType = []string{"application/json"}

func newJSONProtocol(reg *rpc.Registry, cfg *Config) *jsonProtocol {
	j := &jsonProtocol{
		reg: reg,
		codec: jsonrpc.Codec{
			Decode: jsonrpc.DecodeOptions{
				MaxDepth:  cfg.MaxDepth,
				MaxSize:   cfg.MaxBodySize,
				MaxBatch:  cfg.MaxBatch,
				MaxValues: cfg.MaxValues,
			},
			Encode: jsonrpc.EncodeOptions{LargeIntsAsStrings: cfg.LargeIntsAsStrings},
		},
		appCode: reg.Config().ErrorCode,
	}
	j.codec.ErrorCode = j.appCode
	j.proto = rpc.Protocol{
		Name:     "jsonrpc",
		TypeName: jsonrpc.TypeName,
		Convert:  j.convert,
		Capabilities: map[string]any{
			"json-rpc": map[string]any{"specUrl": "https://www.jsonrpc.org/specification", "specVersion": 2},
		},
	}
	j.handler = j.call
	return j
}

// convert stores a decoded natural value into a typed one (for system.multicall entries) with
// the codec's rules and the server's limits.
func (j *jsonProtocol) convert(src, dst any) error {
	b, err := j.codec.Encode.AppendValue(nil, src)
	if err != nil {
		return err
	}
	return j.codec.Decode.Unmarshal(b, dst)
}

func (j *jsonProtocol) name() string { return j.proto.Name }

func (j *jsonProtocol) accepts(mt string, first byte) bool {
	switch mt {
	case "application/json", "application/json-rpc", "application/jsonrequest":
		return true
	case "", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded":
		return first == '{' || first == '['
	}
	return false
}

func (j *jsonProtocol) contentType() []string { return jsonContentType }

func (j *jsonProtocol) serve(ctx context.Context, body, dst []byte) ([]byte, callInfo) {
	out, sum := j.codec.Serve(ctx, dst, body, j.handler)
	return out, callInfo{method: sum.Method, code: sum.Code}
}

// call runs one request. Handler errors are answered as XML-RPC answers them: an error object a
// handler returns keeps its code and data, any error with a FaultCode (an *xmlrpc.Fault, the
// registry's own errors) keeps its code, and any other error gets the registry's application
// code; messages are cleaned as fault strings are.
func (j *jsonProtocol) call(ctx context.Context, req *jsonrpc.Request) (any, error) {
	res, err := j.reg.Call(ctx, &j.proto, req.Method, req)
	if err == nil {
		return res, nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		if msg := cleanMessage(je.Message); msg != je.Message {
			c := *je
			c.Message = msg
			return nil, &c
		}
		return nil, je
	}
	code, msg := rpc.Translate(err, j.appCode)
	return nil, &jsonrpc.Error{Code: code, Message: cleanMessage(msg)}
}

func (j *jsonProtocol) fault(dst []byte, code int, msg string) []byte {
	return j.codec.Encode.AppendError(dst, nil, &jsonrpc.Error{Code: code, Message: cleanMessage(msg)})
}
