package rpc

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/harp-rpc/harp/xmlrpc"
)

// xmlClientCodec is XML-RPC's ClientCodec: no ids, no notifications, batches as system.multicall.
type xmlClientCodec struct {
	enc xmlrpc.EncodeOptions
	dec xmlrpc.DecodeOptions
}

// NewXMLClientCodec returns the XML-RPC ClientCodec: calls encoded with enc, answers decoded with
// dec (its limits; MaxSize bounds an answer). Named params are sent as the one struct parameter,
// which is how a harp server binds JSON-RPC named params too. XML-RPC has no notifications
// (ErrNoNotifications) and no batches of its own (ErrNoBatch: a Client sends system.multicall).
func NewXMLClientCodec(enc xmlrpc.EncodeOptions, dec xmlrpc.DecodeOptions) ClientCodec {
	return &xmlClientCodec{enc: enc, dec: dec}
}

func invalidXMLReply(t reflect.Type) error { return &xmlrpc.InvalidUnmarshalError{Type: t} }

// Name returns "xmlrpc".
func (x *xmlClientCodec) Name() string { return "xmlrpc" }

// CheckReply refuses a reply that is not nil or a non-nil pointer.
func (x *xmlClientCodec) CheckReply(method string, reply any) error {
	return checkReply(method, reply, invalidXMLReply)
}

// AppendCall appends a <methodCall>.
func (x *xmlClientCodec) AppendCall(dst []byte, method string, args []any) ([]byte, int64, error) {
	b, err := x.enc.AppendCall(dst, method, args...)
	return b, 0, err
}

// AppendNamedCall appends a <methodCall> whose one parameter is params.
func (x *xmlClientCodec) AppendNamedCall(dst []byte, method string, params any) ([]byte, int64, error) {
	b, err := x.enc.AppendCall(dst, method, params)
	return b, 0, err
}

// AppendNotification fails: XML-RPC has no notifications.
func (x *xmlClientCodec) AppendNotification(dst []byte, method string, args []any) ([]byte, error) {
	return dst, ErrNoNotifications
}

// AppendBatch fails with ErrNoBatch: XML-RPC batches are system.multicall calls.
func (x *xmlClientCodec) AppendBatch(dst []byte, calls []*Call) ([]byte, int64, error) {
	return dst, 0, ErrNoBatch
}

// DecodeAnswer decodes a <methodResponse> into reply.
func (x *xmlClientCodec) DecodeAnswer(method string, body []byte, id int64, reply any) error {
	err := x.dec.UnmarshalResponse(body, reply)
	if err == nil {
		return nil
	}
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return f
	}
	return decodeFailure(method, body, err)
}

// DecodeBatch fails: XML-RPC batches are system.multicall calls, answered as one call.
func (x *xmlClientCodec) DecodeBatch(body []byte, first int64, calls []*Call) error {
	return ErrNoBatch
}

// DecodeNotified returns nil: XML-RPC sends no notifications.
func (x *xmlClientCodec) DecodeNotified(body []byte) error { return nil }

// StatusAnswer returns the fault a refusal's body holds: the spec sends faults with 200 OK, but
// some servers (davexmlrpc, some PHP) send them with HTTP 500. Any other body is no answer (nil).
func (x *xmlClientCodec) StatusAnswer(body []byte, id int64) error {
	if len(body) == 0 {
		return nil
	}
	var f *xmlrpc.Fault
	if err := x.dec.UnmarshalResponse(body, nil); errors.As(err, &f) {
		return f
	}
	return nil
}

// Convert re-encodes v with the XML-RPC mapping and decodes it into reply.
func (x *xmlClientCodec) Convert(method string, v, reply any) error {
	if storeAsIs(v, reply) {
		return nil
	}
	doc, err := x.enc.AppendValue(nil, v)
	if err == nil {
		err = x.dec.Unmarshal(doc, reply)
	}
	if err != nil {
		return convertFailure(method, err)
	}
	return nil
}

// convertFailure classifies a failure to convert a multicall result: the caller's unusable reply,
// or a result that does not fit it.
func convertFailure(method string, err error) error {
	if invalidReply(err) {
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	return &ResponseError{Method: method, Offset: -1, Err: err}
}
