package oslo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/harp-rpc/harp/rpc"
)

// ErrUnsupportedProtocol reports a request body the Transport cannot carry: not a single
// JSON-RPC call (XML-RPC, a batch).
var ErrUnsupportedProtocol = errors.New("oslo: only single JSON-RPC calls travel as oslo messages")

// RoundTrip makes c an rpc.Transport for JSON-RPC clients (rpc.NewJSONClientCodec), so that
// rpc.Client and the cluster package call oslo.messaging servers: the call's named params are
// the keyword arguments; positional params travel as keywords "0", "1", ... (a harp Server binds
// them positionally; a Python server raises TypeError); a notification is a Cast. The answer
// is a JSON-RPC response: the result, or a fault whose code is the RemoteError's and whose data
// is the oslo failure (class, module, message, tb, args, kwargs). Errors other than faults are
// the Client's (*TimeoutError, *UnroutableError, *TransportError), unchanged.
func (c *Client) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	if req.Protocol != "jsonrpc" {
		return dst, &TransportError{Op: req.Method, Err: ErrUnsupportedProtocol}
	}
	var call struct {
		Version string          `json:"jsonrpc"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
		ID      json.RawMessage `json:"id"`
	}
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &call) != nil || call.Method == "" {
		return dst, &TransportError{Op: req.Method, Err: ErrUnsupportedProtocol}
	}
	args, err := keywordArgs(call.Params)
	if err != nil {
		return dst, &TransportError{Op: call.Method, Err: err}
	}
	if req.Notification || len(call.ID) == 0 || string(call.ID) == "null" && call.Version == "" {
		return dst, c.Cast(ctx, call.Method, args)
	}
	res, err := c.CallRaw(ctx, call.Method, args)
	var re *RemoteError
	switch {
	case errors.As(err, &re):
		return appendFault(dst, call.Version, call.ID, re)
	case err != nil:
		return dst, err
	}
	return appendResult(dst, call.Version, call.ID, res), nil
}

// appendResult appends the JSON-RPC answer of a result (JSON-RPC 1.0's form when version is "").
func appendResult(dst []byte, version string, id, res json.RawMessage) []byte {
	if version == "" {
		dst = append(dst, `{"result":`...)
	} else {
		dst = append(dst, `{"jsonrpc":"2.0","result":`...)
	}
	if len(res) == 0 {
		res = json.RawMessage("null")
	}
	dst = append(dst, res...)
	if version == "" {
		dst = append(dst, `,"error":null`...)
	}
	dst = append(dst, `,"id":`...)
	return append(append(dst, quoteID(id)...), '}')
}

// keywordArgs returns a JSON-RPC call's params as oslo keyword arguments.
func keywordArgs(params json.RawMessage) (json.RawMessage, error) {
	params = bytes.TrimSpace(params)
	switch {
	case len(params) == 0 || string(params) == "null":
		return json.RawMessage("{}"), nil
	case params[0] == '{':
		return params, nil
	case params[0] != '[':
		return nil, ErrPositional
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(params, &vals); err != nil {
		return nil, err
	}
	out := []byte{'{'}
	for i, v := range vals {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(strconv.AppendQuote(out, strconv.Itoa(i)), ':')
		out = append(out, v...)
	}
	return append(out, '}'), nil
}

// appendFault appends the JSON-RPC error answer for re.
func appendFault(dst []byte, version string, id json.RawMessage, re *RemoteError) ([]byte, error) {
	type jsonError struct {
		Code    int          `json:"code"`
		Message string       `json:"message"`
		Data    *failureJSON `json:"data"`
	}
	f := re.Failure
	e, err := json.Marshal(jsonError{Code: re.Code, Message: f.FaultMessage(), Data: (*failureJSON)(&f)})
	if err != nil {
		return dst, err
	}
	if version == "" {
		dst = append(dst, `{"result":null,"error":`...)
	} else {
		dst = append(dst, `{"jsonrpc":"2.0","error":`...)
	}
	dst = append(dst, e...)
	dst = append(dst, `,"id":`...)
	return append(append(dst, quoteID(id)...), '}'), nil
}
