package rpc

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// abandonGrace is how long a call past its deadline may still answer before it is abandoned.
const abandonGrace = 20 * time.Millisecond

// Serve answers body with codec c (one of the server's, from Codec or Pick), appending the answer
// to dst. The calls run under ctx, bounded by the server's CallTimeout; a transport that carries
// the caller's deadline (TimeoutHeader) puts it on ctx first, and the earlier of the two holds.
//
// With a CallTimeout, the calls run in a goroutine of their own; one that has not answered by the
// deadline (the call timeout's, or ctx's when that is earlier) and a short grace is abandoned:
// Serve answers a timeout fault, and kept is false, which tells the transport that the abandoned
// handler may still write to dst's memory, so dst must not be reused. Abandoned counts such
// handlers until they return. Without a CallTimeout the calls run in the caller's goroutine, kept
// is always true, and a deadline on ctx reaches the handlers through their context only: a
// caller's deadline alone never costs a goroutine per call.
func (s *Server) Serve(ctx context.Context, c ServerCodec, body, dst []byte) (resp []byte, sum Summary, kept bool) {
	if s.timeout <= 0 {
		resp, sum = s.serve(ctx, c, body, dst)
		return resp, sum, true
	}
	own := false // the deadline is the call timeout's, not the caller's
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > s.timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
		own = true
	}
	return s.serveBounded(ctx, c, body, dst, own)
}

// serve runs c over the server's Dispatcher; the server's own JSON-RPC codec uses the handler
// it bound once.
func (s *Server) serve(ctx context.Context, c ServerCodec, body, dst []byte) ([]byte, Summary) {
	if j, ok := c.(*jsonServerCodec); ok && j.owner == s {
		return j.serve(ctx, j.handler, body, dst)
	}
	return c.Serve(ctx, s.d, body, dst)
}

// serveBounded runs the calls in a goroutine and abandons them at ctx's end.
func (s *Server) serveBounded(ctx context.Context, c ServerCodec, body, dst []byte, own bool) ([]byte, Summary, bool) {
	type result struct {
		resp []byte
		sum  Summary
	}
	const (
		running = iota
		finished
		abandoned
	)
	var state atomic.Int32
	done := make(chan result, 1)
	go func() {
		resp, sum := s.serve(ctx, c, body, dst)
		if !state.CompareAndSwap(running, finished) {
			s.abandoned.Add(-1) // the count taken for it when it was abandoned
			return
		}
		done <- result{resp, sum}
	}()
	select {
	case res := <-done:
		return res.resp, res.sum, true
	case <-ctx.Done():
	}
	// A handler that honours its context answers at once: give it that moment.
	grace := time.NewTimer(abandonGrace)
	defer grace.Stop()
	select {
	case res := <-done:
		return res.resp, res.sum, true
	case <-grace.C:
	}
	s.abandoned.Add(1)
	if !state.CompareAndSwap(running, abandoned) { // it answered just in time
		s.abandoned.Add(-1)
		res := <-done
		return res.resp, res.sum, true
	}
	msg := "internal error: the call did not finish within its caller's deadline"
	if own {
		msg = "internal error: the call did not finish within " + s.timeout.String()
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		msg = "internal error: the call was cancelled"
	}
	sum := peekSummary(c, body, CodeInternalError)
	s.log.LogAttrs(ctx, slog.LevelWarn, "rpc: call abandoned at its deadline", slog.String("method", sum.Method),
		slog.Duration("timeout", s.timeout), slog.String("request_id", RequestID(ctx)))
	return c.AppendFault(nil, CodeInternalError, msg), sum, false
}
