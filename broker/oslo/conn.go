package oslo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DefaultHeartbeat is the AMQP heartbeat oslo.messaging asks for (heartbeat_timeout_threshold).
const DefaultHeartbeat = 60 * time.Second

// dial opens one AMQP connection to url the way oslo's connections look on the broker: a 60 s
// heartbeat and a connection name "<argv0>:<pid>:<uuid>", within ctx.
func dial(ctx context.Context, url string, heartbeat time.Duration, purpose string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(filepath.Base(os.Args[0]) + ":" + strconv.Itoa(os.Getpid()) + ":" + uuidHex() + ":" + purpose)
	props["product"] = "harp"
	type result struct {
		c   *amqp.Connection
		err error
	}
	cfg := amqp.Config{Heartbeat: heartbeat, Locale: "en_US", Properties: props}
	if d, ok := ctx.Deadline(); ok {
		timeout := time.Until(d)
		cfg.Dial = amqp.DefaultDial(timeout)
	}
	done := make(chan result, 1)
	go func() {
		c, err := amqp.DialConfig(url, cfg)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, &TransportError{Op: "dial " + redact(url), Err: r.err}
		}
		return r.c, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, &TransportError{Op: "dial " + redact(url), Err: ctx.Err()}
	}
}

// redact returns url without its password, for errors.
func redact(url string) string {
	u, err := amqp.ParseURI(url)
	if err != nil {
		return "(unparsable AMQP URL)"
	}
	u.Password = ""
	return u.String()
}

// props are the AMQP properties of every message oslo publishes: JSON in UTF-8, persistent,
// priority 0, empty headers; a call adds its expiration.
func props(body []byte, expiration time.Duration) amqp.Publishing {
	p := amqp.Publishing{
		ContentType:     "application/json",
		ContentEncoding: "utf-8",
		DeliveryMode:    amqp.Persistent,
		Priority:        0,
		Headers:         amqp.Table{},
		Body:            body,
	}
	if expiration > 0 {
		ms := max(int64(expiration/time.Millisecond), 1)
		p.Expiration = strconv.FormatInt(ms, 10)
	}
	return p
}

// publisher publishes on a pool of channels in publisher-confirm mode, one publish at a time on
// each, so that a broker's basic.return (no queue bound: mandatory) is told apart per message.
type publisher struct {
	pool chan *pubChan

	mu     sync.Mutex
	conn   *amqp.Connection
	redial func(ctx context.Context) (*amqp.Connection, error) // nil: no reconnection
	closed bool
}

// pubChan is one confirm-mode channel and its return notifications.
type pubChan struct {
	ch      *amqp.Channel
	returns chan amqp.Return
}

// newPublisher opens n confirm-mode channels on conn. With redial, a connection found closed
// is replaced by a new one when a channel is next needed.
func newPublisher(conn *amqp.Connection, n int, redial func(context.Context) (*amqp.Connection, error)) (*publisher, error) {
	p := &publisher{conn: conn, redial: redial, pool: make(chan *pubChan, n)}
	for range n {
		pc, err := p.open(context.Background())
		if err != nil {
			return nil, err
		}
		p.pool <- pc
	}
	return p, nil
}

// connection returns the publishing connection, dialled again if it was lost and may be.
func (p *publisher) connection(ctx context.Context) (*amqp.Connection, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.conn.IsClosed() && p.redial != nil {
		c, err := p.redial(ctx)
		if err != nil {
			return nil, err
		}
		p.conn = c
	}
	return p.conn, nil
}

// closeConn closes the publishing connection; no redial follows.
func (p *publisher) closeConn() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return p.conn.Close()
}

func (p *publisher) open(ctx context.Context) (*pubChan, error) {
	conn, err := p.connection(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, &TransportError{Op: "open channel", Err: err}
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, &TransportError{Op: "confirm mode", Err: err}
	}
	return &pubChan{ch: ch, returns: ch.NotifyReturn(make(chan amqp.Return, 1))}, nil
}

// publish sends msg to exchange with routing key and waits for the broker's confirm. With
// mandatory, a message no queue takes comes back as an *UnroutableError. Errors are
// *TransportError, Sent when the message may have reached the broker.
//
// declare, when not nil, runs on the channel first (declaring the exchange, as oslo's
// publishers do).
func (p *publisher) publish(ctx context.Context, exchange, key string, mandatory bool, msg amqp.Publishing, declare func(*amqp.Channel) error) error {
	var pc *pubChan
	select {
	case pc = <-p.pool:
	case <-ctx.Done():
		return &TransportError{Op: "publish to " + key, Err: ctx.Err()}
	}
	if pc == nil || pc.ch.IsClosed() {
		var err error
		if pc, err = p.open(ctx); err != nil {
			p.pool <- nil
			return err
		}
	}
	var err error
	if declare != nil {
		if derr := declare(pc.ch); derr != nil {
			err = &TransportError{Op: "declare exchange " + exchange, Err: derr}
		}
	}
	if err == nil {
		err = p.publishOn(ctx, pc, exchange, key, mandatory, msg)
	}
	var te *TransportError
	if errors.As(err, &te) { // the channel's state is unknown: replace it
		pc.ch.Close()
		pc = nil
	}
	p.pool <- pc
	return err
}

func (p *publisher) publishOn(ctx context.Context, pc *pubChan, exchange, key string, mandatory bool, msg amqp.Publishing) error {
	dc, err := pc.ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, mandatory, false, msg)
	if err != nil {
		return &TransportError{Op: "publish to " + key, Err: err}
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return &TransportError{Op: "confirm of " + key, Sent: true, Err: err}
	}
	if !ok {
		return &TransportError{Op: "confirm of " + key, Err: errors.New("the broker refused the message (nack)")}
	}
	select {
	case <-pc.returns:
		return &UnroutableError{Exchange: exchange, RoutingKey: key}
	default:
	}
	return nil
}

// close closes the pool's channels.
func (p *publisher) close() {
	for range cap(p.pool) {
		select {
		case pc := <-p.pool:
			if pc != nil {
				pc.ch.Close()
			}
		case <-time.After(5 * time.Second):
			return
		}
	}
}

// checkURL refuses what is not an AMQP URL before any dial.
func checkURL(url string) error {
	if _, err := amqp.ParseURI(url); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	return nil
}
