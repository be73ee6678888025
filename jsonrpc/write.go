package jsonrpc

import "reflect"

// Call is one request of a batch written by EncodeOptions.AppendBatch.
type Call struct {
	// Method is the method name.
	Method string
	// ID is the request id; the zero ID makes the call a notification.
	ID ID
	// Params are positional parameters, written as an array (omitted when empty).
	Params []any
	// Named, when not nil, is written as by-name params: it must encode as an object (a struct,
	// or a map with string keys). Params must then be empty.
	Named any
}

// MarshalRequest returns a JSON-RPC 2.0 request for method with positional params and the given id
// (the zero ID makes it a notification), with the default options.
func MarshalRequest(id ID, method string, params ...any) ([]byte, error) {
	return EncodeOptions{}.AppendRequest(nil, id, method, params...)
}

// AppendRequest appends a JSON-RPC 2.0 request for method with positional params to dst; the zero
// id makes it a notification. On error, dst is returned unchanged.
func (o EncodeOptions) AppendRequest(dst []byte, id ID, method string, params ...any) ([]byte, error) {
	return o.appendCall(dst, Version2, id, method, params, nil)
}

// AppendRequestV1 appends a JSON-RPC 1.0 request, as Go's net/rpc/jsonrpc servers expect: no
// "jsonrpc" member, params always an array, and a null id for a notification (the zero id).
func (o EncodeOptions) AppendRequestV1(dst []byte, id ID, method string, params ...any) ([]byte, error) {
	return o.appendCall(dst, Version1, id, method, params, nil)
}

// AppendNamedRequest appends a JSON-RPC 2.0 request whose params are by name: params must encode as
// an object (a struct or a map with string keys). The zero id makes it a notification.
func (o EncodeOptions) AppendNamedRequest(dst []byte, id ID, method string, params any) ([]byte, error) {
	if params == nil {
		return dst, &UnsupportedValueError{Value: "nil", Path: "params", Msg: "named params must be an object"}
	}
	return o.appendCall(dst, Version2, id, method, nil, params)
}

// AppendBatch appends a JSON-RPC 2.0 batch of calls to dst. An empty batch is refused, since
// servers must answer it as an invalid request.
func (o EncodeOptions) AppendBatch(dst []byte, calls []Call) ([]byte, error) {
	if len(calls) == 0 {
		return dst, &UnsupportedValueError{Value: "[]", Msg: "a batch must hold at least one call"}
	}
	out := append(dst, '[')
	for i := range calls {
		c := &calls[i]
		if i > 0 {
			out = append(out, ',')
		}
		if c.Named != nil && len(c.Params) > 0 {
			return dst, &UnsupportedValueError{Value: c.Method, Msg: "a call has either positional or named params"}
		}
		var err error
		if out, err = o.appendCall(out, Version2, c.ID, c.Method, c.Params, c.Named); err != nil {
			return dst, prefixPath(err, "["+itoa(i)+"]")
		}
	}
	return append(out, ']'), nil
}

func (o EncodeOptions) appendCall(dst []byte, v Version, id ID, method string, params []any, named any) ([]byte, error) {
	e := newEncState(dst, o)
	defer e.release()
	if v == Version2 {
		e.buf = append(e.buf, `{"jsonrpc":"2.0","method":`...)
	} else {
		e.buf = append(e.buf, `{"method":`...)
	}
	if err := e.writeString(method); err != nil {
		return dst, err
	}
	switch {
	case named != nil:
		e.buf = append(e.buf, `,"params":`...)
		at := len(e.buf)
		if err := e.encode(named); err != nil {
			return dst, prefixPath(err, "params")
		}
		if e.buf[at] != '{' {
			return dst, &UnsupportedValueError{Value: reflect.TypeOf(named).String(), Path: "params", Msg: "named params must encode as an object"}
		}
	case len(params) > 0 || v == Version1:
		e.buf = append(e.buf, `,"params":[`...)
		for i, p := range params {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.encode(p); err != nil {
				return dst, prefixPath(err, "params["+itoa(i)+"]")
			}
		}
		e.buf = append(e.buf, ']')
	}
	switch {
	case !id.IsAbsent():
		e.buf = append(e.buf, `,"id":`...)
		e.buf = append(e.buf, id.raw...)
	case v == Version1:
		e.buf = append(e.buf, `,"id":null`...)
	}
	return append(e.buf, '}'), nil
}

// AppendResponse appends the response to req carrying result, in req's version; a nil req means a
// 2.0 response with a null id. On error (result cannot be encoded), dst is returned unchanged; a
// server then answers with AppendError and CodeInternalError.
func (o EncodeOptions) AppendResponse(dst []byte, req *Request, result any) ([]byte, error) {
	e := newEncState(appendHead(dst, req), o)
	defer e.release()
	e.buf = append(e.buf, `"result":`...)
	if err := e.encode(result); err != nil {
		return dst, prefixPath(err, "result")
	}
	if req != nil && req.Version == Version1 {
		e.buf = append(e.buf, `,"error":null`...)
	}
	return append(e.buf, '}'), nil
}

// appendHead writes the start of a response object up to its id and a comma.
func appendHead(dst []byte, req *Request) []byte {
	if req == nil || req.Version == Version2 {
		dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	} else {
		dst = append(dst, `{"id":`...)
	}
	if req == nil || req.ID.IsAbsent() {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, req.ID.raw...)
	}
	return append(dst, ',')
}

// AppendError appends the error response to req carrying e, in req's version; a nil req (a body
// that could not be parsed) means a 2.0 response with a null id. It never fails: a message that is
// not valid UTF-8 is repaired, and Data that cannot be encoded is left out.
func (o EncodeOptions) AppendError(dst []byte, req *Request, e *Error) []byte {
	dst = appendHead(dst, req)
	if req != nil && req.Version == Version1 {
		dst = append(dst, `"result":null,`...)
		if o.V1StringErrors {
			dst = append(dst, `"error":"`...)
			dst, _ = appendStringBody(dst, e.Message)
			return append(dst, '"', '}')
		}
	}
	dst = append(dst, `"error":`...)
	return append(o.appendErrorObject(dst, e), '}')
}

func (o EncodeOptions) appendErrorObject(dst []byte, e *Error) []byte {
	dst = append(dst, `{"code":`...)
	dst = appendInt(dst, e.Code)
	dst = append(dst, `,"message":"`...)
	dst, _ = appendStringBody(dst, e.Message)
	dst = append(dst, '"')
	if e.Data != nil {
		if out, err := o.AppendValue(append(dst, `,"data":`...), e.Data); err == nil {
			dst = out
		}
	}
	return append(dst, '}')
}
