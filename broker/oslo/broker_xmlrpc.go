package oslo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/xmlrpc"
)

// xmlCall reads an XML-RPC call body as oslo keyword arguments: one struct parameter is the
// keywords (harp's XML-RPC form of named params); any other parameters travel positionally as
// keywords "0", "1", ... Values map as encoding/json writes them (a dateTime as RFC 3339 text,
// base64 as its base64 text).
func xmlCall(body []byte) (method string, args json.RawMessage, err error) {
	c, err := xmlrpc.DecodeCall(body)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", broker.ErrUnsupported, err)
	}
	ps, err := c.Params()
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", broker.ErrUnsupported, err)
	}
	if len(ps) == 1 {
		if m, ok := ps[0].(map[string]any); ok {
			raw, err := json.Marshal(m)
			return c.Method, raw, err
		}
	}
	kw := []byte{'{'}
	for i, p := range ps {
		v, err := json.Marshal(p)
		if err != nil {
			return "", nil, fmt.Errorf("%w: params[%d]: %v", broker.ErrUnsupported, i, err)
		}
		if i > 0 {
			kw = append(kw, ',')
		}
		kw = append(append(strconv.AppendQuote(kw, strconv.Itoa(i)), ':'), v...)
	}
	return c.Method, append(kw, '}'), nil
}

// appendXMLAnswer appends the XML-RPC response of a result (JSON text; integers stay integers)
// or of a RemoteError (a fault of its code and message).
func appendXMLAnswer(dst []byte, res json.RawMessage, re *RemoteError) ([]byte, error) {
	if re != nil {
		b, err := xmlrpc.MarshalFault(&xmlrpc.Fault{Code: re.Code, String: re.FaultString()})
		return append(dst, b...), err
	}
	var v any
	if len(res) > 0 {
		dec := json.NewDecoder(bytes.NewReader(res))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return dst, err
		}
	}
	b, err := xmlrpc.MarshalResponse(xmlValue(v))
	if err != nil {
		return dst, errors.Join(errors.New("oslo: result has no XML-RPC form"), err)
	}
	return append(dst, b...), nil
}

// xmlValue turns decoded JSON into values XML-RPC encodes as their JSON types: json.Number as
// an int64 when it is one, else a float64.
func xmlValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = xmlValue(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = xmlValue(x[k])
		}
	}
	return v
}
