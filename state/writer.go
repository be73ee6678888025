package state

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/election"
)

// writer is the master's single writer: it takes the queued writes, plans them against the
// keys' current values, and commits each group as one atomic, fenced JetStream batch (group
// commit). One goroutine runs it, so it needs no lock; the queue is its only input.
type writer struct {
	cfg   *Config
	st    *store
	el    *election.Election
	queue chan *op
	carry []*op // ops that wait for the next batch (a second write of a key)
	stop  chan struct{}
	done  chan struct{}
	term  uint64
	cache map[string]entry // keys this term wrote without a TTL: their value and revision
	stats stats
}

// stats are the writer's counters, read with atomic loads.
type stats struct {
	batches, ops, deduped, fenced, uncertain, raced atomic.Int64
}

func newWriter(cfg *Config, st *store, el *election.Election) *writer {
	w := &writer{
		cfg: cfg, st: st, el: el,
		queue: make(chan *op, cfg.MaxQueue), stop: make(chan struct{}), done: make(chan struct{}),
		cache: map[string]entry{},
	}
	go w.run()
	return w
}

// submit queues o and waits for its answer or ctx; a full queue is refused at once.
func (w *writer) submit(ctx context.Context, o *op) (any, error) {
	o.done = make(chan opResult, 1)
	select {
	case w.queue <- o:
	default:
		return nil, faultf(CodeRetry, "%s %s: %d writes queued already, retry later", opNames[o.kind], o.key, w.cfg.MaxQueue)
	}
	select {
	case r := <-o.done:
		return r.v, r.err
	case <-ctx.Done():
		// The write may still be committed: the caller must treat it as uncertain.
		return nil, faultf(CodeUncertain, "%s %s: %v before the store confirmed it", opNames[o.kind], o.key, ctx.Err())
	}
}

func (w *writer) close() {
	close(w.stop)
	<-w.done
}

func (w *writer) run() {
	defer close(w.done)
	for {
		ops := w.carry
		w.carry = nil
		if len(ops) == 0 {
			select {
			case o := <-w.queue:
				ops = append(ops, o)
			case <-w.stop:
				w.drain()
				return
			}
		}
	fill:
		for len(ops) < w.cfg.MaxBatch {
			select {
			case o := <-w.queue:
				ops = append(ops, o)
			default:
				break fill
			}
		}
		w.process(ops)
	}
}

// drain refuses what is still queued at Close: none of it was applied.
func (w *writer) drain() {
	for _, o := range w.carry {
		o.answer(nil, faultf(CodeRetry, "the service is closing; not applied"))
	}
	for {
		select {
		case o := <-w.queue:
			o.answer(nil, faultf(CodeRetry, "the service is closing; not applied"))
		default:
			return
		}
	}
}

// process commits one group of writes, retrying the group when the store refused it for a race
// (a key that expired, an idempotency record written meanwhile), at most three times.
func (w *writer) process(ops []*op) {
	fence, err := w.el.Fence()
	if err != nil {
		failAll(ops, err)
		return
	}
	if fence.Token != w.term {
		w.term, w.cache = fence.Token, map[string]entry{}
	}
	ops = w.dedupe(ops)
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.OpTimeout)
		ops = w.attempt(ctx, fence, ops)
		cancel()
		if len(ops) == 0 {
			return
		}
		if attempt == 2 {
			failAll(ops, faultf(CodeRetry, "the store refused the write three times as it raced other changes; not applied"))
			return
		}
	}
}

func failAll(ops []*op, err error) {
	for _, o := range ops {
		o.answer(nil, err)
	}
}

// plan is one batch being built.
type plan struct {
	keys    map[string]*keyState
	order   []string // keys in first-seen order
	live    []*op    // ops the batch carries
	results map[*op]any
	recIdx  map[*op]int // index of each op's idempotency record message
	idRev   map[string]uint64
}

