package oslo

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harp-rpc/harp/internal/peertest"
)

// brokerObject is one row of rabbitmqctl's JSON listings.
type brokerObject struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Durable    bool            `json:"durable"`
	AutoDelete bool            `json:"auto_delete"`
	Exclusive  bool            `json:"exclusive"`
	Arguments  json.RawMessage `json:"arguments"` // [] or [[name, type, value], ...]
	Consumers  int             `json:"consumers"`
}

func list(t *testing.T, r *peertest.Rabbit, what string, cols ...string) map[string]brokerObject {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := r.Ctl(ctx, append([]string{what, "--formatter", "json"}, cols...)...)
	if err != nil {
		t.Fatal(err)
	}
	var rows []brokerObject
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("%s: %v: %s", what, err, out)
	}
	m := map[string]brokerObject{}
	for _, o := range rows {
		m[o.Name] = o
	}
	return m
}

// TestTopologyMatchesPython serves one topic from a harp server and a Python oslo.messaging
// server at once (a flag that differed would close one side's channel with 406), calls it from
// both clients, and reads the broker's listings: exchanges, queues, flags and arguments as
// ../shared/oslo-wire.md records them.
func TestTopologyMatchesPython(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	if r.Node == "" {
		t.Skip("no rabbitmqctl for this broker (set HARP_RABBIT_NODE and HARP_RABBIT_HOME with HARP_RABBIT_URL)")
	}
	topic := "harp_topo_" + uuidHex()[:8]
	hs := listen(t, r.URL, topic, "h1")
	startPyServers(t, r.URL, topic, "p1")
	c := dialClient(t, r.URL, topic, nil)
	ctx := context.Background()
	for _, server := range []string{"h1", "p1", ""} {
		if err := c.Prepare(Target{Server: server}).Call(ctx, "whoami", nil, nil); err != nil {
			t.Fatalf("whoami on %q: %v", server, err)
		}
	}
	runPyClient(t, r.URL, topic, []map[string]any{{"op": "call", "method": "whoami", "server": "h1"}})

	ex := list(t, r, "list_exchanges", "name", "type", "durable", "auto_delete", "arguments")
	if o := ex[DefaultExchange]; o.Type != "topic" || o.Durable || o.AutoDelete || string(o.Arguments) != "[]" {
		t.Errorf("exchange openstack: %+v", o)
	}
	if o := ex[FanoutExchange(topic)]; o.Type != "fanout" || o.Durable || !o.AutoDelete || string(o.Arguments) != "[]" {
		t.Errorf("exchange %s: %+v", FanoutExchange(topic), o)
	}
	qs := list(t, r, "list_queues", "name", "durable", "auto_delete", "exclusive", "arguments", "consumers")
	plain := func(name string, consumers int) {
		t.Helper()
		o, ok := qs[name]
		if !ok || o.Durable || o.AutoDelete || o.Exclusive || string(o.Arguments) != "[]" || o.Consumers != consumers {
			t.Errorf("queue %s: %+v (present %v), want plain with %d consumers", name, o, ok, consumers)
		}
	}
	plain(topic, 2)
	plain(topic+".h1", 1)
	plain(topic+".p1", 1)
	expiring := 0
	for name, o := range qs {
		isFanout := strings.HasPrefix(name, FanoutExchange(topic)+"_")
		isReply := strings.HasPrefix(name, "reply_") && len(name) == len("reply_")+32
		if !isFanout && !(isReply && name == c.core.replyQ) {
			continue
		}
		expiring++
		if o.Durable || o.AutoDelete || o.Exclusive || string(o.Arguments) != `[["x-expires","signedint",1800000]]` {
			t.Errorf("queue %s: %+v, want x-expires 1800000 (signedint) only", name, o)
		}
	}
	if expiring != 3 { // harp's and Python's fanout queues, harp's reply queue
		t.Errorf("%d fanout and reply queues, want 3: %v", expiring, qs)
	}
	fq := hs.FanoutQueue()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, still := list(t, r, "list_queues", "name")[fq]; still {
		t.Errorf("fanout queue %s left after Shutdown", fq)
	}
}

// TestRedeclareRefused shows why the flags matter: the broker refuses a topic exchange
// declared durable once oslo's non-durable one exists.
func TestRedeclareRefused(t *testing.T) {
	r := peertest.SharedRabbit(t)
	listen(t, r.URL, "harp_redeclare", "h1")
	conn, err := amqp.Dial(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	err = ch.ExchangeDeclare(DefaultExchange, "topic", true, false, false, false, nil)
	var ae *amqp.Error
	if !errors.As(err, &ae) || ae.Code != amqp.PreconditionFailed {
		t.Errorf("durable redeclare: %v, want 406", err)
	}
}

// TestCallMonitorSilence has a consumer take a call and never answer: with a call monitor the
// harp client gives up after the monitor's timeout, well before its own.
func TestCallMonitorSilence(t *testing.T) {
	r := peertest.SharedRabbit(t)
	topic := "harp_silent_" + uuidHex()[:8]
	conn, err := amqp.Dial(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	if err := declareTopicExchange(ch, DefaultExchange); err != nil {
		t.Fatal(err)
	}
	if err := declareQueue(ch, topic, 0); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(topic, topic, DefaultExchange, false, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.QueueDelete(topic, false, false, false)
	taken, err := ch.Consume(topic, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := dialClient(t, r.URL, topic, func(c *ClientConfig) { c.MonitorTimeout = 2 * time.Second; c.Timeout = 20 * time.Second })
	start := time.Now()
	err = c.Call(context.Background(), "add", nil, nil)
	var te *TimeoutError
	if el := time.Since(start); !errors.As(err, &te) || el < 2*time.Second || el > 5*time.Second {
		t.Errorf("silent server: %v after %v, want a timeout after the 2 s monitor", err, el)
	}
	select {
	case d := <-taken:
		req, err := ParseRequest(d.Body)
		if err != nil || req.MonitorTimeout != 2 || d.Expiration != "20000" {
			t.Errorf("request taken: %+v %v expiration %q", req, err, d.Expiration)
		}
		// The properties of every oslo publish (oslo-wire.md §3).
		if d.ContentType != "application/json" || d.ContentEncoding != "utf-8" || d.DeliveryMode != 2 ||
			d.Priority != 0 || len(d.Headers) != 0 || d.ReplyTo != "" || d.CorrelationId != "" || d.MessageId != "" || d.Type != "" {
			t.Errorf("call properties: %+v", d)
		}
	default:
		t.Error("the call never reached the consumer")
	}
}
