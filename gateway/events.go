package gateway

import (
	"sync"

	"github.com/harp-rpc/harp/cluster"
)

// MaxEvents is how many of the last backend state changes the gateway keeps for its status.
const MaxEvents = 100

// PoolEvent is one backend's change of state in a pool.
type PoolEvent struct {
	Pool string
	cluster.Event
}

// eventLog keeps the last state changes of every running pool's backends.
type eventLog struct {
	mu     sync.Mutex
	events []PoolEvent // a ring of MaxEvents, oldest first once full
	next   int
	subs   map[*cluster.Cluster]func()
}

// watchEvents subscribes to the clusters of s not yet watched, and drops those no longer run.
func (g *Gateway) watchEvents(s *state) {
	l := &g.events
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.subs == nil {
		l.subs = map[*cluster.Cluster]func(){}
	}
	live := map[*cluster.Cluster]bool{}
	for name, p := range s.pools {
		live[p.cluster] = true
		if _, ok := l.subs[p.cluster]; ok {
			continue
		}
		ch, cancel := p.cluster.Subscribe()
		l.subs[p.cluster] = cancel
		go func() {
			for ev := range ch {
				l.add(PoolEvent{Pool: name, Event: ev})
			}
		}()
	}
	for c, cancel := range l.subs {
		if !live[c] {
			cancel()
			delete(l.subs, c)
		}
	}
}

func (l *eventLog) add(ev PoolEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) < MaxEvents {
		l.events = append(l.events, ev)
		return
	}
	l.events[l.next] = ev
	l.next = (l.next + 1) % MaxEvents
}

// last returns the kept events, oldest first.
func (l *eventLog) last() []PoolEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]PoolEvent, 0, len(l.events))
	out = append(out, l.events[l.next:]...)
	return append(out, l.events[:l.next]...)
}

func (l *eventLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c, cancel := range l.subs {
		cancel()
		delete(l.subs, c)
	}
}
