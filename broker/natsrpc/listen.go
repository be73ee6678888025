package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/broker"
)

// listener holds a server's subscriptions and the workers that run their deliveries.
type listener struct {
	t       *Transport
	subs    []*nats.Subscription
	msgs    chan *nats.Msg // what the subscriptions deliver, for the workers
	workers sync.WaitGroup
	cc      jetstream.ConsumeContext
	once    sync.Once
}

// pendingMsgs bounds the messages a listener holds for its workers; beyond it NATS drops them
// as a slow consumer's (their callers time out) rather than let memory grow.
const pendingMsgs = 1 << 16

// Listen subscribes a server to its topic's queue group, its own subject and the topic's
// fanout subject, and with cfg.Durable consumes the topic's durable casts; it returns once
// the server's interest is registered with the NATS server (flushed). The subscriptions feed
// one channel that cfg.MaxInFlight workers read, each running its delivery inline
// (broker.Delivery.Inline): as few hand-offs per call as a plain nats.go responder, and a slow
// call holds only its own worker.
func (t *Transport) Listen(ctx context.Context, cfg broker.ListenConfig, h broker.Handler) (broker.Listener, error) {
	tg := cfg.Target
	tg.Fanout = false
	if err := tg.Verify(); err != nil {
		return nil, err
	}
	if tg.Server == "" {
		return nil, fmt.Errorf("%w: natsrpc: a listener needs a server name", broker.ErrInvalidConfig)
	}
	if cfg.MaxInFlight <= 0 {
		return nil, fmt.Errorf("%w: natsrpc: MaxInFlight must be positive", broker.ErrInvalidConfig)
	}
	lc, ljs, err := t.listenConn()
	if err != nil {
		return nil, &broker.TransportError{Op: "listen", Target: tg, Err: err}
	}
	l := &listener{t: t, msgs: make(chan *nats.Msg, pendingMsgs)}
	fail := func(err error) (broker.Listener, error) {
		l.stopNow()
		return nil, &broker.TransportError{Op: "listen", Target: tg, Err: err}
	}
	fanout := t.names.subject(kindFanout, tg)
	for _, s := range []struct{ subject, queue string }{
		{t.names.subject(kindPool, tg), queueGroup},
		{t.names.subject(kindServer, tg), ""},
		{fanout, ""},
	} {
		ns, err := lc.ChanQueueSubscribe(s.subject, s.queue, l.msgs)
		if err != nil {
			return fail(err)
		}
		ns.SetPendingLimits(pendingMsgs, -1)
		l.subs = append(l.subs, ns)
	}
	if !t.track(l) {
		return fail(broker.ErrClosed)
	}
	for range cfg.MaxInFlight {
		l.workers.Add(1)
		go l.work(fanout, h)
	}
	fctx, cancel := context.WithTimeout(ctx, t.cfg.ConnectTimeout)
	err = lc.FlushWithContext(fctx)
	cancel()
	if err != nil {
		return fail(err)
	}
	if cfg.Durable {
		cc, err := t.consume(ctx, ljs, tg, cfg.MaxInFlight, h)
		if err != nil {
			return fail(err)
		}
		l.cc = cc
	}
	return l, nil
}

// work runs the deliveries of l's subscriptions until their channel is closed.
func (l *listener) work(fanout string, h broker.Handler) {
	defer l.workers.Done()
	for nm := range l.msgs {
		kind := broker.KindCast
		if nm.Subject == fanout {
			kind = broker.KindFanout
		}
		h(l.t.delivery(kind, nm))
	}
}

// delivery turns nm into a Delivery of kind: a message with a reply subject is a call,
// answered on the connection it came in on.
func (t *Transport) delivery(kind broker.Kind, nm *nats.Msg) *broker.Delivery {
	d := &broker.Delivery{Message: t.message(nm.Header, nm.Data), Kind: kind, Attempt: 1, Inline: true}
	if nm.Reply != "" {
		d.Kind = broker.KindCall
	}
	method := d.Method
	d.Done = func(answer []byte, _ error) error {
		if nm.Reply == "" {
			return nil
		}
		if err := nm.Respond(answer); err != nil {
			return &broker.TransportError{Op: "reply", Method: method, Sent: true, Err: err}
		}
		return nil
	}
	return d
}

// Stop drains the subscriptions: what the NATS client already holds for them is still handed
// to the handler, nothing more is taken; it returns when that is done, or ctx ends.
func (l *listener) Stop(ctx context.Context) error {
	var errs []error
	for _, s := range l.subs {
		if err := s.Drain(); err != nil && !errors.Is(err, nats.ErrBadSubscription) && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
	if l.cc != nil {
		l.cc.Drain()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for _, s := range l.subs {
		for s.IsValid() {
			select {
			case <-ctx.Done():
				return fmt.Errorf("natsrpc: stop: %w", ctx.Err())
			case <-tick.C:
			}
		}
	}
	l.closeMsgs()
	l.t.untrack(l)
	done := make(chan struct{})
	go func() { l.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("natsrpc: stop: %w", ctx.Err())
	}
	if l.cc != nil {
		select {
		case <-l.cc.Closed():
		case <-ctx.Done():
			return fmt.Errorf("natsrpc: stop: %w", ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// closeMsgs ends the workers once they have run what the channel holds: the subscriptions are
// closed, so nothing more is written to it.
func (l *listener) closeMsgs() { l.once.Do(func() { close(l.msgs) }) }

// stopNow drops the subscriptions at once (a Listen that failed half-way).
func (l *listener) stopNow() {
	defer l.t.untrack(l)
	for _, s := range l.subs {
		s.Unsubscribe()
	}
	l.closeMsgs()
	if l.cc != nil {
		l.cc.Stop()
	}
}
