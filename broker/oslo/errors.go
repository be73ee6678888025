package oslo

import (
	"errors"
	"strconv"
	"time"
)

var (
	// ErrInvalidConfig reports a Config or ClientConfig that VerifyConfig refuses.
	ErrInvalidConfig = errors.New("oslo: invalid config")
	// ErrInvalidTarget reports a call on a fanout target (oslo's InvalidTarget): a fanout
	// reaches every server and has no one answer.
	ErrInvalidTarget = errors.New("oslo: a call cannot be fanned out")
	// ErrClosed reports an operation on a closed Client or a stopped Server.
	ErrClosed = errors.New("oslo: closed")
	// ErrPositional reports a JSON-RPC request with positional params given to the Transport:
	// oslo.messaging calls take keyword arguments only.
	ErrPositional = errors.New("oslo: positional params cannot travel as oslo keyword arguments")
)

// EnvelopeError reports a message body that is not a readable oslo.messaging envelope 2.0
// (or bare 1.0 message): not JSON, an unsupported version, a field of the wrong type.
type EnvelopeError struct {
	Msg string
	Err error
}

// Error describes what is wrong with the body.
func (e *EnvelopeError) Error() string {
	if e.Err != nil {
		return "oslo: envelope: " + e.Msg + ": " + e.Err.Error()
	}
	return "oslo: envelope: " + e.Msg
}

// Unwrap returns the decoding error, if any.
func (e *EnvelopeError) Unwrap() error { return e.Err }

// RemoteError is a call that reached a server whose method failed: the failure it answered
// and the fault code it maps to (Failure.Code). It is an answer, never a transport failure.
type RemoteError struct {
	Method  string
	Code    int
	Failure Failure
}

// Error names the method, the exception's class, the fault code and the message.
func (e *RemoteError) Error() string {
	return "oslo: " + e.Method + ": remote " + e.Failure.Class + " (" + strconv.Itoa(e.Code) + "): " + e.Failure.Message
}

// FaultCode returns the fault's code, so that a harp server re-raising it keeps it.
func (e *RemoteError) FaultCode() int { return e.Code }

// FaultString returns the fault's message as a harp caller sees it.
func (e *RemoteError) FaultString() string { return e.Failure.FaultMessage() }

// TimeoutError reports a call whose reply did not come in time: its context's deadline, the
// client's Timeout, or the call monitor's (no heartbeat). The call may have run.
type TimeoutError struct {
	Method string
	MsgID  string
	After  time.Duration
}

// Error says which call timed out, as oslo's MessagingTimeout does.
func (e *TimeoutError) Error() string {
	return "oslo: " + e.Method + ": timed out after " + e.After.Round(time.Millisecond).String() +
		" waiting for a reply to message ID " + e.MsgID
}

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }

// NotSent reports false: the call may have reached a server.
func (e *TimeoutError) NotSent() bool { return false }

// UnroutableError reports a message the broker returned because no queue is bound to its
// routing key: nobody serves the topic (or server). It never reached a server.
type UnroutableError struct {
	Exchange   string
	RoutingKey string
}

// Error says which routing key nobody serves.
func (e *UnroutableError) Error() string {
	return "oslo: nobody serves " + strconv.Quote(e.RoutingKey) + " on exchange " + strconv.Quote(e.Exchange)
}

// NotSent reports true: no server got the message.
func (e *UnroutableError) NotSent() bool { return true }

// TransportError reports a broker connection or channel failure during Op. Sent tells whether
// the message may have reached the broker before it; NotSent is its negation.
type TransportError struct {
	Op   string
	Sent bool
	Err  error
}

// Error describes the operation and the failure.
func (e *TransportError) Error() string { return "oslo: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the underlying failure.
func (e *TransportError) Unwrap() error { return e.Err }

// NotSent reports whether the message provably never reached the broker.
func (e *TransportError) NotSent() bool { return !e.Sent }
