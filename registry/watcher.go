package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/kvbucket"
	"github.com/nats-io/nats.go/jetstream"
)

// EventKind says what happened to an entry.
type EventKind string

// Event kinds.
const (
	EventJoined  EventKind = "joined"  // a new instance announced itself
	EventUpdated EventKind = "updated" // an instance changed its announcement (role, weight, ...)
	EventLeft    EventKind = "left"    // an instance removed itself (a graceful stop)
	EventExpired EventKind = "expired" // an instance's heartbeats stopped for the TTL
)

// Event is one change of a watched service's membership.
type Event struct {
	Time         time.Time
	Kind         EventKind
	Announcement Announcement // the entry as it was last seen (for left and expired: before)
}

// Filter chooses the announcements a Watcher's Resolve returns; nil keeps all.
type Filter func(*Announcement) bool

// MasterOnly keeps the instance whose role is RoleMaster.
func MasterOnly(a *Announcement) bool { return a.Role == RoleMaster }

// Watcher follows one service's announcements as they change. It implements cluster.Resolver,
// and Follow pushes every change into clusters with SetEndpoints. It is safe for concurrent use.
type Watcher struct {
	cfg     *Config
	service string
	filter  Filter
	w       jetstream.KeyWatcher
	ready   chan struct{}
	done    chan struct{}

	mu      sync.Mutex
	entries map[string]*Announcement // by instance id
	subs    map[chan Event]struct{}
	follow  []*cluster.Cluster
	err     error
	closed  bool
	loaded  bool // the initial entries are all in: changes are pushed from then on
}

