package rpc

import (
	"errors"
	"strconv"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Errors of the calling core. Errors returned by a Client wrap them, so callers test with
// errors.Is.
var (
	// ErrNilContext reports a call made with a nil context.Context; nothing is sent.
	ErrNilContext = errors.New("rpc: nil Context")
	// ErrNoNotifications reports a notification asked of a protocol that has none (XML-RPC);
	// nothing is sent.
	ErrNoNotifications = errors.New("rpc: notifications need JSON-RPC")
	// ErrNoBatch is what a ClientCodec's AppendBatch returns when its protocol has no batches of
	// its own (XML-RPC): the Client then sends the batch as a system.multicall.
	ErrNoBatch = errors.New("rpc: the protocol has no batches")
	// ErrNoAnswer is the cause of a ResponseError for a call the server did not answer: an empty
	// answer to a request with an id, or a batch answer without a response for the call's id.
	ErrNoAnswer = errors.New("the server sent no response for this call")
)

// ResponseError reports an answer that is not a valid response, or whose result cannot be
// decoded into the reply value. Err is the decoding error (an *xmlrpc.SyntaxError,
// *xmlrpc.UnmarshalTypeError, *jsonrpc.SyntaxError, ErrNoAnswer, a transport's size limit, ...);
// Body quotes the offending bytes. The server received the request and answered: NotSent is
// false.
type ResponseError struct {
	Method string // the method called
	URL    string // the endpoint (ClientConfig.Endpoint), with any password redacted; may be ""
	Body   []byte // the bytes around the error (or the start of the body), cut short
	Offset int64  // the error's byte offset in the response, or -1 when unknown
	Err    error  // the underlying error

	cutBefore, cutAfter bool // whether Body leaves out bytes before or after it
}

// Error describes the bad response and quotes the bytes around the problem.
func (e *ResponseError) Error() string {
	s := "rpc: " + e.Method
	if e.URL != "" {
		s += " " + e.URL
	}
	s += ": bad response: " + e.Err.Error()
	if len(e.Body) > 0 {
		s += "; response "
		if e.Offset >= 0 {
			s += "near offset " + strconv.FormatInt(e.Offset, 10) + ": "
		} else {
			s += "begins "
		}
		if e.cutBefore {
			s += "..."
		}
		s += strconv.QuoteToASCII(string(e.Body))
		if e.cutAfter {
			s += "..."
		}
	}
	return s
}

// Unwrap returns the underlying error.
func (e *ResponseError) Unwrap() error { return e.Err }

// NotSent returns false: the server received the request and answered.
func (e *ResponseError) NotSent() bool { return false }

// Timeout returns false.
func (e *ResponseError) Timeout() bool { return false }

// StatusCode returns 0: the answer itself was the transport's normal one.
func (e *ResponseError) StatusCode() int { return 0 }

// QuoteBefore and QuoteAfter bound how much of a bad response a ResponseError quotes: bytes
// before and after the error's offset.
const (
	QuoteBefore = 40
	QuoteAfter  = 80
)

// NewResponseError returns a ResponseError for method quoting body around the error's offset
// (read from the xmlrpc and jsonrpc syntax and type errors), at most QuoteBefore+QuoteAfter
// bytes. body is copied: the caller's buffer may be reused. URL is left empty; a Client sets it.
func NewResponseError(method string, body []byte, err error) *ResponseError {
	off := int64(-1)
	var se *xmlrpc.SyntaxError
	var te *xmlrpc.UnmarshalTypeError
	var jse *jsonrpc.SyntaxError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.As(err, &jse):
		off = jse.Offset
	}
	start, end := 0, min(len(body), QuoteAfter)
	if off >= 0 && off <= int64(len(body)) {
		start = max(0, int(off)-QuoteBefore)
		end = min(len(body), int(off)+QuoteAfter)
	}
	e := &ResponseError{Method: method, Offset: off, Err: err, cutBefore: start > 0, cutAfter: end < len(body)}
	if end > start {
		e.Body = append([]byte(nil), body[start:end]...)
	}
	return e
}

// noAnswer returns the ResponseError of a call the server left unanswered.
func noAnswer(method string) *ResponseError {
	return &ResponseError{Method: method, Offset: -1, Err: ErrNoAnswer}
}

// invalidReply reports whether err is a codec's refusal of the reply value itself (not a
// pointer), which is the caller's mistake and no bad response.
func invalidReply(err error) bool {
	var inv *xmlrpc.InvalidUnmarshalError
	var jinv *jsonrpc.InvalidUnmarshalError
	return errors.As(err, &inv) || errors.As(err, &jinv)
}

// StatusFaultError is a fault (an *xmlrpc.Fault, a *jsonrpc.Error) that a server sent with a
// transport-level refusal, such as the XML-RPC faults some servers (davexmlrpc, some PHP) send
// with HTTP 500 instead of 200. It is the fault: Unwrap returns it, so errors.As finds it and
// cluster.Classify reads a healthy answer (never retried); the refusal (an HTTP
// *client.StatusError) is kept in Transport for whoever wants the status.
type StatusFaultError struct {
	Fault     error // the fault or error object the body held
	Transport error // the transport's refusal that carried it
}

// Error describes the fault, then the status that carried it (or the whole refusal, when it
// has no status code).
func (e *StatusFaultError) Error() string {
	if code := e.StatusCode(); code > 0 {
		return e.Fault.Error() + " (sent with status " + strconv.Itoa(code) + ")"
	}
	return e.Fault.Error() + " (sent with " + e.Transport.Error() + ")"
}

// Unwrap returns the fault.
func (e *StatusFaultError) Unwrap() error { return e.Fault }

// StatusCode returns the refusal's status code, when it has one (0 otherwise).
func (e *StatusFaultError) StatusCode() int {
	var sc interface{ StatusCode() int }
	if errors.As(e.Transport, &sc) {
		return sc.StatusCode()
	}
	return 0
}
