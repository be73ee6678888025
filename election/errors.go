package election

import (
	"errors"
	"fmt"
)

// CodeNotMaster is the fault code a standby answers with: the call was refused before it had
// any effect, so it is safe to send again to the master.
const CodeNotMaster = -32010

var (
	// ErrInvalidConfig reports a Config that VerifyConfig refuses; the *ConfigError says why.
	ErrInvalidConfig = errors.New("election: invalid config")
	// ErrNotMaster reports a write or call refused because this instance does not hold the
	// lease. *NotMasterError and *StandbyError wrap it.
	ErrNotMaster = errors.New("election: not master")
	// ErrClosed reports a call on an Election after Close.
	ErrClosed = errors.New("election: closed")
)

// ConfigError reports one invalid Config field. It wraps ErrInvalidConfig.
type ConfigError struct {
	Field  string // the field, e.g. "TTL"
	Reason string // what is wrong with it
}

// Error describes the field and the problem.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("election: invalid config: %s %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// NotMasterError is what a standby's handler returns: a fault with code CodeNotMaster, naming
// the master when one is known. It wraps ErrNotMaster.
type NotMasterError struct {
	Group  string // the election group
	Master string // the master's id, "" when none holds the lease
}

// Error says the instance is not master and who is.
func (e *NotMasterError) Error() string {
	if e.Master == "" {
		return fmt.Sprintf("election: not master of %s (no master now)", e.Group)
	}
	return fmt.Sprintf("election: not master of %s (master is %s)", e.Group, e.Master)
}

// FaultCode returns CodeNotMaster, so servers answer with that fault code.
func (e *NotMasterError) FaultCode() int { return CodeNotMaster }

// Unwrap returns ErrNotMaster.
func (e *NotMasterError) Unwrap() error { return ErrNotMaster }

// StandbyError is what a Caller made by MasterCaller returns for a CodeNotMaster fault: the
// endpoint is a standby and refused the call unapplied. It reports NotSent, so a cluster tries
// another endpoint (safe, since nothing ran), and it is not a fault to the cluster.
type StandbyError struct {
	Method string
	Fault  error // the fault as the client decoded it
}

// Error names the method and quotes the fault.
func (e *StandbyError) Error() string {
	return fmt.Sprintf("election: %s refused by a standby: %v", e.Method, e.Fault)
}

// NotSent reports true: a standby applies nothing, so the call may go elsewhere.
func (e *StandbyError) NotSent() bool { return true }

// Unwrap returns ErrNotMaster only: the fault stays in the Fault field and out of the error
// chain, since a cluster that found it there would read the answer as a fault and stop.
func (e *StandbyError) Unwrap() error { return ErrNotMaster }

// FencedError reports a write the store refused because a newer term began: the writer's
// fencing token is stale. It wraps ErrNotMaster.
type FencedError struct {
	Group string
	Token uint64 // the writer's token
	Err   error  // the store's refusal
}

// Error names the group and the stale token.
func (e *FencedError) Error() string {
	return fmt.Sprintf("election: write to %s fenced off, token %d is stale: %v", e.Group, e.Token, e.Err)
}

// FaultCode returns CodeNotMaster: a fenced write was not applied, so the caller may retry on
// the master.
func (e *FencedError) FaultCode() int { return CodeNotMaster }

// Unwrap returns ErrNotMaster and the store's error.
func (e *FencedError) Unwrap() []error { return []error{ErrNotMaster, e.Err} }
