package oslo

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
)

// rawPeer is a bare AMQP publisher with a reply queue of its own, to send what oslo's peers
// would not: duplicates, foreign bodies, replies to a queue that does not exist yet.
type rawPeer struct {
	ch      *amqp.Channel
	replyQ  string
	replies <-chan amqp.Delivery
}

func newRawPeer(t *testing.T, url string) *rawPeer {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &rawPeer{ch: ch, replyQ: q.Name, replies: ds}
}

func (p *rawPeer) send(t *testing.T, key string, pub amqp.Publishing) {
	t.Helper()
	if err := p.ch.PublishWithContext(context.Background(), DefaultExchange, key, false, false, pub); err != nil {
		t.Fatal(err)
	}
}

// call returns an oslo call of method to the peer's reply queue.
func (p *rawPeer) call(t *testing.T, method, args, msgID, uniqueID string) amqp.Publishing {
	t.Helper()
	body, err := AppendRequest(nil, &Request{Method: method, Args: json.RawMessage(args), MsgID: msgID, ReplyQueue: p.replyQ, UniqueID: uniqueID})
	if err != nil {
		t.Fatal(err)
	}
	return props(body, 0)
}

// next returns the next reply, or fails after d. Its properties must be oslo's (§3): no
// expiration, no correlation fields.
func (p *rawPeer) next(t *testing.T, d time.Duration) *Reply {
	t.Helper()
	select {
	case m := <-p.replies:
		if m.ContentType != "application/json" || m.ContentEncoding != "utf-8" || m.DeliveryMode != 2 || m.Expiration != "" ||
			m.Exchange != "" || m.ReplyTo != "" || m.CorrelationId != "" {
			t.Errorf("reply properties: %+v", m)
		}
		r, err := ParseReply(m.Body)
		if err != nil {
			t.Fatal(err)
		}
		return r
	case <-time.After(d):
		t.Fatal("no reply")
	}
	return nil
}

// none checks that no reply comes within d.
func (p *rawPeer) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case m := <-p.replies:
		t.Errorf("unexpected reply %s", m.Body)
	case <-time.After(d):
	}
}

