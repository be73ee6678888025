package election

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/harp-rpc/harp/internal/kvbucket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Status is an instance's view of its election.
type Status struct {
	Master bool      // this instance holds the lease
	Token  uint64    // the fencing token of this instance's term while Master, else 0
	Holder string    // the id of the lease holder as last seen, "" when none
	Since  time.Time // when this instance's role last changed
}

// Fence is what a master's write carries so that the store refuses it once a newer term began:
// the write is accepted only while the last revision of Subject is still Token.
type Fence struct {
	Subject string // the term key's subject in the election bucket
	Token   uint64 // the term key's revision when this term began
}

// lease and term are the values stored under the lease and term keys.
type lease struct {
	ID    string    `json:"id"`
	Since time.Time `json:"since"`
}

// Election campaigns for the lease of one group on behalf of one instance, renews it while it
// holds it, and gives it up on Resign or Close. It is safe for concurrent use.
type Election struct {
	cfg                *Config
	js                 jetstream.JetStream
	kv                 jetstream.KeyValue
	group, id          string
	leaseKey, termKey  string
	leaseSubj, termSub string
	watch              jetstream.KeyWatcher
	stop, done         chan struct{}
	wake               chan struct{}
	changes            chan struct{}

	opMu      sync.Mutex // held by each campaign step and by Resign: one store operation at a time
	mu        sync.Mutex
	st        Status
	leaseRev  uint64
	deadline  time.Time // when the lease may have expired at the store, renewals failing
	holdUntil time.Time // a resigned instance does not campaign before then
	closed    bool
	err       error
}

// New starts campaigning for group's lease as instance id and returns at once; Status and
// Changes tell when it becomes master. cfg nil means DefaultConfig(). The lease lives under
// "_election.group.lease" and the term under "_election.group.term" in cfg.Bucket.
func New(ctx context.Context, js jetstream.JetStream, group, id string, cfg *Config) (*Election, error) {
	if ctx == nil {
		return nil, errors.New("election: nil Context")
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if !kvbucket.ValidName(group) || !kvbucket.ValidName(id) {
		return nil, fmt.Errorf("%w: group %q and id %q must be [A-Za-z0-9_-]+", ErrInvalidConfig, group, id)
	}
	kv, err := OpenBucket(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	e := &Election{
		cfg: cfg, js: js, kv: kv, group: group, id: id,
		leaseKey: "_election." + group + ".lease", termKey: "_election." + group + ".term",
		stop: make(chan struct{}), done: make(chan struct{}),
		wake: make(chan struct{}, 1), changes: make(chan struct{}, 1),
	}
	e.leaseSubj = "$KV." + cfg.Bucket + "." + e.leaseKey
	e.termSub = "$KV." + cfg.Bucket + "." + e.termKey
	e.st.Since = time.Now()
	e.watch, err = kv.Watch(context.Background(), e.leaseKey)
	if err != nil {
		return nil, fmt.Errorf("election: watch %s: %w", e.leaseKey, err)
	}
	go e.watchLease()
	go e.run()
	return e, nil
}

// Group returns the election's group; ID the instance's id.
func (e *Election) Group() string { return e.group }

// ID returns the instance's id.
func (e *Election) ID() string { return e.id }

// Status returns the instance's current view.
func (e *Election) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

// IsMaster reports whether the instance holds the lease now.
func (e *Election) IsMaster() bool { return e.Status().Master }

// Fence returns the fence of the current term and true while the instance is master, or
// a *NotMasterError.
func (e *Election) Fence() (Fence, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.st.Master {
		return Fence{}, &NotMasterError{Group: e.group, Master: e.st.Holder}
	}
	return Fence{Subject: e.termSub, Token: e.st.Token}, nil
}

// NotMaster returns the *NotMasterError a standby answers with, naming the master as last seen.
func (e *Election) NotMaster() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &NotMasterError{Group: e.group, Master: e.st.Holder}
}

// Changes returns a channel that receives a value after each change of Status (changes that
// come while one is pending are merged into it): read Status after each.
func (e *Election) Changes() <-chan struct{} { return e.changes }

// Err returns the last store error the campaign met, nil when the last operation succeeded.
func (e *Election) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

func (e *Election) notify() {
	select {
	case e.changes <- struct{}{}:
	default:
	}
}

func (e *Election) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// watchLease follows the lease key: a removal or expiry wakes the campaign at once, a new
// holder is recorded.
func (e *Election) watchLease() {
	for ent := range e.watch.Updates() {
		if ent == nil {
			continue
		}
		switch ent.Operation() {
		case jetstream.KeyValueDelete, jetstream.KeyValuePurge:
			e.setHolder("")
			e.poke()
		default:
			var l lease
			if json.Unmarshal(ent.Value(), &l) == nil {
				e.setHolder(l.ID)
			}
		}
	}
}

func (e *Election) setHolder(id string) {
	e.mu.Lock()
	changed := e.st.Holder != id
	e.st.Holder = id
	e.mu.Unlock()
	if changed {
		e.notify()
	}
}

// run is the campaign: renew while master, try to take the lease otherwise.
func (e *Election) run() {
	defer close(e.done)
	t := time.NewTicker(e.cfg.Beat)
	defer t.Stop()
	e.step()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		case <-e.wake:
		}
		e.step()
	}
}

