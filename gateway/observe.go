package gateway

import "time"

// Outcome is how the gateway answered one call.
type Outcome string

// Outcomes, as the metrics label them.
const (
	OutcomeOK       Outcome = "ok"       // a backend's result
	OutcomeFault    Outcome = "fault"    // a backend's fault or error object: a healthy answer
	OutcomeError    Outcome = "error"    // a backend failed (502), or none could be reached (503)
	OutcomeTimeout  Outcome = "timeout"  // the call's deadline passed (504)
	OutcomeOverload Outcome = "overload" // the pool was full: refused at once (503)
	OutcomeRefused  Outcome = "refused"  // malformed or unroutable: answered by the gateway
)

// CallInfo describes one answered request for an Observer. A split multicall or batch is
// reported once per pool part.
type CallInfo struct {
	Route    string // the route's name, "" when none took the call
	Pool     string // the pool's name, "" when none
	Method   string // the method, or "system.multicall" / "batch"
	Protocol string // "xmlrpc" or "jsonrpc"
	Outcome  Outcome
	Duration time.Duration
}

// Observer is told of every request the gateway answers; it must be safe for concurrent use and
// return quickly, since it runs on the request's goroutine.
type Observer interface {
	ObserveCall(info *CallInfo)
}
