package oslo

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// call publishes req to t and waits for its replies.
func (cc *clientCore) call(ctx context.Context, t Target, req *Request) (json.RawMessage, error) {
	replyQ, err := cc.replyQueue(ctx)
	if err != nil {
		return nil, err
	}
	req.MsgID, req.ReplyQueue = uuidHex(), replyQ
	monitor := cc.cfg.MonitorTimeout
	req.MonitorTimeout = int(monitor / time.Second)
	body, err := AppendRequest(nil, req)
	if err != nil {
		return nil, err
	}
	w := &waiter{replies: make(chan *Reply, 16), gone: make(chan struct{})}
	if err := cc.register(req.MsgID, w); err != nil {
		return nil, err
	}
	defer cc.unregister(req.MsgID)
	timeout := cc.timeoutFor(ctx)
	if timeout <= 0 {
		return nil, &TimeoutError{Method: req.Method, MsgID: req.MsgID}
	}
	start := time.Now()
	exchange, key := routing(t)
	if err := cc.pub.publish(ctx, exchange, key, cc.cfg.Mandatory, props(body, timeout), nil); err != nil {
		return nil, err
	}
	return cc.wait(ctx, req, w, start, timeout)
}

// wait reads the call's replies until the final one, the deadline, or the call monitor's
// silence; the last non-null result wins, as in oslo.
func (cc *clientCore) wait(ctx context.Context, req *Request, w *waiter, start time.Time, timeout time.Duration) (json.RawMessage, error) {
	deadline := time.NewTimer(time.Until(start.Add(timeout)))
	defer deadline.Stop()
	var silence <-chan time.Time
	if m := cc.cfg.MonitorTimeout; m > 0 {
		t := time.NewTimer(m)
		defer t.Stop()
		silence = t.C
		w.onBeat = func() { t.Reset(m) }
	}
	var result json.RawMessage
	for {
		select {
		case <-w.gone:
			return nil, cc.closedErr(req)
		case r := <-w.replies:
			if r.Failure != nil {
				return nil, &RemoteError{Method: req.Method, Code: r.Failure.Code(cc.cfg.AppCode), Failure: *r.Failure}
			}
			if r.Result != nil {
				result = r.Result
			}
			if r.Ending {
				return result, nil
			}
			if w.onBeat != nil {
				w.onBeat()
			}
		case <-deadline.C:
			return nil, &TimeoutError{Method: req.Method, MsgID: req.MsgID, After: time.Since(start)}
		case <-silence:
			return nil, &TimeoutError{Method: req.Method, MsgID: req.MsgID, After: time.Since(start)}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, &TimeoutError{Method: req.Method, MsgID: req.MsgID, After: time.Since(start)}
			}
			return nil, &TransportError{Op: req.Method, Sent: true, Err: ctx.Err()}
		}
	}
}

// closedErr says why a waiter's replies ended: the client closed, or its reply connection lost.
func (cc *clientCore) closedErr(req *Request) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return ErrClosed
	}
	return &TransportError{Op: "reply to " + req.Method, Sent: true, Err: errors.New("reply connection lost")}
}

func (cc *clientCore) register(id string, w *waiter) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return ErrClosed
	}
	cc.waiters[id] = w
	return nil
}

func (cc *clientCore) unregister(id string) {
	cc.mu.Lock()
	delete(cc.waiters, id)
	cc.mu.Unlock()
}

// replyQueue returns the client's reply queue, declaring it and starting its consumer on a
// connection of its own at the first call (or again after that connection was lost).
func (cc *clientCore) replyQueue(ctx context.Context) (string, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return "", ErrClosed
	}
	if cc.listen != nil {
		return cc.replyQ, nil
	}
	if cc.replyQ == "" {
		cc.replyQ = newReplyQueue()
	}
	conn, err := dial(ctx, cc.url, cc.cfg.Heartbeat, "reply")
	if err != nil {
		return "", err
	}
	ds, err := consumeReplies(conn, cc.replyQ, cc.cfg.QueueTTL)
	if err != nil {
		conn.Close()
		return "", err
	}
	cc.listen = conn
	go cc.readReplies(conn, ds)
	return cc.replyQ, nil
}

// consumeReplies declares the reply queue as oslo does and consumes it, acking each reply.
func consumeReplies(conn *amqp.Connection, q string, ttl time.Duration) (<-chan amqp.Delivery, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, &TransportError{Op: "open reply channel", Err: err}
	}
	if err := declareQueue(ch, q, ttl); err != nil {
		return nil, &TransportError{Op: "declare reply queue " + q, Err: err}
	}
	ds, err := ch.Consume(q, "harp-"+uuidHex(), false, false, false, false, nil)
	if err != nil {
		return nil, &TransportError{Op: "consume " + q, Err: err}
	}
	return ds, nil
}

// readReplies hands each reply to its call until the connection ends; replies for calls no
// longer waiting are dropped, as oslo drops them.
func (cc *clientCore) readReplies(conn *amqp.Connection, ds <-chan amqp.Delivery) {
	for d := range ds {
		_ = d.Ack(false)
		if int64(len(d.Body)) > cc.cfg.MaxBodySize {
			cc.logger().Warn("oslo: reply over the size limit dropped", "bytes", len(d.Body))
			continue
		}
		r, err := ParseReply(d.Body)
		if err != nil {
			cc.logger().Warn("oslo: unreadable reply dropped", "err", err)
			continue
		}
		cc.mu.Lock()
		w := cc.waiters[r.MsgID]
		cc.mu.Unlock()
		if w == nil {
			continue
		}
		if r.Ending || r.Failure != nil {
			select {
			case w.replies <- r:
			case <-time.After(time.Second): // the caller gave up meanwhile
			}
			continue
		}
		select {
		case w.replies <- r:
		default: // a heartbeat too many: the next one will do
		}
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.listen == conn {
		cc.listen = nil
		cc.failWaiters()
	}
	_ = conn.Close()
}

func (cc *clientCore) logger() *slog.Logger {
	if cc.cfg.Logger != nil {
		return cc.cfg.Logger
	}
	return slog.Default()
}
