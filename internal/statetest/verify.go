package statetest

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// verify checks the run's outcomes against the store: the idempotency records (one per applied
// increment) and the counter.
func (p *Proof) verify(outcomes []outcome, r *Report) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kv, err := p.js.KeyValue(ctx, "harp_state")
	if err != nil {
		return err
	}
	lister, err := kv.ListKeysFiltered(ctx, "i.>")
	if err != nil {
		return err
	}
	applied := map[string]bool{}
	for k := range lister.Keys() {
		applied[strings.TrimPrefix(k, "i.")] = true
	}
	e, err := kv.Get(ctx, "d.counter")
	if err != nil {
		return fmt.Errorf("statetest: the counter: %w", err)
	}
	if _, err := fmt.Sscanf(string(e.Value()), "<value><int>%d</int></value>", &r.Counter); err != nil {
		if _, err := fmt.Sscanf(string(e.Value()), "<value><i8>%d</i8></value>", &r.Counter); err != nil {
			return fmt.Errorf("statetest: counter %q: %w", e.Value(), err)
		}
	}
	values := map[int64]string{}
	for _, o := range outcomes {
		r.Attempts += o.attempts
		if o.acked {
			r.Acknowledged++
			p.checkAcked(o, applied, values, r.Counter)
			if o.uncertain {
				r.RetriedUncertain++
			}
			continue
		}
		r.GaveUp++
		if applied[o.id] {
			r.GaveUpApplied++
			if !o.uncertain {
				p.problem("%s gave up as not applied, but it was applied", o.id)
			}
		}
	}
	if applied["stale-probe"] {
		p.problem("the frozen master's probe was applied")
	}
	delete(applied, "stale-probe")
	r.Applied = len(applied)
	if int64(r.Applied) != r.Counter {
		p.problem("counter %d, but %d increments were applied: some applied twice or lost", r.Counter, r.Applied)
	}
	if r.Applied != r.Acknowledged+r.GaveUpApplied {
		p.problem("%d applied, %d acknowledged, %d given up but applied: unaccounted", r.Applied, r.Acknowledged, r.GaveUpApplied)
	}
	p.mu.Lock()
	r.Problems = append(r.Problems, p.errs...)
	p.mu.Unlock()
	return nil
}

// checkAcked checks one acknowledged increment: recorded, and answered a value no other got.
func (p *Proof) checkAcked(o outcome, applied map[string]bool, values map[int64]string, counter int64) {
	if !applied[o.id] {
		p.problem("%s was acknowledged (value %d) but has no record: lost", o.id, o.value)
	}
	if prev, dup := values[o.value]; dup {
		p.problem("%s and %s were both answered %d: one increment applied for two", prev, o.id, o.value)
	}
	values[o.value] = o.id
	if o.value < 1 || o.value > counter {
		p.problem("%s answered %d, outside 1..%d", o.id, o.value, counter)
	}
}
