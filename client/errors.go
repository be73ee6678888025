package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// Sentinel errors. Errors returned by this package wrap them, so callers test with errors.Is.
var (
	// ErrClosed reports a call made after Close. Such a call is never sent.
	ErrClosed = errors.New("client: client is closed")
	// ErrResponseTooLarge reports a response body (after decompression) over the size limit.
	ErrResponseTooLarge = errors.New("client: response too large")
	// ErrNilContext reports a call made with a nil context.Context: rpc.ErrNilContext.
	ErrNilContext = rpc.ErrNilContext
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
	Body       []byte        // the start of the answer's body, cut short (16 KiB); Error quotes less
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

// AnswerBody returns the answer's body when it is whole and the status is not 503, so that a
// JSON-RPC error object or an XML-RPC fault sent with a 4xx or 5xx status is read as the answer
// it is (see rpc.StatusAnswerer and rpc.StatusFaultError); nil otherwise.
func (e *StatusError) AnswerBody() []byte {
	if e.Code == http.StatusServiceUnavailable || len(e.Body) >= statusBodyMax {
		return nil
	}
	return e.Body
}

// ResponseError reports a 200 OK answer that is not a valid response, or whose result cannot be
// decoded into the reply value: rpc.ResponseError. Err is the decoding error (an
// *xmlrpc.SyntaxError, *xmlrpc.UnmarshalTypeError, ErrResponseTooLarge, ...); Body quotes the
// offending bytes.
type ResponseError = rpc.ResponseError

// quoteShort quotes b[start:end] for an error message, marking a cut.
func quoteShort(b []byte, start, end int) string {
	cut := false
	if end-start > rpc.QuoteAfter {
		end, cut = start+rpc.QuoteAfter, true
	}
	s := strconv.QuoteToASCII(string(b[start:end]))
	if cut {
		s += "..."
	}
	return s
}
