package natsrpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/broker"
)

// ensureStreams creates (or updates) the work-queue stream and the dead-letter stream of
// target's exchange, once per transport.
func (t *Transport) ensureStreams(ctx context.Context, target broker.Target) error {
	ex := t.names.exchangeOf(target)
	t.mu.Lock()
	done := t.streams[ex]
	t.mu.Unlock()
	if done {
		return nil
	}
	work := jetstream.StreamConfig{
		Name:        t.names.stream(target),
		Description: "harp durable casts of exchange " + ex,
		Subjects:    []string{t.names.wildcard(kindDur, target)},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    t.cfg.Replicas,
		MaxBytes:    t.cfg.StreamMaxBytes,
		Discard:     jetstream.DiscardNew,
		Duplicates:  2 * time.Minute,
	}
	dlq := jetstream.StreamConfig{
		Name:        t.names.dlqStream(target),
		Description: "harp dead letters of exchange " + ex,
		Subjects:    []string{t.names.wildcard(kindDLQ, target)},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    t.cfg.Replicas,
		MaxBytes:    t.cfg.StreamMaxBytes,
		MaxAge:      t.cfg.DeadLetterMaxAge,
		Discard:     jetstream.DiscardOld,
	}
	for _, sc := range []jetstream.StreamConfig{work, dlq} {
		if _, err := t.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("natsrpc: stream %s: %w", sc.Name, err)
		}
	}
	t.mu.Lock()
	t.streams[ex] = true
	t.mu.Unlock()
	return nil
}

// castDurable stores m in the work-queue stream of target's topic. The publish carries a
// message id, so that its retries (a node lost under it, an acknowledgement lost on the way
// back) are stored once: it is retried with the same id until JetStream acknowledges it or
// ctx ends.
func (t *Transport) castDurable(ctx context.Context, target broker.Target, m *broker.Message) error {
	if target.Fanout || target.Server != "" {
		return fmt.Errorf("%w: natsrpc: durable casts go to a topic's pool, not to %s", broker.ErrUnsupported, target)
	}
	msg, err := t.natsMsg(t.names.subject(kindDur, target), m)
	if err != nil {
		return &broker.TransportError{Op: "cast", Target: target, Method: m.Method, Err: err}
	}
	var id [16]byte
	rand.Read(id[:])
	msgID := hex.EncodeToString(id[:])
	sent := false
	for attempt := 0; ; attempt++ {
		err = t.ensureStreams(ctx, target)
		if err == nil {
			_, err = t.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID))
			if err == nil {
				return nil
			}
			sent = sent || !errors.Is(err, nats.ErrNoResponders)
		}
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrMaxPayload) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff(attempt)):
			continue
		}
		break
	}
	if ctx.Err() != nil && !sent {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return &broker.TransportError{Op: "cast", Target: target, Method: m.Method, Sent: sent, Err: fmt.Errorf("natsrpc: durable cast not stored: %w", err)}
}

// backoff is the pause before retry attempt+1 of a durable publish: 10 ms doubling to 500 ms.
func backoff(attempt int) time.Duration {
	d := 10 * time.Millisecond << min(attempt, 6)
	return min(d, 500*time.Millisecond)
}