// NewWatcher starts watching service (every service when service is "") and returns once the
// current entries are loaded, or ctx ends. filter chooses what Resolve and Follow hand to a
// cluster (nil: every instance; MasterOnly: the master). cfg nil means DefaultConfig().
func NewWatcher(ctx context.Context, js jetstream.JetStream, service string, filter Filter, cfg *Config) (*Watcher, error) {
	if ctx == nil {
		return nil, errors.New("registry: nil Context")
	}
	cfg, err := orDefault(cfg)
	if err != nil {
		return nil, err
	}
	pattern := ">"
	if service != "" {
		if !kvbucket.ValidName(service) {
			return nil, fmt.Errorf("%w: service %q is not [A-Za-z0-9_-]+", ErrInvalidAnnouncement, service)
		}
		pattern = service + ".*"
	}
	kv, err := OpenBucket(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	kw, err := kv.Watch(context.Background(), pattern)
	if err != nil {
		return nil, fmt.Errorf("registry: watch %s: %w", pattern, err)
	}
	w := &Watcher{
		cfg: cfg, service: service, filter: filter, w: kw,
		ready: make(chan struct{}), done: make(chan struct{}),
		entries: map[string]*Announcement{}, subs: map[chan Event]struct{}{},
	}
	go w.run()
	select {
	case <-w.ready:
		return w, nil
	case <-ctx.Done():
		w.Close()
		return nil, fmt.Errorf("registry: loading %s: %w", pattern, ctx.Err())
	}
}

// run applies the watch's updates until it ends.
func (w *Watcher) run() {
	defer close(w.done)
	readyOnce := sync.OnceFunc(func() { close(w.ready) })
	defer readyOnce()
	for e := range w.w.Updates() {
		if e == nil { // the initial values are all in
			w.mu.Lock()
			w.loaded = true
			w.mu.Unlock()
			readyOnce()
			w.push()
			continue
		}
		w.apply(e)
	}
}

// apply records one entry's change and tells subscribers and followed clusters.
func (w *Watcher) apply(e jetstream.KeyValueEntry) {
	key := e.Key()
	id := key[lastDot(key)+1:]
	now := time.Now()
	w.mu.Lock()
	old := w.entries[id]
	var ev *Event
	switch e.Operation() {
	case jetstream.KeyValueDelete, jetstream.KeyValuePurge:
		if old != nil {
			delete(w.entries, id)
			kind := EventLeft
			if now.Sub(old.Beat) >= w.cfg.TTL-w.cfg.Beat/2 {
				kind = EventExpired
			}
			ev = &Event{Time: now, Kind: kind, Announcement: *old}
		}
	default:
		a, err := decode(e.Value())
		if err != nil || a.check() != nil || a.Key() != key {
			w.err = fmt.Errorf("registry: entry %s is malformed, ignored: %v", key, err)
			break
		}
		a.Revision = e.Revision()
		if old == nil && len(w.entries) >= w.cfg.MaxEntries {
			w.err = fmt.Errorf("%w: %s has %d entries", ErrTooManyEntries, w.service, len(w.entries))
			break
		}
		w.entries[id] = a
		kind := EventUpdated
		if old == nil {
			kind = EventJoined
		}
		if old == nil || changed(old, a) {
			ev = &Event{Time: now, Kind: kind, Announcement: *a.clone()}
		}
	}
	w.mu.Unlock()
	if ev != nil {
		w.emit(*ev)
		w.push()
	}
}

// changed reports whether b differs from a in anything but its heartbeat.
func changed(a, b *Announcement) bool {
	return a.URL != b.URL || a.Protocol != b.Protocol || a.Weight != b.Weight || a.Zone != b.Zone ||
		a.Role != b.Role || a.Term != b.Term || !mapsEqual(a.Metadata, b.Metadata)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// emit hands ev to every subscriber without blocking: a full channel drops it.
func (w *Watcher) emit(ev Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// push sends the current endpoints to every followed cluster, once the initial entries are
// loaded (pushing each of them would cost the square of their number).
func (w *Watcher) push() {
	w.mu.Lock()
	if !w.loaded || len(w.follow) == 0 {
		w.mu.Unlock()
		return
	}
	eps := w.endpointsLocked()
	cs := slices.Clone(w.follow)
	w.mu.Unlock()
	for _, c := range cs {
		if err := c.SetEndpoints(eps); err != nil {
			w.mu.Lock()
			w.err = fmt.Errorf("registry: SetEndpoints: %w", err)
			w.mu.Unlock()
		}
	}
}

// Entries returns the service's live announcements, sorted by service and id, unfiltered.
func (w *Watcher) Entries() []Announcement {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Announcement, 0, len(w.entries))
	for _, a := range w.entries {
		out = append(out, *a.clone())
	}
	slices.SortFunc(out, func(a, b Announcement) int {
		if c := compare(a.Service, b.Service); c != 0 {
			return c
		}
		return compare(a.ID, b.ID)
	})
	return out
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (w *Watcher) endpointsLocked() []cluster.Endpoint {
	var term uint64 // the highest term a master claims
	for _, a := range w.entries {
		if a.Role == RoleMaster && a.Term > term {
			term = a.Term
		}
	}
	ids := make([]string, 0, len(w.entries))
	for id, a := range w.entries {
		if a.Role == RoleMaster && a.Term < term {
			continue // a stale master: a newer term began
		}
		if w.filter == nil || w.filter(a) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	eps := make([]cluster.Endpoint, len(ids))
	for i, id := range ids {
		eps[i] = w.entries[id].Endpoint()
	}
	return eps
}

// Resolve returns the endpoints of the live announcements that pass the filter, sorted by
// instance id, leaving out masters of a lower Term than the highest one claimed: the
// cluster.Resolver a cluster asks on its own schedule. It answers from memory.
func (w *Watcher) Resolve(ctx context.Context) ([]cluster.Endpoint, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClosed
	}
	return w.endpointsLocked(), nil
}

// Follow makes c follow the watched membership: SetEndpoints now and on every change, until
// the returned function is called or the Watcher is closed. It is how a cluster takes a joining
// instance within a heartbeat instead of at its next ResolveInterval.
func (w *Watcher) Follow(c *cluster.Cluster) (stop func()) {
	w.mu.Lock()
	w.follow = append(w.follow, c)
	eps := w.endpointsLocked()
	w.mu.Unlock()
	_ = c.SetEndpoints(eps) // a factory error leaves that endpoint out; the next change retries
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.follow = slices.DeleteFunc(w.follow, func(x *cluster.Cluster) bool { return x == c })
	}
}

// Subscribe returns a channel of every membership change from now on, holding up to buffer
// events (events that find it full are dropped), and a function that ends the subscription.
func (w *Watcher) Subscribe(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, max(buffer, 1))
	w.mu.Lock()
	w.subs[ch] = struct{}{}
	w.mu.Unlock()
	return ch, sync.OnceFunc(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, ok := w.subs[ch]; ok {
			delete(w.subs, ch)
			close(ch)
		}
	})
}

// Err returns the last problem the watcher met (a malformed entry, a cluster's SetEndpoints
// error, too many entries), nil when there was none.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops watching and closes every subscription's channel.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	err := w.w.Stop()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs {
		delete(w.subs, ch)
		close(ch)
	}
	w.follow = nil
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("registry: stop watching: %w", err)
	}
	return nil
}
