package statetest

import (
	"context"
	"testing"
	"time"
)

// TestNoDataLoss is the proof: 16 clients do 20,000 incr (2,000 with -short) of one
// counter, each with its own idempotency key, through a cluster client following the registry's
// master, while the master is SIGKILLed, then the stream leader's NATS node is SIGKILLed, then
// the old master comes back, then the master is frozen with SIGSTOP past its lease and woken.
// At the end every acknowledged increment was applied exactly once, none twice, the counter
// equals the number applied, and every increment whose caller gave up is accounted for.
func TestNoDataLoss(t *testing.T) {
	p := newProof(t, time.Second, 3*time.Second) // the defaults: 1 s beat, 3 s TTL
	r, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.String())
	for _, pr := range r.Problems {
		t.Error(pr)
	}
}
