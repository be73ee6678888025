package natsrpc

import "sync"

// ranSize is how many durable casts a transport remembers having run.
const ranSize = 1 << 14

// ranSet remembers the message ids of the last ranSize durable casts this transport's servers
// ran, so that one delivered again because its acknowledgement was lost (a connection cut at
// that instant) is acknowledged without running twice. A redelivery to another server is not
// caught: see the package documentation.
type ranSet struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string
	next int
}

func (r *ranSet) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[id]
	return ok
}

func (r *ranSet) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids, r.ring = make(map[string]struct{}, ranSize), make([]string, ranSize)
	}
	if _, ok := r.ids[id]; ok {
		return
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.ids[id] = struct{}{}
	r.next = (r.next + 1) % ranSize
}
