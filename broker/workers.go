package broker

import (
	"context"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// workerIdle is how long an idle worker waits for a delivery before it exits.
const workerIdle = 10 * time.Second

// handle is the transport's Handler: it runs an Inline delivery in the calling goroutine, and
// hands any other to an idle worker, or starts one while fewer than MaxInFlight run, or else
// waits for one to be free, which holds the transport back.
// Workers live on between deliveries, so a busy server neither starts a goroutine nor grows
// its stack per call.
func (s *Server) handle(d *Delivery) {
	if d.Inline { // the transport bounds and spreads the deliveries itself
		s.serve(d)
		return
	}
	select {
	case s.work <- d:
		return
	default:
	}
	var stopping <-chan struct{}
	if d.Durable {
		stopping = s.stopping
	}
	for {
		s.mu.Lock()
		if s.workers < s.cfg.MaxInFlight {
			s.workers++
			s.running.Add(1)
			s.mu.Unlock()
			go s.worker(d)
			return
		}
		s.mu.Unlock()
		t := time.NewTimer(10 * time.Millisecond) // a worker may have gone idle meanwhile
		select {
		case s.work <- d:
			t.Stop()
			return
		case <-stopping:
			t.Stop()
			s.refuse(d)
			return
		case <-s.quit: // a late delivery of a forced stop
			t.Stop()
			s.refuse(d)
			return
		case <-t.C:
		}
	}
}

// worker serves d, then every delivery handed to it, until it has been idle for workerIdle or
// the server has stopped.
func (s *Server) worker(d *Delivery) {
	defer s.running.Done()
	s.serve(d)
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		select {
		case d := <-s.work:
			s.serve(d)
			idle.Reset(workerIdle)
		case <-idle.C:
			s.retire()
			return
		case <-s.quit:
			s.retire()
			return
		}
	}
}

func (s *Server) retire() {
	s.mu.Lock()
	s.workers--
	s.mu.Unlock()
}

// refuse hands a delivery back: a durable cast to the broker for redelivery, anything else
// answered by nothing (the server stopped before it could run it).
func (s *Server) refuse(d *Delivery) {
	s.refused.Add(1)
	if err := d.Done(nil, ErrStopping); err != nil {
		s.log.Warn("broker: handing back a delivery", "target", s.cfg.Target.String(), "method", d.Method, "err", err)
	}
}

// serve runs d through the serving core and completes it.
func (s *Server) serve(d *Delivery) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if d.Durable {
		select {
		case <-s.stopping: // taken but not begun: another server may run it now
			s.refuse(d)
			return
		default:
		}
	}
	ctx := s.base
	if d.RequestID != "" {
		ctx = rpc.WithRequestID(ctx, d.RequestID)
	}
	if d.Context != nil {
		ctx = WithContext(ctx, d.Context)
	}
	if d.Timeout > 0 {
		// Lazy: a handler that never waits on its context costs no timer.
		var cancel context.CancelFunc
		ctx, cancel = rpc.WithLazyDeadline(ctx, time.Now().Add(d.Timeout))
		defer cancel()
	}
	codec := s.core.Codec(d.Protocol)
	if codec == nil {
		codec = s.core.Pick(nil, "", d.Body)
	}
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	answer, sum, kept := s.core.Serve(ctx, codec, d.Body, (*bp)[:0])
	var err error
	out := answer
	if sum.Code != 0 {
		s.faults.Add(1)
	}
	if d.Kind == KindCall {
		s.calls.Add(1)
	} else {
		s.casts.Add(1)
		if sum.Code != 0 {
			err = &CastFaultError{Method: sum.Method, Code: sum.Code}
		}
		out = nil
	}
	if derr := d.Done(out, err); derr != nil {
		s.log.Warn("broker: completing a delivery", "target", s.cfg.Target.String(), "kind", d.Kind.String(), "method", d.Method, "err", derr)
	}
	if kept && cap(answer) <= 64<<10 {
		*bp = answer[:0]
		s.bufs.Put(bp)
	}
}