func (e *Election) step() {
	e.opMu.Lock()
	defer e.opMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.OpTimeout)
	defer cancel()
	if e.IsMaster() {
		e.renew(ctx)
		return
	}
	e.mu.Lock()
	hold := time.Now().Before(e.holdUntil)
	e.mu.Unlock()
	if !hold {
		e.acquire(ctx)
	}
}

// acquire creates the lease if nobody holds it, then starts a term by writing the term key.
func (e *Election) acquire(ctx context.Context) {
	sent := time.Now()
	val, _ := json.Marshal(lease{ID: e.id, Since: sent.UTC()})
	rev, err := e.kv.Create(ctx, e.leaseKey, val, jetstream.KeyTTL(e.cfg.TTL))
	if errors.Is(err, jetstream.ErrKeyExists) {
		e.record(nil)
		return
	}
	if err != nil {
		e.record(fmt.Errorf("election: take the lease of %s: %w", e.group, err))
		return
	}
	token, err := e.startTerm(ctx, rev)
	if err != nil {
		// Without a term the lease is useless: give it back so another instance can try.
		_ = e.kv.Delete(ctx, e.leaseKey, jetstream.LastRevision(rev))
		e.record(fmt.Errorf("election: start a term of %s: %w", e.group, err))
		return
	}
	e.mu.Lock()
	e.leaseRev, e.deadline = rev, sent.Add(e.cfg.TTL)
	e.st = Status{Master: true, Token: token, Holder: e.id, Since: time.Now()}
	e.err = nil
	e.mu.Unlock()
	e.notify()
}

// startTerm writes the term key and returns its new revision: the fencing token. Every write
// fenced with an older token is refused by the store from then on.
func (e *Election) startTerm(ctx context.Context, leaseRev uint64) (uint64, error) {
	var prev uint64
	if ent, err := e.kv.Get(ctx, e.termKey); err == nil {
		prev = ent.Revision()
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, err
	}
	val, _ := json.Marshal(struct {
		ID    string `json:"id"`
		Lease uint64 `json:"lease"`
	}{e.id, leaseRev})
	return e.kv.Update(ctx, e.termKey, val, prev)
}

// renew rewrites the lease with a fresh TTL if it is still ours.
func (e *Election) renew(ctx context.Context) {
	e.mu.Lock()
	rev := e.leaseRev
	e.mu.Unlock()
	sent := time.Now()
	val, _ := json.Marshal(lease{ID: e.id, Since: sent.UTC()})
	m := &nats.Msg{Subject: e.leaseSubj, Data: val, Header: nats.Header{}}
	ack, err := e.js.PublishMsg(ctx, m, jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(e.cfg.TTL))
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.st.Master || e.leaseRev != rev { // resigned meanwhile
		return
	}
	var api *jetstream.APIError
	switch {
	case err == nil:
		e.leaseRev, e.deadline, e.err = ack.Sequence, sent.Add(e.cfg.TTL), nil
	case errors.As(err, &api) && api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence,
		errors.As(err, &api) && api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant:
		e.stepDownLocked(fmt.Errorf("election: lease of %s lost: %w", e.group, err))
	default:
		e.err = fmt.Errorf("election: renew the lease of %s: %w", e.group, err)
		if !time.Now().Before(e.deadline) {
			e.stepDownLocked(e.err)
		}
	}
}

func (e *Election) stepDownLocked(err error) {
	e.st = Status{Holder: "", Since: time.Now()}
	e.leaseRev = 0
	e.err = err
	e.notify()
}

// record keeps err as the campaign's last error (nil clears it).
func (e *Election) record(err error) {
	e.mu.Lock()
	e.err = err
	e.mu.Unlock()
}

// Resign gives the lease up at once: the instance stops being master before the removal is
// sent, so no write of its term starts after Resign began, and a standby watching the lease
// takes over as soon as it sees the removal. The instance does not campaign again for one TTL.
func (e *Election) Resign(ctx context.Context) error {
	e.opMu.Lock()
	defer e.opMu.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	if !e.st.Master {
		e.mu.Unlock()
		return nil
	}
	rev := e.leaseRev
	e.stepDownLocked(nil)
	e.holdUntil = time.Now().Add(e.cfg.TTL)
	e.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.OpTimeout)
	defer cancel()
	if err := e.kv.Delete(ctx, e.leaseKey, jetstream.LastRevision(rev)); err != nil {
		return fmt.Errorf("election: resign %s (the lease expires after %v): %w", e.group, e.cfg.TTL, err)
	}
	return nil
}

// Abandon stops the campaign without giving the lease up, as a killed or frozen process would:
// the lease expires after the TTL. Status keeps what it said. Close after Abandon does nothing.
func (e *Election) Abandon() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.mu.Unlock()
	close(e.stop)
	<-e.done
	_ = e.watch.Stop()
}

// Close resigns if the instance is master and stops campaigning.
func (e *Election) Close(ctx context.Context) error {
	err := e.Resign(ctx)
	if errors.Is(err, ErrClosed) {
		return nil
	}
	e.Abandon()
	return err
}
