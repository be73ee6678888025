package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Sentinel errors. Errors returned by this package wrap them, so callers test with errors.Is.
var (
	// ErrClosed reports a call made after Close. Such a call is never sent.
	ErrClosed = errors.New("client: client is closed")
	// ErrResponseTooLarge reports a response body (after decompression) over the size limit.
	ErrResponseTooLarge = errors.New("client: response too large")
	// ErrNilContext reports a call made with a nil context.Context.
	ErrNilContext = errors.New("client: nil Context")
)

// TransportError reports a call that failed on the way to or from the server: dialing, the TLS
// handshake, writing the request, reading the response, or the context's deadline or
// cancellation. It is never a remote fault (those are *xmlrpc.Fault).
type TransportError struct {
	Method string // the method called
	URL    string // the endpoint, with any password redacted
	Op     string // the phase that failed: "connect", "write" or "read"
	// Sent reports whether the request may have reached the server. It is false only when the
	// request provably never did: no connection could be made (refused, unreachable, TLS
	// handshake failure, deadline while connecting), or the connection failed before a single
	// byte of the request was written to it.
	Sent    bool
	Err     error // the underlying error
	timeout bool
}

// Error describes the failure: method, URL, phase, cause, and whether the request was sent.
func (e *TransportError) Error() string {
	var b strings.Builder
	b.WriteString("client: ")
	b.WriteString(e.Method)
	b.WriteString(" ")
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if !e.Sent {
		b.WriteString(" (request not sent)")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// NotSent reports whether the request provably never reached a server, so that repeating it
// elsewhere cannot run it twice.
func (e *TransportError) NotSent() bool { return !e.Sent }

// Timeout reports whether the call failed because a deadline passed: the context's, or a
// network timeout.
func (e *TransportError) Timeout() bool { return e.timeout }

// StatusCode returns 0: a transport failure carries no HTTP status.
func (e *TransportError) StatusCode() int { return 0 }

// newTransportError classifies err, which ended a call whose context is ctx.
func newTransportError(ctx context.Context, method, url, op string, sent bool, err error) *TransportError {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	return &TransportError{Method: method, URL: url, Op: op, Sent: sent, Err: err, timeout: timeout}
}

// StatusError reports an HTTP answer other than 200 OK.
type StatusError struct {
	Method     string        // the method called
	URL        string        // the endpoint, with any password redacted
	Code       int           // the HTTP status code, e.g. 503
	Status     string        // the status line, e.g. "503 Service Unavailable"
	RetryAfter time.Duration // from a Retry-After header given in seconds; 0 when absent
	Body       []byte        // the start of the answer's body, cut short
}

// Error describes the answer: method, URL, status and the start of the body.
func (e *StatusError) Error() string {
	s := "client: " + e.Method + " " + e.URL + ": HTTP " + e.Status
	if len(e.Body) > 0 {
		s += ": " + quoteShort(e.Body, 0, len(e.Body))
	}
	return s
}

// NotSent reports whether the server refused the request before dispatching it: true for 503
// Service Unavailable, which harp servers answer when at capacity, before running anything.
func (e *StatusError) NotSent() bool { return e.Code == 503 }

// Timeout returns false: the server answered.
func (e *StatusError) Timeout() bool { return false }

// StatusCode returns the HTTP status code.
func (e *StatusError) StatusCode() int { return e.Code }

// ResponseError reports a 200 OK answer that is not a valid XML-RPC response, or whose result
// cannot be decoded into the reply value. Err is the decoding error (an *xmlrpc.SyntaxError,
// *xmlrpc.UnmarshalTypeError, ErrResponseTooLarge, ...); Body quotes the offending bytes.
type ResponseError struct {
	Method string // the method called
	URL    string // the endpoint, with any password redacted
	Body   []byte // the bytes around the error (or the start of the body), cut short
	Offset int64  // the error's byte offset in the response, or -1 when unknown
	Err    error  // the underlying error

	cutBefore, cutAfter bool // whether Body leaves out bytes before or after it
}

// Error describes the bad response and quotes the bytes around the problem.
func (e *ResponseError) Error() string {
	s := "client: " + e.Method + " " + e.URL + ": bad response: " + e.Err.Error()
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

// StatusCode returns 0: the answer was 200 OK.
func (e *ResponseError) StatusCode() int { return 0 }

// snippetBefore and snippetAfter bound how much of a bad response an error quotes.
const (
	snippetBefore = 40
	snippetAfter  = 80
)

// newResponseError builds a ResponseError quoting body around the error's offset. body is
// copied: the caller's buffer is reused.
func newResponseError(method, url string, body []byte, err error) *ResponseError {
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
	start, end := 0, min(len(body), snippetAfter)
	if off >= 0 && off <= int64(len(body)) {
		start = max(0, int(off)-snippetBefore)
		end = min(len(body), int(off)+snippetAfter)
	}
	return &ResponseError{
		Method: method, URL: url, Offset: off, Err: err,
		Body:      append([]byte(nil), body[start:end]...),
		cutBefore: start > 0,
		cutAfter:  end < len(body),
	}
}

// quoteShort quotes b[start:end] for an error message, marking a cut.
func quoteShort(b []byte, start, end int) string {
	cut := false
	if end-start > snippetAfter {
		end, cut = start+snippetAfter, true
	}
	s := strconv.QuoteToASCII(string(b[start:end]))
	if cut {
		s += "..."
	}
	return s
}
