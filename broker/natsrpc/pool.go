package natsrpc

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/broker"
)

// The pool's watch: every watchTick it looks whether the workers are all stuck (each in a
// delivery begun stuckTicks ago or more) while messages wait, and starts more; after
// watchQuiet ticks with nothing running and nothing waiting, it sleeps until a delivery begins.
const (
	watchTick  = time.Millisecond
	stuckTicks = 2
	watchQuiet = 100
)

// pool runs a listener's deliveries on as few goroutines as keep up, and no more than max.
// Every goroutine parked on the channel is one the next message wakes, a switch a plain
// nats.go responder does not pay; so one worker reads while calls are short, a worker that
// finds another idle when it is done retires, and the watch starts workers only when those
// running are all held by slow deliveries and messages wait. A slow delivery holds its own
// worker, and the messages behind it for a tick or two.
type pool struct {
	msgs   chan *nats.Msg // what the subscriptions deliver
	run    func(*nats.Msg)
	max    int
	tick   atomic.Int64 // the watch's clock, in ticks
	busy   atomic.Int64 // workers running a delivery
	n      atomic.Int64 // workers, len(ws)
	asleep atomic.Bool  // the watch waits for wake
	wake   chan struct{}
	quit   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	ws     map[*worker]struct{}
	closed bool
}

// worker is one goroutine of a pool: since is 1 + the tick its delivery began at, 0 when idle.
type worker struct{ since atomic.Int64 }

func newPool(capacity, max int, run func(*nats.Msg)) *pool {
	return &pool{msgs: make(chan *nats.Msg, capacity), run: run, max: max,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), ws: map[*worker]struct{}{}}
}

// start starts the first worker and the watch.
func (p *pool) start() {
	p.mu.Lock()
	p.grow(1)
	p.mu.Unlock()
	p.wg.Add(1)
	go p.watch()
}

// grow starts up to n workers, within max; p.mu is held.
func (p *pool) grow(n int) {
	for ; n > 0 && !p.closed && len(p.ws) < p.max; n-- {
		w := &worker{}
		p.ws[w] = struct{}{}
		p.n.Add(1)
		p.wg.Add(1)
		go p.work(w)
	}
}

// work runs deliveries until the channel is closed, or another worker is idle when this one
// is done.
func (p *pool) work(w *worker) {
	defer p.wg.Done()
	for nm := range p.msgs {
		w.since.Store(p.tick.Load() + 1)
		p.busy.Add(1)
		if p.asleep.Load() {
			select {
			case p.wake <- struct{}{}:
			default:
			}
		}
		p.run(nm)
		p.busy.Add(-1)
		w.since.Store(0)
		if p.retire(w) {
			return
		}
	}
}

// retire removes w when another worker is idle too (it would only add a goroutine for the next
// message to wake) and reports whether it did.
func (p *pool) retire(w *worker) bool {
	if p.idle() < 2 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.idle() < 2 {
		return false
	}
	delete(p.ws, w)
	p.n.Add(-1)
	return true
}

// idle is how many workers are not running a delivery: a hint, as workers begin and end
// deliveries meanwhile; only p.mu holds the count of workers still.
func (p *pool) idle() int64 { return p.n.Load() - p.busy.Load() }

// watch starts workers while every worker is stuck and messages wait, until p is closed.
func (p *pool) watch() {
	defer p.wg.Done()
	tk := time.NewTicker(watchTick)
	defer tk.Stop()
	quiet := 0
	for {
		select {
		case <-p.quit:
			return
		case <-tk.C:
		}
		now := p.tick.Add(1)
		if len(p.msgs) > 0 {
			quiet = 0
			p.rescue(now)
			continue
		}
		if p.busy.Load() > 0 {
			quiet = 0
			continue
		}
		if quiet++; quiet < watchQuiet {
			continue
		}
		quiet = 0
		if !p.sleep() {
			return
		}
		tk.Reset(watchTick)
	}
}

// sleep waits until a delivery begins, and reports false when p was closed meanwhile.
func (p *pool) sleep() bool {
	p.asleep.Store(true)
	defer p.asleep.Store(false)
	if p.busy.Load() > 0 || len(p.msgs) > 0 { // one began as the watch dozed off
		return true
	}
	select {
	case <-p.wake:
		return true
	case <-p.quit:
		return false
	}
}

// rescue starts workers when none is free to take the messages waiting: as many as wait, up
// to as many again as there are, within max.
func (p *pool) rescue(now int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for w := range p.ws {
		if s := w.since.Load(); s == 0 || s-1 > now-stuckTicks {
			return // w is free, or its delivery is young: it will take the next
		}
	}
	p.grow(min(len(p.msgs), max(len(p.ws), 1)))
}

// close ends the workers once they have run what the channel holds (nothing more is written
// to it), and the watch.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	close(p.msgs)
	close(p.quit)
}

// kindOf is the broker.Kind of a message that came in on subject: a fanout on the topic's
// fanout subject, a cast otherwise (delivery makes it a call when it has a reply subject).
func kindOf(subject, fanout string) broker.Kind {
	if subject == fanout {
		return broker.KindFanout
	}
	return broker.KindCast
}