// TestServerRefusesAndDedupes sends a harp Server what oslo's server refuses (no content type,
// envelope 2.1, a body over the limit) and a duplicate _unique_id: none of them runs, and a
// foreign call with no context or _timeout, replying to an exclusive server-named queue, works.
func TestServerRefusesAndDedupes(t *testing.T) {
	r := peertest.SharedRabbit(t)
	topic := "harp_refuse_" + uuidHex()[:8]
	var runs atomic.Int64
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("count", func() int64 { return runs.Add(1) }, "")
	core, _ := rpc.NewServer(reg, nil)
	cfg := DefaultConfig(topic)
	cfg.MaxBodySize = 4096
	s, err := Listen(context.Background(), r.URL, core, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := newRawPeer(t, r.URL)

	good := p.call(t, "count", `{}`, "m1", "u1")
	p.send(t, topic, good)
	if rep := p.next(t, 5*time.Second); string(rep.Result) != "1" || rep.MsgID != "m1" || !rep.Ending {
		t.Errorf("reply %+v", rep)
	}
	p.send(t, topic, good) // the same _unique_id again
	noCT := p.call(t, "count", `{}`, "m2", "u2")
	noCT.ContentType = ""
	p.send(t, topic, noCT)
	v21 := props([]byte(`{"oslo.version": "2.1", "oslo.message": "{\"method\": \"count\", \"args\": {}, \"_msg_id\": \"m3\", \"_reply_q\": \"`+p.replyQ+`\", \"_unique_id\": \"u3\"}"}`), 0)
	p.send(t, topic, v21)
	big := p.call(t, "count", `{"pad": "`+strings.Repeat("a", 5000)+`"}`, "m4", "u4")
	p.send(t, topic, big)
	p.none(t, time.Second)
	bare := props([]byte(`{"method": "count", "args": {}, "_msg_id": "m5", "_reply_q": "`+p.replyQ+`"}`), 0)
	bare.ContentEncoding, bare.DeliveryMode = "", amqp.Transient
	p.send(t, topic, bare)
	if rep := p.next(t, 5*time.Second); string(rep.Result) != "2" || rep.MsgID != "m5" {
		t.Errorf("bare 1.0 call: %+v", rep)
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("%d runs, want 2", n)
	}
}

// TestServerReplyRetry answers a call whose reply queue does not exist yet: the server retries
// every 250 ms and the reply arrives once the queue is declared.
func TestServerReplyRetry(t *testing.T) {
	r := peertest.SharedRabbit(t)
	topic := "harp_retry_" + uuidHex()[:8]
	listen(t, r.URL, topic, "r1")
	p := newRawPeer(t, r.URL)
	late := "reply_" + uuidHex()
	body, _ := AppendRequest(nil, &Request{Method: "add", Args: json.RawMessage(`{"x": 1, "y": 2}`), MsgID: "late", ReplyQueue: late, UniqueID: uuidHex()})
	p.send(t, topic, props(body, 0))
	time.Sleep(700 * time.Millisecond)
	if err := declareQueue(p.ch, late, time.Minute); err != nil {
		t.Fatal(err)
	}
	defer p.ch.QueueDelete(late, false, false, false)
	ds, err := p.ch.Consume(late, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-ds:
		if rep, err := ParseReply(m.Body); err != nil || string(rep.Result) != "3" {
			t.Errorf("late reply %+v %v", rep, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reply never came once the queue existed")
	}
}

// TestServerBoundAndGracefulStop runs more calls than MaxInFlight allows at once (never more
// than the bound run together), then shuts the server down while calls run: each call it took
// finishes and is answered, and those it did not take stay in the queue for another server.
func TestServerBoundAndGracefulStop(t *testing.T) {
	r := peertest.SharedRabbit(t)
	topic := "harp_bound_" + uuidHex()[:8]
	var running, peak atomic.Int64
	release := make(chan struct{})
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("work", func(n int) int {
		cur := running.Add(1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		<-release
		running.Add(-1)
		return n
	}, "")
	core, _ := rpc.NewServer(reg, nil)
	cfg := DefaultConfig(topic)
	cfg.MaxInFlight = 2
	s, err := Listen(context.Background(), r.URL, core, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := dialClient(t, r.URL, topic, func(c *ClientConfig) { c.Timeout = 30 * time.Second })
	var wg sync.WaitGroup
	results := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int
			err := c.Call(context.Background(), "work", map[string]int{"n": i}, &n)
			if err == nil && n != i {
				t.Errorf("work(%d) = %d", i, n)
			}
			results <- err
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for running.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for a third to start, were the bound not kept
	if p := peak.Load(); p != 2 {
		t.Errorf("%d calls ran at once, want the bound 2", p)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Shutdown(context.Background()) }()
	time.Sleep(200 * time.Millisecond)
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(3 * time.Second); len(results) < 2 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a third answer would show now
	if n := len(results); n != 2 {
		t.Errorf("%d calls answered by the stopped server, want the 2 it was running", n)
	}
	// The calls the server took were answered; a second server of the same methods takes the
	// rest, which waited in the queue.
	cfg.Server = "b2"
	s2, err := Listen(context.Background(), r.URL, core, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Errorf("call: %v", err)
		}
	}
}

// TestServerDropsLateReply sends a call whose expiration (the caller's timeout, 300 ms) passes
// while it runs: the handler gets that deadline and ends with it, and the server sends no
// reply, as the caller has given up (oslo.messaging's client drops a late reply); a reply sent
// then would race the caller's own timeout and could reach it as a remote error. A call that
// ends in time is answered.
func TestServerDropsLateReply(t *testing.T) {
	r := peertest.SharedRabbit(t)
	topic := "harp_late_" + uuidHex()[:8]
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("wait", func(ctx context.Context, ms int) (int, error) {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			return ms, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}, "")
	core, _ := rpc.NewServer(reg, nil)
	s, err := Listen(context.Background(), r.URL, core, DefaultConfig(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := newRawPeer(t, r.URL)
	late := p.call(t, "wait", `{"ms": 5000}`, "m1", "u1")
	late.Expiration = "300"
	p.send(t, topic, late)
	p.none(t, 1500*time.Millisecond)
	quick := p.call(t, "wait", `{"ms": 10}`, "m2", "u2")
	quick.Expiration = "5000"
	p.send(t, topic, quick)
	if rep := p.next(t, 5*time.Second); string(rep.Result) != "10" || rep.MsgID != "m2" {
		t.Errorf("a call within its timeout: %+v", rep)
	}
}
