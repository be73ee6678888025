package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/broker"
)

// listener holds a server's subscriptions and the pool that runs their deliveries.
type listener struct {
	t    *Transport
	subs []*nats.Subscription
	pool *pool
	cc   jetstream.ConsumeContext
}

// pendingMsgs bounds the messages a listener holds for its workers; beyond it NATS drops them
// as a slow consumer's (their callers time out) rather than let memory grow.
const pendingMsgs = 1 << 16

// Listen subscribes a server to its topic's queue group, its own subject and the topic's
// fanout subject, and with cfg.Durable consumes the topic's durable casts; it returns once
// the server's interest is registered with the NATS server (flushed). The subscriptions feed
// one channel that a pool of up to cfg.MaxInFlight workers reads, each running its delivery
// inline (broker.Delivery.Inline): as few hand-offs per call as a plain nats.go responder.
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
	fanout := t.names.subject(kindFanout, tg)
	l := &listener{t: t}
	l.pool = newPool(pendingMsgs, cfg.MaxInFlight, func(nm *nats.Msg) { h(t.delivery(kindOf(nm.Subject, fanout), nm)) })
	fail := func(err error) (broker.Listener, error) {
		l.stopNow()
		return nil, &broker.TransportError{Op: "listen", Target: tg, Err: err}
	}
	for _, s := range []struct{ subject, queue string }{
		{t.names.subject(kindPool, tg), queueGroup},
		{t.names.subject(kindServer, tg), ""},
		{fanout, ""},
	} {
		ns, err := lc.ChanQueueSubscribe(s.subject, s.queue, l.pool.msgs)
		if err != nil {
			return fail(err)
		}
		ns.SetPendingLimits(pendingMsgs, -1)
		l.subs = append(l.subs, ns)
	}
	if !t.track(l) {
		return fail(broker.ErrClosed)
	}
	l.pool.start()
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
	go func() { l.pool.wg.Wait(); close(done) }()
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
func (l *listener) closeMsgs() { l.pool.close() }

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
