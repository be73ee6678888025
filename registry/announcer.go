package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Announcer keeps one instance's announcement alive: it renews it every Config.Beat with a TTL of
// Config.TTL and removes it on Close. It is safe for concurrent use.
type Announcer struct {
	cfg  *Config
	js   jetstream.JetStream
	kv   jetstream.KeyValue
	stop chan struct{}
	done chan struct{}
	// beatCtx bounds the heartbeats; cancelled when they stop, so none outlives Close.
	beatCtx    context.Context
	cancelBeat context.CancelFunc

	mu     sync.Mutex
	a      *Announcement
	err    error // the last heartbeat's error, nil once one succeeds again
	closed bool
}

// Announce publishes a in the registry (acknowledged by the store before it returns) and
// renews it in the background until Close. a.ID "" gets NewID(); a.Started and a.Beat are set
// here. cfg nil means DefaultConfig().
func Announce(ctx context.Context, js jetstream.JetStream, a Announcement, cfg *Config) (*Announcer, error) {
	if ctx == nil {
		return nil, errors.New("registry: nil Context")
	}
	cfg, err := orDefault(cfg)
	if err != nil {
		return nil, err
	}
	if a.ID == "" {
		a.ID = NewID()
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	kv, err := OpenBucket(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	a.Started = time.Now().UTC()
	an := &Announcer{cfg: cfg, js: js, kv: kv, a: a.clone(), stop: make(chan struct{}), done: make(chan struct{})}
	an.beatCtx, an.cancelBeat = context.WithCancel(context.Background())
	if err := an.put(ctx); err != nil {
		an.cancelBeat()
		return nil, err
	}
	go an.beat()
	return an, nil
}

// Announcement returns a copy of the announcement as last published.
func (an *Announcer) Announcement() Announcement {
	an.mu.Lock()
	defer an.mu.Unlock()
	return *an.a.clone()
}

// Err returns the last heartbeat's error, nil while heartbeats succeed.
func (an *Announcer) Err() error {
	an.mu.Lock()
	defer an.mu.Unlock()
	return an.err
}

// SetRole changes the announced role and publishes it at once, acknowledged before it returns.
func (an *Announcer) SetRole(ctx context.Context, role string) error {
	return an.Update(ctx, func(a *Announcement) { a.Role = role })
}

// Update applies fn to the announcement (its Service and ID are kept) and publishes the result
// at once, acknowledged before it returns.
func (an *Announcer) Update(ctx context.Context, fn func(*Announcement)) error {
	an.mu.Lock()
	if an.closed {
		an.mu.Unlock()
		return ErrClosed
	}
	c := an.a.clone()
	fn(c)
	c.Service, c.ID, c.Started = an.a.Service, an.a.ID, an.a.Started
	if err := c.check(); err != nil {
		an.mu.Unlock()
		return err
	}
	an.a = c
	an.mu.Unlock()
	return an.put(ctx)
}

// put publishes the current announcement with a fresh Beat and TTL.
func (an *Announcer) put(ctx context.Context) error {
	an.mu.Lock()
	an.a.Beat = time.Now().UTC()
	b, err := an.a.encode(an.cfg.MaxEntrySize)
	key := an.a.Key()
	an.mu.Unlock()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, an.cfg.OpTimeout)
	defer cancel()
	m := &nats.Msg{Subject: "$KV." + an.cfg.Bucket + "." + key, Data: b, Header: nats.Header{}}
	ack, err := an.js.PublishMsg(ctx, m, jetstream.WithMsgTTL(an.cfg.TTL))
	an.mu.Lock()
	defer an.mu.Unlock()
	if err != nil {
		an.err = fmt.Errorf("registry: announce %s: %w", key, err)
		return an.err
	}
	an.a.Revision = ack.Sequence
	an.err = nil
	return nil
}

// beat renews the announcement until Close.
func (an *Announcer) beat() {
	defer close(an.done)
	t := time.NewTicker(an.cfg.Beat)
	defer t.Stop()
	for {
		select {
		case <-an.stop:
			return
		case <-t.C:
			_ = an.put(an.beatCtx) // recorded in an.err; the next beat tries again
		}
	}
}

// Close stops the heartbeats and removes the announcement at once, so watchers see the instance
// leave without waiting for the TTL. The removal is bounded by ctx and Config.OpTimeout; if it
// fails the entry still expires after the TTL, and the error says so.
func (an *Announcer) Close(ctx context.Context) error {
	an.mu.Lock()
	if an.closed {
		an.mu.Unlock()
		return nil
	}
	an.closed = true
	key := an.a.Key()
	an.mu.Unlock()
	an.cancelBeat()
	close(an.stop)
	<-an.done
	ctx, cancel := context.WithTimeout(ctx, an.cfg.OpTimeout)
	defer cancel()
	// A purge whose marker itself expires after the TTL: watchers see the entry leave, and the
	// bucket keeps nothing of an instance that is gone.
	if err := an.kv.Purge(ctx, key, jetstream.PurgeTTL(an.cfg.TTL)); err != nil {
		return fmt.Errorf("registry: remove %s (it expires after %v): %w", key, an.cfg.TTL, err)
	}
	return nil
}

// Abandon stops the heartbeats without removing the announcement, which expires after the TTL
// as a crashed server's would. Close after Abandon does nothing.
func (an *Announcer) Abandon() {
	an.mu.Lock()
	if an.closed {
		an.mu.Unlock()
		return
	}
	an.closed = true
	an.mu.Unlock()
	an.cancelBeat()
	close(an.stop)
	<-an.done
}
