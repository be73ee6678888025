package state

import (
	"errors"
	"fmt"
)

// Fault codes the service answers with, beside election.CodeNotMaster (-32010: a standby, or a
// master whose term ended; nothing was applied).
const (
	// CodeNotFound: get of a missing key without a default.
	CodeNotFound = -32020
	// CodeConflict: a compare-and-set whose revision is not the key's, or an incr of a value
	// that is not an integer. Nothing was applied.
	CodeConflict = -32021
	// CodeInvalid: a bad key, value, option or idempotency key; or an idempotency key already
	// used for another operation. Nothing was applied.
	CodeInvalid = -32022
	// CodeUncertain: the store did not confirm the write in time. It may have been applied; a
	// retry with the same idempotency key is applied at most once.
	CodeUncertain = -32023
	// CodeRetry: nothing was applied, and a retry is safe: the store refused the write as it
	// raced another change, or could not be read in time before anything was written.
	CodeRetry = -32024
)

var (
	// ErrInvalidConfig reports a Config that VerifyConfig refuses; the *ConfigError says why.
	ErrInvalidConfig = errors.New("state: invalid config")
	// ErrClosed reports a call after Close.
	ErrClosed = errors.New("state: closed")
)

// ConfigError reports one invalid Config field. It wraps ErrInvalidConfig.
type ConfigError struct {
	Field  string // the field, e.g. "MaxValueSize"
	Reason string // what is wrong with it
}

// Error describes the field and the problem.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("state: invalid config: %s %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Fault is an error the service answers with as a fault of Code; the calling side sees it as
// the protocol's fault (*xmlrpc.Fault, *jsonrpc.Error) with the same code and message.
type Fault struct {
	Code int
	Msg  string
}

// Error returns the message, prefixed with the package name.
func (f *Fault) Error() string { return "state: " + f.Msg }

// FaultCode returns Code.
func (f *Fault) FaultCode() int { return f.Code }

func faultf(code int, format string, a ...any) *Fault {
	return &Fault{Code: code, Msg: fmt.Sprintf(format, a...)}
}
