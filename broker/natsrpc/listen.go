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

// listener holds a server's subscriptions.
type listener struct {
	t    *Transport
	subs []*nats.Subscription
	cc   jetstream.ConsumeContext
}

// Listen subscribes a server to its topic's queue group, its own subject and the topic's
// fanout subject, and with cfg.Durable consumes the topic's durable casts; it returns once
// the server's interest is registered with the NATS server (flushed).
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
	l := &listener{t: t}
	lc, ljs, err := t.listenConn()
	if err != nil {
		return nil, &broker.TransportError{Op: "listen", Target: tg, Err: err}
	}
	fail := func(err error) (broker.Listener, error) {
		l.stopNow()
		return nil, &broker.TransportError{Op: "listen", Target: tg, Err: err}
	}
	type sub struct {
		subject, queue string
		kind           broker.Kind
	}
	ft := tg
	ft.Fanout = true
	for _, s := range []sub{
		{t.names.subject(kindPool, tg), queueGroup, broker.KindCast},
		{t.names.subject(kindServer, tg), "", broker.KindCast},
		{t.names.subject(kindFanout, tg), "", broker.KindFanout},
	} {
		ns, err := lc.QueueSubscribe(s.subject, s.queue, t.onMsg(s.kind, h))
		if err != nil {
			return fail(err)
		}
		l.subs = append(l.subs, ns)
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

// onMsg is the NATS handler of a subscription whose casts are of kind: a message with a
// reply subject is a call, answered on the main connection (see listenConn).
func (t *Transport) onMsg(kind broker.Kind, h broker.Handler) nats.MsgHandler {
	return func(nm *nats.Msg) {
		d := &broker.Delivery{Message: t.message(nm.Header, nm.Data), Kind: kind, Attempt: 1}
		if nm.Reply != "" {
			d.Kind = broker.KindCall
		}
		method := d.Method
		d.Done = func(answer []byte, _ error) error {
			if nm.Reply == "" {
				return nil
			}
			if err := t.nc.Publish(nm.Reply, answer); err != nil {
				return &broker.TransportError{Op: "reply", Method: method, Sent: true, Err: err}
			}
			return nil
		}
		h(d)
	}
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
	if l.cc != nil {
		select {
		case <-l.cc.Closed():
		case <-ctx.Done():
			return fmt.Errorf("natsrpc: stop: %w", ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// stopNow drops the subscriptions at once (a Listen that failed half-way).
func (l *listener) stopNow() {
	for _, s := range l.subs {
		s.Unsubscribe()
	}
	if l.cc != nil {
		l.cc.Stop()
	}
}
