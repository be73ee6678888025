package server

import (
	"context"
	"errors"
	"reflect"
	"sync"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// xmlProtocol serves XML-RPC with the xmlrpc codec.
type xmlProtocol struct {
	reg     *rpc.Registry
	dec     xmlrpc.DecodeOptions
	enc     xmlrpc.EncodeOptions
	proto   rpc.Protocol
	appCode int
}

var xmlContentType = []string{"text/xml; charset=utf-8"}

func newXMLProtocol(reg *rpc.Registry, cfg *Config) *xmlProtocol {
	x := &xmlProtocol{
		reg:     reg,
		dec:     xmlrpc.DecodeOptions{MaxDepth: cfg.MaxDepth, MaxSize: cfg.MaxBodySize},
		enc:     xmlrpc.EncodeOptions{Dialect: cfg.Dialect},
		appCode: reg.Config().ErrorCode,
	}
	x.proto = rpc.Protocol{
		Name:     "xmlrpc",
		TypeName: xmlrpc.TypeName,
		Convert:  x.convert,
		Capabilities: map[string]any{
			"xmlrpc": map[string]any{"specUrl": "http://www.xmlrpc.com/spec", "specVersion": 1},
			"nil":    map[string]any{"specUrl": "http://www.ontosys.com/xml-rpc/extensions.php", "specVersion": 20010516},
		},
	}
	return x
}

// convert stores a decoded natural value into a typed one (for system.multicall entries) by
// encoding it again and decoding it into dst, so every rule of the codec applies.
func (x *xmlProtocol) convert(src, dst any) error {
	b, err := x.enc.AppendValue(nil, src)
	if err != nil {
		return err
	}
	return x.dec.Unmarshal(b, dst)
}

func (x *xmlProtocol) name() string { return x.proto.Name }

func (x *xmlProtocol) accepts(mt string, first byte) bool {
	switch mt {
	case "text/xml", "application/xml":
		return true
	case "", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded":
		return first == '<'
	}
	return false
}

func (x *xmlProtocol) contentType() []string { return xmlContentType }

// calls pools the decoded calls: a Call is reused once its request is answered.
var calls = sync.Pool{New: func() any { return new(xmlrpc.Call) }}

func (x *xmlProtocol) serve(ctx context.Context, body, dst []byte) ([]byte, callInfo) {
	call := calls.Get().(*xmlrpc.Call)
	defer func() {
		*call = xmlrpc.Call{} // drop the reference to the body
		calls.Put(call)
	}()
	err := x.dec.DecodeCallTo(call, body)
	if err != nil {
		code := decodeErrorCode(err)
		return x.fault(dst, code, faultPrefix(code)+err.Error()), callInfo{code: code}
	}
	info := callInfo{method: call.Method}
	res, err := x.reg.Call(ctx, &x.proto, call.Method, call)
	if err != nil {
		code, msg := rpc.Translate(err, x.appCode)
		info.code = code
		return x.fault(dst, code, msg), info
	}
	out, err := x.enc.AppendResponse(dst, res)
	if err != nil {
		info.code = rpc.CodeInternalError
		return x.fault(dst, info.code, "internal error: cannot encode the result of "+call.Method+": "+err.Error()), info
	}
	return out, info
}

func (x *xmlProtocol) fault(dst []byte, code int, msg string) []byte {
	out, err := x.enc.AppendFault(dst, &xmlrpc.Fault{Code: code, String: cleanMessage(msg)})
	if err != nil { // cleanMessage leaves nothing the encoder refuses; keep an answer regardless
		out, _ = x.enc.AppendFault(dst, &xmlrpc.Fault{Code: code, String: "error"})
	}
	return out
}

// decodeErrorCode classifies a request that could not be parsed: well-formed XML that is not a
// valid XML-RPC call (xmlrpc.ErrInvalid: the wrong elements, a value that cannot be what its tag
// says) is an invalid request; a value that cannot go into its Go parameter is invalid params;
// anything else (XML that is not well-formed, a DOCTYPE, a limit) is a parse error.
func decodeErrorCode(err error) int {
	var te *xmlrpc.UnmarshalTypeError
	switch {
	case errors.Is(err, xmlrpc.ErrDoctype):
		return rpc.CodeParseError
	case errors.Is(err, xmlrpc.ErrInvalid):
		return rpc.CodeInvalidRequest
	case errors.As(err, &te):
		return rpc.CodeInvalidParams
	}
	return rpc.CodeParseError
}

func faultPrefix(code int) string {
	switch code {
	case rpc.CodeParseError:
		return "parse error: "
	case rpc.CodeInvalidRequest:
		return "invalid request: "
	case rpc.CodeInvalidParams:
		return "invalid params: "
	}
	return ""
}

// typeName names a Go type for the documentation page and introspection.
func typeName(t reflect.Type) string { return xmlrpc.TypeName(t) }
