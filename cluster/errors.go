package cluster

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Errors returned by this package wrap them, so callers test with errors.Is.
var (
	// ErrNoEndpoints reports a cluster with no endpoint to call: the resolver returned none, or
	// every endpoint was removed. Such a call is never sent.
	ErrNoEndpoints = errors.New("cluster: no endpoints")
	// ErrClosed reports a call made after Close. Such a call is never sent.
	ErrClosed = errors.New("cluster: cluster is closed")
	// ErrUnknownPolicy reports a policy name that no Register call has registered.
	ErrUnknownPolicy = errors.New("cluster: unknown policy")
	// ErrInvalidConfig reports a Config that VerifyConfig refuses; the *ConfigError says why.
	ErrInvalidConfig = errors.New("cluster: invalid config")
	// ErrBudgetExhausted reports a retry that the retry budget refused: retries already reached
	// their share of calls. The error of the last attempt is wrapped alongside.
	ErrBudgetExhausted = errors.New("cluster: retry budget exhausted")
	// ErrNilContext reports a call made with a nil context.Context.
	ErrNilContext = errors.New("cluster: nil Context")
	// ErrNilFactory reports New called without a factory.
	ErrNilFactory = errors.New("cluster: nil factory")
)

// ConfigError reports one invalid Config field. It wraps ErrInvalidConfig.
type ConfigError struct {
	Field  string // the field, e.g. "Retry.BudgetRatio"
	Reason string // what is wrong with it
}

// Error describes the field and the problem.
func (e *ConfigError) Error() string {
	return "cluster: invalid config: " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Attempt describes one try of a call on one endpoint.
type Attempt struct {
	URL      string        // the endpoint tried
	Err      error         // nil for success; a fault or a transport error otherwise
	Outcome  Outcome       // how Err was classified
	Duration time.Duration // how long the attempt took
}

// CallError reports a call that failed on every attempt the cluster made. Err is the last
// attempt's error (unwrapped by errors.Is and errors.As, so a caller still finds the client's
// typed error and its NotSent, Timeout and StatusCode methods), Attempts lists every try in
// order. A remote fault is never wrapped in a CallError: it is returned as it came.
type CallError struct {
	Method   string    // the method called
	Attempts []Attempt // every attempt, in order
	Err      error     // the last attempt's error, or the reason no attempt was made
	// Reason, when not empty, says why the cluster stopped retrying: "not idempotent",
	// "attempts exhausted", "retry budget exhausted", "context done", "failfast".
	Reason string
}

// Error describes the method, the number of attempts, the reason retrying stopped and the last
// error.
func (e *CallError) Error() string {
	var b strings.Builder
	b.WriteString("cluster: ")
	b.WriteString(e.Method)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(len(e.Attempts)))
	if len(e.Attempts) == 1 {
		b.WriteString(" attempt")
	} else {
		b.WriteString(" attempts")
	}
	if e.Reason != "" {
		b.WriteString(" (")
		b.WriteString(e.Reason)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the last error, and ErrBudgetExhausted when the budget stopped the retries.
func (e *CallError) Unwrap() []error {
	errs := []error{e.Err}
	if e.Reason == reasonBudget {
		errs = append(errs, ErrBudgetExhausted)
	}
	return errs
}

// NotSent reports whether no attempt of the call can have reached a server, so the whole call
// can be repeated safely.
func (e *CallError) NotSent() bool {
	for _, a := range e.Attempts {
		if a.Outcome != OutcomeNotSent {
			return false
		}
	}
	return true
}

// Timeout reports whether the last attempt ended in a timeout.
func (e *CallError) Timeout() bool {
	return len(e.Attempts) > 0 && e.Attempts[len(e.Attempts)-1].Outcome == OutcomeTimeout
}

// StatusCode returns the HTTP status of the last attempt's answer, 0 when there was none.
func (e *CallError) StatusCode() int {
	if sc, ok := e.Err.(interface{ StatusCode() int }); ok {
		return sc.StatusCode()
	}
	return 0
}

// reasons a call stops retrying
const (
	reasonNotIdempotent = "not idempotent"
	reasonAttempts      = "attempts exhausted"
	reasonBudget        = "retry budget exhausted"
	reasonContext       = "context done"
	reasonFailfast      = "failfast"
	reasonNoEndpoint    = "no endpoint left"
)

// BroadcastError reports a broadcast call that failed on at least one endpoint. Results holds
// every endpoint's result, successful or not.
type BroadcastError struct {
	Method  string
	Results []Result
}

// Error says how many endpoints failed and quotes the first failure.
func (e *BroadcastError) Error() string {
	n, first := 0, error(nil)
	for _, r := range e.Results {
		if r.Err != nil {
			if first == nil {
				first = r.Err
			}
			n++
		}
	}
	s := "cluster: broadcast " + e.Method + ": " + strconv.Itoa(n) + " of " + strconv.Itoa(len(e.Results)) + " endpoints failed"
	if first != nil {
		s += ": " + first.Error()
	}
	return s
}

// Unwrap returns every endpoint's error.
func (e *BroadcastError) Unwrap() []error {
	var errs []error
	for _, r := range e.Results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errs
}