// attempt plans and commits ops once. It returns the ops to try again when the store refused
// the batch for a race (with fresh reads next time); every other op is answered, or carried
// to the next batch.
func (w *writer) attempt(ctx context.Context, fence election.Fence, ops []*op) []*op {
	ops, err := w.resolveIDs(ctx, ops)
	if err != nil {
		failAll(ops, faultf(CodeRetry, "%v; not applied", err))
		return nil
	}
	p, err := w.plan(ctx, ops)
	if err != nil {
		failAll(ops, faultf(CodeRetry, "%v; not applied", err))
		return nil
	}
	msgs := w.messages(fence, p)
	if len(msgs) == 1 { // nothing to write: every op was answered by planning
		w.answerPlanned(p, 0, 0)
		return nil
	}
	last, err := w.st.commit(ctx, msgs)
	var refused *refusedError
	switch {
	case err == nil:
		w.stats.batches.Add(1)
		w.stats.ops.Add(int64(len(p.live)))
		w.answerPlanned(p, last, len(msgs))
		return nil
	case errors.As(err, &refused):
		w.forget(p)
		if w.fenced(fence) {
			w.stats.fenced.Add(1)
			failAll(p.live, &election.FencedError{Group: w.cfg.Group, Token: fence.Token, Err: err})
			return nil
		}
		w.stats.raced.Add(1)
		return p.live
	default:
		w.stats.uncertain.Add(1)
		w.forget(p)
		failAll(p.live, faultf(CodeUncertain, "%v; it may have been applied: retry with the same id", err))
		return nil
	}
}

// dedupe answers every op whose id repeats an earlier op's in the group with that op's answer.
func (w *writer) dedupe(ops []*op) []*op {
	first := map[string]*op{}
	out := ops[:0:0]
	for _, o := range ops {
		if o.opts.ID == "" {
			out = append(out, o)
			continue
		}
		if f, ok := first[o.opts.ID]; ok {
			f.dups = append(f.dups, o)
			continue
		}
		first[o.opts.ID] = o
		out = append(out, o)
	}
	return out
}

// resolveIDs looks up the idempotency records of the ops that carry an id: an op already applied
// is answered from its record and dropped; the others keep the record subject's revision for
// the batch to expect.
func (w *writer) resolveIDs(ctx context.Context, ops []*op) ([]*op, error) {
	type found struct {
		e   entry
		err error
	}
	res := make([]found, len(ops))
	var wg sync.WaitGroup
	for i, o := range ops {
		if o.opts.ID == "" {
			continue
		}
		wg.Go(func() {
			e, err := w.st.last(ctx, idemPrefix+o.opts.ID)
			res[i] = found{e, err}
		})
	}
	wg.Wait()
	out := ops[:0:0]
	for i, o := range ops {
		if o.opts.ID == "" {
			out = append(out, o)
			continue
		}
		if res[i].err != nil {
			return ops, res[i].err
		}
		e := res[i].e
		if !e.exists {
			o.idRev = e.rev
			out = append(out, o)
			continue
		}
		var r record
		if err := json.Unmarshal(e.value, &r); err != nil || r.Method != opNames[o.kind] || r.Key != o.key {
			o.answer(nil, faultf(CodeInvalid, "idempotency key %q was used for another operation", o.opts.ID))
			continue
		}
		w.stats.deduped.Add(1)
		o.answer(r.answerFrom(e.rev), nil)
	}
	return out, nil
}

// plan reads the keys the ops touch (from the term's cache when it has them) and applies the
// ops in order; a set, cas or delete of a key already written by the batch waits for the next.
func (w *writer) plan(ctx context.Context, ops []*op) (*plan, error) {
	p := &plan{keys: map[string]*keyState{}, results: map[*op]any{}, recIdx: map[*op]int{}}
	if err := w.load(ctx, p, ops); err != nil {
		return nil, err
	}
	for _, o := range ops {
		k := p.keys[o.key]
		if k.blocked || k.written && (o.kind != opIncr || k.mode != opIncr) {
			k.blocked = true
			w.carry = append(w.carry, o)
			continue
		}
		v, err, writes := k.apply(o)
		if err != nil {
			o.answer(nil, err)
			continue
		}
		if writes {
			k.written, k.mode = true, o.kind
			k.ttl = o.opts.TTL > 0
		}
		p.results[o] = v
		p.live = append(p.live, o)
	}
	return p, nil
}

