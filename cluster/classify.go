package cluster

import (
	"context"
	"errors"
	"strconv"

	"github.com/harp-rpc/harp/rpc"
)

// Outcome is the classification of one attempt's result. The cluster decides health and
// retries from it, reading errors structurally: it imports no wire format and no client.
type Outcome uint8

// Outcomes, from the contracts every harp client follows.
const (
	// OutcomeSuccess is a nil error.
	OutcomeSuccess Outcome = iota
	// OutcomeCancelled is an error while the caller's own context was done, or its deadline had
	// passed by the clock (rpc.Late: a transport may report the deadline a moment before the
	// context's timer fires): the caller gave up, which says nothing about the endpoint's health.
	OutcomeCancelled
	// OutcomeFault is an application answer: the error has a FaultCode() int method. The
	// endpoint is healthy; the call is never retried.
	OutcomeFault
	// OutcomeNotSent is a failure whose NotSent() method reports true: the request provably never
	// reached a server, so it is always safe to retry elsewhere.
	OutcomeNotSent
	// OutcomeTimeout is a failure whose Timeout() method reports true. It is retried only for
	// idempotent methods.
	OutcomeTimeout
	// OutcomeStatus is a failure whose StatusCode() method reports a 5xx status.
	OutcomeStatus
	// OutcomeFailure is any other error. It is retried only for idempotent methods.
	OutcomeFailure
)

// NumOutcomes is the number of Outcome values: EndpointStats.ByOutcome has one count for each.
const NumOutcomes = int(OutcomeFailure) + 1

var outcomeNames = [NumOutcomes]string{"success", "cancelled", "fault", "not sent", "timeout", "status", "failure"}

// String returns the outcome's name, e.g. "not sent".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Failed reports whether the outcome counts against the endpoint's health: every outcome except
// success, cancelled and fault.
func (o Outcome) Failed() bool { return o >= OutcomeNotSent }

// Classify returns the outcome of err, the result of an attempt made for a caller whose context
// is ctx. The order of the checks is the contract: nil, the caller's context done, a fault, not
// sent, timeout, 5xx status, anything else. A 4xx status counts as a failure too (OutcomeFailure):
// the endpoint answered, but not with an RPC answer.
func Classify(ctx context.Context, err error) Outcome {
	if err == nil {
		return OutcomeSuccess
	}
	if ctx != nil && rpc.Late(ctx) != nil {
		return OutcomeCancelled
	}
	var fc interface{ FaultCode() int }
	if errors.As(err, &fc) {
		return OutcomeFault
	}
	var ns interface{ NotSent() bool }
	if errors.As(err, &ns) && ns.NotSent() {
		return OutcomeNotSent
	}
	var to interface{ Timeout() bool }
	if errors.As(err, &to) && to.Timeout() {
		return OutcomeTimeout
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return OutcomeTimeout
	}
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) && sc.StatusCode() >= 500 {
		return OutcomeStatus
	}
	return OutcomeFailure
}

// retryable reports whether an attempt with outcome o may be repeated on another endpoint for a
// method that is (or is not) idempotent: not-sent failures always, other failures only for
// idempotent methods; faults and cancellations never.
func retryable(o Outcome, idempotent bool) bool {
	switch o {
	case OutcomeNotSent:
		return true
	case OutcomeTimeout, OutcomeStatus, OutcomeFailure:
		return idempotent
	}
	return false
}
