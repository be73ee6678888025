package state

import (
	"encoding/json"
	"math"

	"github.com/harp-rpc/harp/xmlrpc"
)

// opKind is what a write does.
type opKind uint8

const (
	opSet opKind = iota + 1
	opDelete
	opIncr
	opCAS
)

var opNames = [...]string{opSet: "set", opDelete: "delete", opIncr: "incr", opCAS: "cas"}

// op is one write waiting for the writer.
type op struct {
	kind   opKind
	key    string
	value  []byte // encoded XML-RPC <value> for set and cas
	delta  int64  // incr
	expect uint64 // cas: the revision the key must have; 0: the key must not exist
	opts   Options
	idRev  uint64        // the last revision of the op's idempotency record subject
	done   chan opResult // buffered, receives exactly one result
	dups   []*op         // later ops of the same group with the same id: they get this answer
}

// opResult is a write's answer: the value the method returns, or a fault.
type opResult struct {
	v   any
	err error
}

func (o *op) answer(v any, err error) {
	select {
	case o.done <- opResult{v, err}:
	default: // answered already
	}
	for _, d := range o.dups {
		d.answer(v, err)
	}
	o.dups = nil
}

// record is what an idempotency key remembers: the operation and its answer.
type record struct {
	Method string `json:"m"`
	Key    string `json:"k"`
	N      int64  `json:"n,omitempty"` // incr's value
	B      bool   `json:"b,omitempty"` // delete's answer
	// Offset, for set and cas, locates the answer (the data's revision): the record's own
	// revision minus Offset, both being in one atomic batch.
	Offset uint64 `json:"o,omitempty"`
}

// answerFrom returns the answer a record remembers, given the record's own revision.
func (r *record) answerFrom(rev uint64) any {
	switch r.Method {
	case "set", "cas":
		return int64(rev - r.Offset)
	case "delete":
		return r.B
	}
	return r.N
}

func (r *record) encode() []byte {
	b, _ := json.Marshal(r) // a struct of strings and numbers always encodes
	return b
}

// keyState is a key as the writer plans a batch: what it was and what the batch makes it.
type keyState struct {
	orig    entry // as read or cached
	cur     entry // after the planned operations
	written bool  // the batch writes the key
	ttl     bool
	mode    opKind // opIncr for a run of incrs, else the single op's kind
	blocked bool   // a later op waits for the next batch
	msgIdx  int    // index of the key's data message
}

// apply plans o on k, returning the answer for operations whose answer is known before the
// commit (incr, delete, refusals), and whether o writes the key.
func (k *keyState) apply(o *op) (v any, err error, writes bool) {
	switch o.kind {
	case opIncr:
		var n int64
		if k.cur.exists {
			var x any
			if err := xmlrpc.Unmarshal(k.cur.value, &x); err != nil {
				return nil, faultf(CodeConflict, "incr %s: stored value unreadable: %v", o.key, err), false
			}
			i, err := integer(x)
			if err != nil {
				return nil, faultf(CodeConflict, "incr %s: the value %v", o.key, err), false
			}
			n = i
		}
		if o.delta > 0 && n > math.MaxInt64-o.delta || o.delta < 0 && n < math.MinInt64-o.delta {
			return nil, faultf(CodeConflict, "incr %s: %d%+d overflows 64 bits", o.key, n, o.delta), false
		}
		n += o.delta
		b, _ := xmlrpc.Marshal(n) // an int64 always encodes
		k.cur = entry{exists: true, value: b}
		return n, nil, true
	case opCAS:
		if o.expect == 0 && k.cur.exists || o.expect != 0 && (!k.cur.exists || o.expect != k.cur.rev) {
			return nil, faultf(CodeConflict, "cas %s: revision is %d, not %d", o.key, k.revision(), o.expect), false
		}
		k.cur = entry{exists: true, value: o.value}
		return nil, nil, true
	case opSet:
		k.cur = entry{exists: true, value: o.value}
		return nil, nil, true
	case opDelete:
		if !k.cur.exists {
			return false, nil, false
		}
		k.cur = entry{}
		return true, nil, true
	}
	return nil, faultf(CodeInvalid, "unknown operation"), false
}

// revision is the key's revision as a caller sees it: 0 when it does not exist.
func (k *keyState) revision() uint64 {
	if !k.cur.exists {
		return 0
	}
	return k.cur.rev
}