// consume makes sure target's topic has its durable consumer and pulls from it, at most
// maxInFlight messages ahead, handing each to h.
func (t *Transport) consume(ctx context.Context, js jetstream.JetStream, target broker.Target, maxInFlight int, h broker.Handler) (jetstream.ConsumeContext, error) {
	if err := t.ensureStreams(ctx, target); err != nil {
		return nil, err
	}
	c, err := js.CreateOrUpdateConsumer(ctx, t.names.stream(target), jetstream.ConsumerConfig{
		Durable:       t.names.consumer(target),
		Description:   "harp durable casts of topic " + target.Topic,
		FilterSubject: t.names.subject(kindDur, target),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       t.cfg.AckWait,
		// The bound is the transport's own (see deliver), so that a message whose server died
		// running it MaxDeliver times is dead-lettered, not left in the stream undelivered.
		MaxDeliver:    -1,
		MaxAckPending: max(1000, maxInFlight),
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      t.cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("natsrpc: consumer of %s: %w", target.Topic, err)
	}
	return c.Consume(func(jm jetstream.Msg) { t.deliver(target, jm, h) },
		jetstream.PullMaxMessages(maxInFlight),
		jetstream.ConsumeErrHandler(func(jetstream.ConsumeContext, error) {}))
}

// deliver hands one durable cast to h, or dead-letters it once its deliveries are used up.
func (t *Transport) deliver(target broker.Target, jm jetstream.Msg, h broker.Handler) {
	md, err := jm.Metadata()
	if err != nil {
		jm.Term()
		return
	}
	n := int(md.NumDelivered)
	if n > t.cfg.MaxDeliver {
		t.deadLetter(target, jm, n-1, "deliveries used up (the servers running it did not finish)")
		return
	}
	id := jm.Headers().Get(jetstream.MsgIDHeader)
	if id != "" && t.ran.has(id) { // ran here, but its acknowledgement was lost
		ctx, cancel := context.WithTimeout(context.Background(), t.cfg.AckWait)
		defer cancel()
		doubleAck(ctx, jm)
		return
	}
	d := &broker.Delivery{Message: t.message(jm.Headers(), jm.Data()), Kind: broker.KindCast, Attempt: n}
	d.Durable = true
	alive := t.keepAlive(jm)
	d.Done = func(_ []byte, herr error) error {
		defer alive.Stop() // in progress until acknowledged, however long that takes
		ctx, cancel := context.WithTimeout(context.Background(), t.cfg.AckWait)
		defer cancel()
		switch {
		case herr == nil:
			if id != "" {
				t.ran.add(id)
			}
			return t.acked(target, doubleAck(ctx, jm))
		case errors.Is(herr, broker.ErrStopping):
			return t.acked(target, jm.Nak())
		case n >= t.cfg.MaxDeliver:
			return t.deadLetter(target, jm, n, herr.Error())
		}
		return t.acked(target, jm.NakWithDelay(t.cfg.Backoff))
	}
	h(d)
}

// keepAlive tells JetStream every half AckWait that jm is still being run, until stopped, so
// that a cast that runs longer than AckWait is not delivered to another server meanwhile.
func (t *Transport) keepAlive(jm jetstream.Msg) *time.Timer {
	var tm *time.Timer
	var mu sync.Mutex
	tm = time.AfterFunc(t.cfg.AckWait/2, func() {
		if jm.InProgress() == nil {
			mu.Lock()
			tm.Reset(t.cfg.AckWait / 2)
			mu.Unlock()
		}
	})
	mu.Lock()
	defer mu.Unlock()
	return tm
}

// doubleAck acknowledges jm and waits for JetStream to confirm it, trying again until ctx ends
// when the acknowledgement does not get through: a node lost under the server (its
// connection moving to another node) or under the consumer's leader (no responders until a new
// one is elected) would otherwise have the cast delivered again, possibly to another server.
// A connection closed for good (the transport closing) ends the tries at once.
func doubleAck(ctx context.Context, jm jetstream.Msg) error {
	for attempt := 0; ; attempt++ {
		err := jm.DoubleAck(ctx)
		if err == nil || errors.Is(err, jetstream.ErrMsgAlreadyAckd) || errors.Is(err, nats.ErrConnectionClosed) || ctx.Err() != nil {
			return err
		}
		tm := time.NewTimer(ackRetryDelay(attempt))
		select {
		case <-ctx.Done():
			tm.Stop()
			return err
		case <-tm.C:
		}
	}
}

// ackRetryDelay is how long doubleAck waits before its attempt+1-th try: 20 ms, doubling up to
// 250 ms.
func ackRetryDelay(attempt int) time.Duration {
	return min(20*time.Millisecond<<min(attempt, 4), 250*time.Millisecond)
}

// acked is err, if any, as the broker's TransportError for an acknowledgement of a cast to
// target.
func (t *Transport) acked(target broker.Target, err error) error {
	if err != nil {
		return &broker.TransportError{Op: "ack", Target: target, Sent: true, Err: err}
	}
	return nil
}

// deadLetter stores jm on its topic's dead-letter subject, with why and its delivery count,
// then removes it from the work queue. Should the store fail, the message stays in the work
// queue, to be redelivered (and dead-lettered) again: it never vanishes.
func (t *Transport) deadLetter(target broker.Target, jm jetstream.Msg, n int, why string) error {
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.AckWait)
	defer cancel()
	h := nats.Header{}
	for k, v := range jm.Headers() {
		h[k] = v
	}
	delete(h, jetstream.MsgIDHeader)
	h.Set(ErrorHeader, why)
	h.Set(DeliveriesHeader, strconv.Itoa(n))
	h.Set(SubjectHeader, jm.Subject())
	dl := &nats.Msg{Subject: t.names.subject(kindDLQ, target), Header: h, Data: jm.Data()}
	if _, err := t.js.PublishMsg(ctx, dl); err != nil {
		jm.NakWithDelay(t.cfg.Backoff)
		return &broker.TransportError{Op: "dead-letter", Target: target, Sent: true, Err: err}
	}
	return t.acked(target, doubleAck(ctx, jm))
}

// DeadLetterSubject returns the subject where target's topic's dead letters are stored, in
// the stream DeadLetterStream names; each carries ErrorHeader, DeliveriesHeader and
// SubjectHeader beside the original headers and body.
func (t *Transport) DeadLetterSubject(target broker.Target) string {
	return t.names.subject(kindDLQ, target)
}

// DeadLetterStream returns the name of the JetStream stream holding target's exchange's dead
// letters; WorkQueueStream that of its durable casts.
func (t *Transport) DeadLetterStream(target broker.Target) string { return t.names.dlqStream(target) }

// WorkQueueStream returns the name of the stream holding target's exchange's durable casts.
func (t *Transport) WorkQueueStream(target broker.Target) string { return t.names.stream(target) }
