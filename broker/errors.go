package broker

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors. Errors of this package and of its transports wrap them; test with errors.Is.
var (
	// ErrNoServer: nobody serves the target; the message was neither taken nor run.
	ErrNoServer = errors.New("broker: nobody serves the target")
	// ErrInvalidTarget: a Target that Verify refuses.
	ErrInvalidTarget = errors.New("broker: invalid target")
	// ErrInvalidConfig: a ClientConfig or ServerConfig (or a transport's config) that is refused.
	ErrInvalidConfig = errors.New("broker: invalid config")
	// ErrUnsupported: something the transport cannot do (a durable cast on a transport without,
	// a fanout call, an unknown URL scheme); nothing was sent.
	ErrUnsupported = errors.New("broker: unsupported")
	// ErrClosed: the transport, client or server was closed or stopped; nothing was sent.
	ErrClosed = errors.New("broker: closed")
	// ErrStopping: the server is stopping and did not run the delivery (a durable cast is
	// redelivered to another server).
	ErrStopping = errors.New("broker: server stopping")
)

// NoServerError reports that nobody serves Target (NATS's "no responders"): the message
// provably reached no server, so NotSent is true and a cluster or a retry may send it elsewhere.
type NoServerError struct {
	Target Target
	Method string
}

// Error says which target nobody serves.
func (e *NoServerError) Error() string {
	return fmt.Sprintf("broker: %s to %s: nobody serves the target", e.Method, e.Target)
}

// Is reports ErrNoServer.
func (e *NoServerError) Is(target error) bool { return target == ErrNoServer }

// NotSent returns true: no server got the message.
func (e *NoServerError) NotSent() bool { return true }

// Timeout returns false.
func (e *NoServerError) Timeout() bool { return false }

// StatusCode returns 0.
func (e *NoServerError) StatusCode() int { return 0 }

// TimeoutError reports a call whose answer did not come before its deadline. A server may have
// taken it and may still run it: NotSent is false. It unwraps to context.DeadlineExceeded.
type TimeoutError struct {
	Target Target
	Method string
}

// Error says which call timed out.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("broker: %s to %s: timed out waiting for the answer", e.Method, e.Target)
}

// Unwrap returns context.DeadlineExceeded.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// NotSent returns false: a server may have taken the call.
func (e *TimeoutError) NotSent() bool { return false }

// Timeout returns true.
func (e *TimeoutError) Timeout() bool { return true }

// StatusCode returns 0.
func (e *TimeoutError) StatusCode() int { return 0 }

// TransportError reports a failure of the broker connection (not a fault, not a timeout of the
// answer): publishing, subscribing, a lost connection, the context cancelled.
type TransportError struct {
	Op     string // "call", "cast", "listen", "reply", "ack"
	Target Target
	Method string
	// Sent reports whether the message may have reached a server; false only when it provably
	// did not (the connection was closed before publishing, the publish itself failed).
	Sent bool
	Err  error
}

// Error describes the failure.
func (e *TransportError) Error() string {
	s := fmt.Sprintf("broker: %s %s to %s: %v", e.Op, e.Method, e.Target, e.Err)
	if !e.Sent {
		s += " (not sent)"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// NotSent reports whether the message provably reached no server.
func (e *TransportError) NotSent() bool { return !e.Sent }

// Timeout reports whether the cause was a deadline.
func (e *TransportError) Timeout() bool { return errors.Is(e.Err, context.DeadlineExceeded) }

// StatusCode returns 0.
func (e *TransportError) StatusCode() int { return 0 }

// Fault is what a remote fault looks like whatever its wire format: *xmlrpc.Fault and
// *jsonrpc.Error both implement it, and a Client returns them unwrapped, as rpc.Client does.
type Fault interface {
	error
	FaultCode() int
	FaultString() string
}

// AsFault returns the remote fault in err's chain, if there is one: the server's method failed
// and answered it; the call was delivered and run.
func AsFault(err error) (Fault, bool) {
	var f Fault
	ok := errors.As(err, &f)
	return f, ok
}
