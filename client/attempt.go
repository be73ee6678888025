package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// errAttemptTimeout ends a call whose attempt timeout (rpc.WithAttemptTimeout), started once its
// connection was ready, passed: a deadline, so the error is a timeout.
var errAttemptTimeout = fmt.Errorf("client: attempt timeout after connecting: %w", context.DeadlineExceeded)

// attemptState is the clock of rpc.WithAttemptTimeout: armed when the request gets its
// connection, it cancels the request's context when it runs out. It lives in the call's
// callState, so a call with an attempt timeout allocates only the context and the timer.
type attemptState struct {
	// cancel cancels the request's context; nil when the call has no attempt timeout. It is set
	// before the request is handed to net/http and never changed, so it is read unlocked.
	cancel context.CancelCauseFunc
	d      time.Duration
	mu     sync.Mutex
	timer  *time.Timer
	over   bool // the clock ran out
	done   bool // the call returned: arm no more
}

// attemptClock returns the context the request runs under, cancelled d after the request gets
// its connection (or with ctx); stopAttempt stops the clock once the call returns.
func (st *callState) attemptClock(ctx context.Context, d time.Duration) context.Context {
	rctx, cancel := context.WithCancelCause(ctx)
	st.attempt.cancel, st.attempt.d = cancel, d
	return rctx
}

// stopAttempt stops the attempt's clock and releases the request's context: the call returned.
func (st *callState) stopAttempt() {
	a := &st.attempt
	a.mu.Lock()
	a.done = true
	if a.timer != nil {
		a.timer.Stop()
	}
	a.mu.Unlock()
	a.cancel(nil)
}

// armAttempt starts the attempt's clock, once, when the request gets its connection.
func (st *callState) armAttempt() {
	a := &st.attempt
	if a.cancel == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.timer != nil || a.done {
		return
	}
	a.timer = time.AfterFunc(a.d, st.expireAttempt)
}

// expireAttempt ends the attempt: its clock ran out.
func (st *callState) expireAttempt() {
	a := &st.attempt
	a.mu.Lock()
	a.over = true
	a.mu.Unlock()
	a.cancel(errAttemptTimeout)
}

// attemptOver reports whether the attempt's clock ran out.
func (st *callState) attemptOver() bool {
	a := &st.attempt
	if a.cancel == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.over
}

// attemptErr returns err, joined with errAttemptTimeout when the attempt's clock ran out (the
// cancellation net/http reports is then the attempt's deadline).
func (st *callState) attemptErr(err error) error {
	if st.attemptOver() && !errors.Is(err, errAttemptTimeout) {
		return fmt.Errorf("%w: %w", errAttemptTimeout, err)
	}
	return err
}
