package demo

import (
	"errors"
	"sync"
	"sync/atomic"
)

// DefaultCounterLimit is how many distinct call IDs a Counter remembers unless told otherwise.
const DefaultCounterLimit = 1 << 22

// ErrCounterFull reports a Counter that already remembers its limit of distinct IDs.
var ErrCounterFull = errors.New("counter: too many distinct IDs")

// Counter counts executions of non-idempotent calls by a caller-chosen ID. Registered under the
// prefix "counter", it offers counter.record(id), the non-idempotent operation a load test calls
// with a fresh ID each time, and the read-only counter.count(id), counter.executions() and
// counter.duplicates(). One Counter may be shared by several servers
// in one process, so a call executed once by each of two servers is seen as a duplicate.
// It is safe for concurrent use; memory is bounded by its limit of distinct IDs.
type Counter struct {
	mu         sync.Mutex
	seen       map[string]int
	limit      int
	executions atomic.Int64
	duplicates atomic.Int64
}

// NewCounter returns a Counter remembering up to limit distinct IDs (DefaultCounterLimit when
// limit <= 0).
func NewCounter(limit int) *Counter {
	if limit <= 0 {
		limit = DefaultCounterLimit
	}
	return &Counter{seen: make(map[string]int), limit: limit}
}

// Record executes the non-idempotent operation for id: it counts one more execution of id and
// returns how many times id has now been executed (1 unless the call ran before).
func (c *Counter) Record(id string) (int, error) {
	c.mu.Lock()
	n, ok := c.seen[id]
	if !ok && len(c.seen) >= c.limit {
		c.mu.Unlock()
		return 0, ErrCounterFull
	}
	n++
	c.seen[id] = n
	c.mu.Unlock()
	c.executions.Add(1)
	if n > 1 {
		c.duplicates.Add(1)
	}
	return n, nil
}

// Count returns how many times id has been executed.
func (c *Counter) Count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[id]
}

// Executions returns the number of executions recorded, duplicates included.
func (c *Counter) Executions() int64 { return c.executions.Load() }

// Duplicates returns how many executions repeated an ID already executed.
func (c *Counter) Duplicates() int64 { return c.duplicates.Load() }

// RPCHelp documents the Counter's methods.
func (c *Counter) RPCHelp(m string) string {
	switch m {
	case "Record":
		return "record(id): executes a non-idempotent operation once for id; returns how many times id has now been executed (1 unless the call was run twice)."
	case "Count":
		return "count(id): how many times id has been executed."
	case "Executions":
		return "executions(): how many executions were recorded, duplicates included."
	case "Duplicates":
		return "duplicates(): how many executions repeated an id already executed (0 when no call ran twice)."
	}
	return ""
}
