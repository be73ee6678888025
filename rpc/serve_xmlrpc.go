package rpc

import (
	"context"
	"errors"
	"sync"

	"github.com/harp-rpc/harp/xmlrpc"
)

// xmlServerCodec serves XML-RPC with the xmlrpc codec.
type xmlServerCodec struct {
	dec     xmlrpc.DecodeOptions
	enc     xmlrpc.EncodeOptions
	proto   Protocol
	appCode int
}

func newXMLServerCodec(cfg *ServerConfig) *xmlServerCodec {
	x := &xmlServerCodec{
		dec:     xmlrpc.DecodeOptions{MaxDepth: cfg.MaxDepth, MaxSize: cfg.MaxBodySize, Strict: cfg.StrictXML},
		enc:     xmlrpc.EncodeOptions{Dialect: cfg.Dialect, SecondDigits: cfg.SecondDigits},
		appCode: cfg.ErrorCode,
	}
	x.proto = Protocol{
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
func (x *xmlServerCodec) convert(src, dst any) error {
	b, err := x.enc.AppendValue(nil, src)
	if err != nil {
		return err
	}
	return x.dec.Unmarshal(b, dst)
}

// Name returns "xmlrpc".
func (x *xmlServerCodec) Name() string { return x.proto.Name }

// ContentType returns text/xml with UTF-8, which is what the codec writes.
func (x *xmlServerCodec) ContentType() string { return "text/xml; charset=utf-8" }

// Accepts takes the XML media types, and generic or missing ones for a body starting with '<'.
func (x *xmlServerCodec) Accepts(mt string, first byte) bool {
	switch mt {
	case "text/xml", "application/xml":
		return true
	case "", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded":
		return first == '<'
	}
	return false
}

// xmlCalls pools the decoded calls: a Call is reused once its request is answered.
var xmlCalls = sync.Pool{New: func() any { return new(xmlrpc.Call) }}

// Serve decodes one methodCall, dispatches it and appends the methodResponse.
func (x *xmlServerCodec) Serve(ctx context.Context, d Dispatcher, body, dst []byte) ([]byte, Summary) {
	call := xmlCalls.Get().(*xmlrpc.Call)
	defer func() {
		*call = xmlrpc.Call{} // drop the reference to the body
		xmlCalls.Put(call)
	}()
	err := x.dec.DecodeCallTo(call, body)
	if err != nil {
		code := xmlDecodeErrorCode(err)
		return x.AppendFault(dst, code, faultPrefix(code)+err.Error()), Summary{Code: code}
	}
	sum := Summary{Method: call.Method, Calls: 1}
	if err := ctx.Err(); err != nil {
		sum.Code = CodeInternalError
		return x.AppendFault(dst, sum.Code, "not run: "+err.Error()), sum
	}
	res, err := d.Call(ctx, &x.proto, call.Method, call)
	if err != nil {
		code, msg := Translate(err, x.appCode)
		sum.Code = code
		return x.AppendFault(dst, code, msg), sum
	}
	out, err := x.enc.AppendResponse(dst, res)
	if err != nil {
		sum.Code = CodeInternalError
		return x.AppendFault(dst, sum.Code, "internal error: cannot encode the result of "+call.Method+": "+err.Error()), sum
	}
	return out, sum
}

// AppendFault appends a fault response with code and a cleaned msg.
func (x *xmlServerCodec) AppendFault(dst []byte, code int, msg string) []byte {
	out, err := x.enc.AppendFault(dst, &xmlrpc.Fault{Code: code, String: CleanMessage(msg)})
	if err != nil { // CleanMessage leaves nothing the encoder refuses; keep an answer regardless
		out, _ = x.enc.AppendFault(dst, &xmlrpc.Fault{Code: code, String: "error"})
	}
	return out
}

// xmlDecodeErrorCode classifies a request that could not be parsed: well-formed XML that is not
// a valid XML-RPC call (xmlrpc.ErrInvalid: the wrong elements, a value that cannot be what its
// tag says) is an invalid request; a value that cannot go into its Go parameter is invalid
// params; anything else (XML that is not well-formed, a DOCTYPE, a limit) is a parse error.
func xmlDecodeErrorCode(err error) int {
	var te *xmlrpc.UnmarshalTypeError
	switch {
	case errors.Is(err, xmlrpc.ErrDoctype):
		return CodeParseError
	case errors.Is(err, xmlrpc.ErrInvalid):
		return CodeInvalidRequest
	case errors.As(err, &te):
		return CodeInvalidParams
	}
	return CodeParseError
}

func faultPrefix(code int) string {
	switch code {
	case CodeParseError:
		return "parse error: "
	case CodeInvalidRequest:
		return "invalid request: "
	case CodeInvalidParams:
		return "invalid params: "
	}
	return ""
}
