package oslo

import "sync"

// dedupeSize is how many recent _unique_id values are remembered, as oslo's server does.
const dedupeSize = 16

// dedupe remembers the last dedupeSize message ids, to drop a message delivered twice.
type dedupe struct {
	mu   sync.Mutex
	ids  [dedupeSize]string
	next int
}

// seen reports whether id was among the last ones, and records it if not. An empty id is never
// a duplicate.
func (d *dedupe) seen(id string) bool {
	if id == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range d.ids {
		if x == id {
			return true
		}
	}
	d.ids[d.next] = id
	d.next = (d.next + 1) % dedupeSize
	return false
}
