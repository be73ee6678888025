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
// connection, it cancels the request's context when it runs out.
type attemptState struct {
	mu     sync.Mutex
	d      time.Duration
	cancel context.CancelCauseFunc
	timer  *time.Timer
	over   bool // the clock ran out
	done   bool // the call returned: arm no more
}

// attemptClock returns the context the request runs under, cancelled d after the request gets
// its connection (or with ctx), and the function that stops the clock once the call returns.
func (st *callState) attemptClock(ctx context.Context, d time.Duration) (context.Context, func()) {
	rctx, cancel := context.WithCancelCause(ctx)
	st.attempt = &attemptState{d: d, cancel: cancel}
	return rctx, func() {
		a := st.attempt
		a.mu.Lock()
		a.done = true
		if a.timer != nil {
			a.timer.Stop()
		}
		a.mu.Unlock()
		cancel(nil)
	}
}

// armAttempt starts the attempt's clock, once, when the request gets its connection.
func (st *callState) armAttempt() {
	a := st.attempt
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.timer != nil || a.done {
		return
	}
	a.timer = time.AfterFunc(a.d, func() {
		a.mu.Lock()
		a.over = true
		a.mu.Unlock()
		a.cancel(errAttemptTimeout)
	})
}

// attemptOver reports whether the attempt's clock ran out.
func (st *callState) attemptOver() bool {
	a := st.attempt
	if a == nil {
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
