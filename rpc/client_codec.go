package rpc

import (
	"fmt"
	"reflect"
)

// ClientCodec is one wire format on the calling side, in the spirit of net/rpc's ClientCodec: it
// encodes calls into request bodies and decodes answers, telling the server's faults from
// answers that are not valid responses. It knows nothing of the transport. NewXMLClientCodec and
// NewJSONClientCodec return the two harp speaks; a Client drives one.
//
// Ids: a codec whose protocol matches answers to requests by id (JSON-RPC) hands out its own,
// returned by the Append methods and given back to the Decode methods; a batch of n calls takes
// the ids first..first+n-1. Id 0 means none (XML-RPC's, a notification's).
//
// Errors of the Decode methods and of Convert are one of: nil; the server's fault, as its wire
// format's type (*xmlrpc.Fault, *jsonrpc.Error), unwrapped; an error wrapping the format's
// InvalidUnmarshalError when reply is not a non-nil pointer; or a *ResponseError (its URL left
// for the Client to fill in) when the answer is not a valid response or does not fit reply.
//
// A ClientCodec is safe for concurrent use.
type ClientCodec interface {
	// Name names the wire format, "xmlrpc" or "jsonrpc", as Request.Protocol carries it.
	Name() string
	// CheckReply refuses, before anything is sent, a reply that is neither nil nor a non-nil
	// pointer, with an error wrapping the format's InvalidUnmarshalError.
	CheckReply(method string, reply any) error
	// AppendCall appends a call of method with positional args to dst.
	AppendCall(dst []byte, method string, args []any) (_ []byte, id int64, _ error)
	// AppendNamedCall appends a call of method with params by name (a struct or a map with
	// string keys). A protocol without named params sends params as the one parameter.
	AppendNamedCall(dst []byte, method string, params any) (_ []byte, id int64, _ error)
	// AppendNotification appends a call that expects no answer, or fails with an error wrapping
	// ErrNoNotifications when the protocol has none.
	AppendNotification(dst []byte, method string, args []any) ([]byte, error)
	// AppendBatch appends the calls as one batch request, or fails with ErrNoBatch when the
	// protocol has none (the Client then sends a system.multicall).
	AppendBatch(dst []byte, calls []*Call) (_ []byte, first int64, _ error)
	// DecodeAnswer decodes the answer to the call with id into reply (discarding the result
	// when reply is nil). An empty body is a ResponseError wrapping ErrNoAnswer.
	DecodeAnswer(method string, body []byte, id int64, reply any) error
	// DecodeBatch decodes the answer to the batch whose ids start at first, setting each call's
	// Err (and Reply). The error it returns concerns the batch as a whole: the calls' Err are
	// then left unset.
	DecodeBatch(body []byte, first int64, calls []*Call) error
	// DecodeNotified reads the answer to a notification (or a batch of them), normally empty:
	// an error object in it is returned; anything else is no concern of the caller's (nil).
	DecodeNotified(body []byte) error
	// StatusAnswer reads the body of a transport-level refusal (see StatusAnswerer): it returns
	// the error object it holds when that answers the call with id (or the request as a
	// whole, whose id is null), and nil when the body is no such answer.
	StatusAnswer(body []byte, id int64) error
	// Convert stores the value v, as the codec's decoder produces it for an `any` (a result of
	// a system.multicall), in reply through the codec's own mapping.
	Convert(method string, v, reply any) error
}

// StatusAnswerer is implemented by transport errors that carry the body of a transport-level
// refusal (an HTTP status other than success): some JSON-RPC servers answer error objects with a
// 4xx or 5xx status. AnswerBody returns that body when it may be read as an answer (whole, and not
// a refusal that proves the request unsent, such as HTTP 503), or nil. The Client then asks its
// codec's StatusAnswer for an error object, and returns the transport error when there is none.
type StatusAnswerer interface {
	AnswerBody() []byte
}

// checkReply refuses a reply that is neither nil nor a non-nil pointer, with invalid's error.
func checkReply(method string, reply any, invalid func(reflect.Type) error) error {
	if reply == nil {
		return nil
	}
	if rv := reflect.ValueOf(reply); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("rpc: %s: %w", method, invalid(reflect.TypeOf(reply)))
	}
	return nil
}

// decodeFailure classifies a decoding error err for method, other than a fault: the caller's
// unusable reply, or a bad answer quoting body.
func decodeFailure(method string, body []byte, err error) error {
	if invalidReply(err) {
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	return NewResponseError(method, body, err)
}

// storeAsIs stores v in reply without conversion when reply takes it as it is; ok reports whether
// it did.
func storeAsIs(v, reply any) (ok bool) {
	switch p := reply.(type) {
	case nil:
		return true
	case *any:
		*p = v
		return true
	}
	return false
}
