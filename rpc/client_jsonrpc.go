package rpc

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"

	"github.com/harp-rpc/harp/jsonrpc"
)

// jsonClientCodec is JSON-RPC 2.0's ClientCodec; it hands out integer ids from 1 upwards.
type jsonClientCodec struct {
	enc jsonrpc.EncodeOptions
	dec jsonrpc.DecodeOptions
	ids atomic.Int64
}

// NewJSONClientCodec returns a JSON-RPC 2.0 ClientCodec: requests encoded with enc, answers
// decoded with dec (its limits; MaxSize bounds an answer). Each call gets a fresh integer id,
// unique among the calls of the codec; an answer is matched to its call by it. Batches are JSON-RPC
// batches, each call a request with its own id.
func NewJSONClientCodec(enc jsonrpc.EncodeOptions, dec jsonrpc.DecodeOptions) ClientCodec {
	return &jsonClientCodec{enc: enc, dec: dec}
}

func invalidJSONReply(t reflect.Type) error { return &jsonrpc.InvalidUnmarshalError{Type: t} }

// Name returns "jsonrpc".
func (j *jsonClientCodec) Name() string { return "jsonrpc" }

// CheckReply refuses a reply that is not nil or a non-nil pointer.
func (j *jsonClientCodec) CheckReply(method string, reply any) error {
	return checkReply(method, reply, invalidJSONReply)
}

// AppendCall appends a request with positional params and a fresh id.
func (j *jsonClientCodec) AppendCall(dst []byte, method string, args []any) ([]byte, int64, error) {
	id := j.ids.Add(1)
	b, err := j.enc.AppendRequest(dst, jsonrpc.IntID(id), method, args...)
	return b, id, err
}

// AppendNamedCall appends a request with params by name and a fresh id.
func (j *jsonClientCodec) AppendNamedCall(dst []byte, method string, params any) ([]byte, int64, error) {
	if params == nil {
		return dst, 0, errors.New("rpc: CallNamed: nil params")
	}
	id := j.ids.Add(1)
	b, err := j.enc.AppendNamedRequest(dst, jsonrpc.IntID(id), method, params)
	return b, id, err
}

// AppendNotification appends a request without an id.
func (j *jsonClientCodec) AppendNotification(dst []byte, method string, args []any) ([]byte, error) {
	return j.enc.AppendRequest(dst, jsonrpc.ID{}, method, args...)
}

// AppendBatch appends a JSON-RPC batch, the calls taking consecutive fresh ids.
func (j *jsonClientCodec) AppendBatch(dst []byte, calls []*Call) ([]byte, int64, error) {
	n := int64(len(calls))
	first := j.ids.Add(n) - n + 1
	reqs := make([]jsonrpc.Call, len(calls))
	for i, call := range calls {
		reqs[i] = jsonrpc.Call{Method: call.Method, ID: jsonrpc.IntID(first + int64(i)), Params: call.Args}
	}
	b, err := j.enc.AppendBatch(dst, reqs)
	return b, first, err
}

// DecodeAnswer decodes the response to id into reply.
func (j *jsonClientCodec) DecodeAnswer(method string, body []byte, id int64, reply any) error {
	if len(body) == 0 {
		return noAnswer(method)
	}
	err := j.dec.UnmarshalResponseID(body, jsonrpc.IntID(id), reply)
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	return decodeFailure(method, body, err)
}

// batchMethod names a batch in errors and Requests.
const batchMethod = "batch"

// DecodeBatch decodes a batch answer, matching responses to calls by id.
func (j *jsonClientCodec) DecodeBatch(body []byte, first int64, calls []*Call) error {
	if len(body) == 0 {
		return noAnswer(batchMethod)
	}
	rs, batch, err := j.dec.DecodeResponses(body)
	if err != nil {
		return NewResponseError(batchMethod, body, err)
	}
	if !batch {
		if rs[0].Err != nil {
			return rs[0].Err // the batch itself was refused
		}
		return NewResponseError(batchMethod, body, errors.New("a single result answered a batch"))
	}
	ids := make([]jsonrpc.ID, len(calls))
	for i := range ids {
		ids[i] = jsonrpc.IntID(first + int64(i))
	}
	matched, _ := jsonrpc.MatchResponses(ids, rs)
	for i, r := range matched {
		calls[i].Err = j.batchResult(calls[i], r)
	}
	return nil
}

// batchResult decodes the response r to call (nil when the server sent none).
func (j *jsonClientCodec) batchResult(call *Call, r *jsonrpc.Response) error {
	if r == nil {
		return noAnswer(call.Method)
	}
	err := r.Decode(call.Reply)
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	if invalidReply(err) {
		return fmt.Errorf("rpc: %s: %w", call.Method, err)
	}
	return NewResponseError(call.Method, r.RawResult(), err)
}

// DecodeNotified returns the first error object in the answer to a notification.
func (j *jsonClientCodec) DecodeNotified(body []byte) error {
	if len(body) == 0 {
		return nil
	}
	rs, _, err := j.dec.DecodeResponses(body)
	if err != nil {
		return nil // not ours to judge: the notification was delivered
	}
	for i := range rs {
		if rs[i].Err != nil {
			return rs[i].Err
		}
	}
	return nil
}

// StatusAnswer returns the error object of a single response to id, or to a null id.
func (j *jsonClientCodec) StatusAnswer(body []byte, id int64) error {
	if len(body) == 0 {
		return nil
	}
	rs, batch, err := j.dec.DecodeResponses(body)
	if err != nil || batch || rs[0].Err == nil {
		return nil
	}
	if rs[0].ID.IsNull() || (id != 0 && rs[0].ID.Equal(jsonrpc.IntID(id))) {
		return rs[0].Err
	}
	return nil
}

// Convert re-encodes v with the JSON-RPC mapping and decodes it into reply.
func (j *jsonClientCodec) Convert(method string, v, reply any) error {
	if storeAsIs(v, reply) {
		return nil
	}
	doc, err := j.enc.AppendValue(nil, v)
	if err == nil {
		err = j.dec.Unmarshal(doc, reply)
	}
	if err != nil {
		return convertFailure(method, err)
	}
	return nil
}