// load fills p.keys for every key of ops, reading the ones the cache lacks in parallel.
func (w *writer) load(ctx context.Context, p *plan, ops []*op) error {
	var missing []string
	for _, o := range ops {
		if _, ok := p.keys[o.key]; ok {
			continue
		}
		k := &keyState{}
		p.keys[o.key] = k
		p.order = append(p.order, o.key)
		if e, ok := w.cache[o.key]; ok {
			k.orig, k.cur = e, e
		} else {
			missing = append(missing, o.key)
		}
	}
	errs := make([]error, len(missing))
	var wg sync.WaitGroup
	for i, key := range missing {
		wg.Go(func() {
			e, err := w.st.last(ctx, dataPrefix+key)
			k := p.keys[key]
			k.orig, k.cur, errs[i] = e, e, err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// messages lays the batch out: the fence, one data message per written key, one record per op
// with an id.
func (w *writer) messages(fence election.Fence, p *plan) []msg {
	tok := fence.Token
	msgs := []msg{{key: "_fence." + w.cfg.Group, data: []byte(w.el.ID()), expect: &tok, expectSub: fence.Subject}}
	ttlOf := map[string]time.Duration{}
	for _, o := range p.live { // the last write of a key decides its TTL, as in plan
		ttlOf[o.key] = o.opts.TTL
	}
	for _, key := range p.order {
		k := p.keys[key]
		if !k.written {
			continue
		}
		rev := k.orig.rev
		k.msgIdx = len(msgs)
		m := msg{key: dataPrefix + key, data: k.cur.value, del: !k.cur.exists, expect: &rev, ttl: ttlOf[key]}
		msgs = append(msgs, m)
	}
	for _, o := range p.live {
		if o.opts.ID == "" {
			continue
		}
		r := record{Method: opNames[o.kind], Key: o.key}
		switch v := p.results[o].(type) {
		case int64:
			r.N = v
		case bool:
			r.B = v
		}
		if o.kind == opSet || o.kind == opCAS {
			r.Offset = uint64(len(msgs) - p.keys[o.key].msgIdx)
		}
		idRev := o.idRev
		p.recIdx[o] = len(msgs)
		msgs = append(msgs, msg{key: idemPrefix + o.opts.ID, data: r.encode(), expect: &idRev, ttl: w.cfg.IdempotencyTTL})
	}
	return msgs
}

// answerPlanned answers every live op of a committed batch whose last sequence is last and
// which held n messages, and records the new values in the term's cache.
func (w *writer) answerPlanned(p *plan, last uint64, n int) {
	seq := func(i int) uint64 { return last - uint64(n-1) + uint64(i) }
	for _, key := range p.order {
		k := p.keys[key]
		if !k.written {
			continue
		}
		k.cur.rev = seq(k.msgIdx)
		if k.ttl {
			delete(w.cache, key)
		} else {
			w.cache[key] = k.cur
		}
	}
	for _, o := range p.live {
		v := p.results[o]
		if o.kind == opSet || o.kind == opCAS {
			v = int64(p.keys[o.key].cur.rev)
		}
		o.answer(v, nil)
	}
}

// forget drops the cached values of the keys a failed batch touched.
func (w *writer) forget(p *plan) {
	for _, key := range p.order {
		delete(w.cache, key)
	}
}

// fenced reports whether a newer term began (the term key moved past the fence's token), or
// whether that cannot be told: either way the writer must not claim the master's role.
func (w *writer) fenced(f election.Fence) bool {
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.OpTimeout)
	defer cancel()
	e, err := w.st.last(ctx, f.Subject[len(w.st.pre):])
	return err != nil || e.rev != f.Token
}
