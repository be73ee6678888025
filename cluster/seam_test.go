package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// pipe is a Transport that is not HTTP: it hands a copy of each body to a serving core in memory
// and brings back a copy of its answer. down makes it refuse before anything reaches the core
// (not sent); lose makes it serve the call and then lose the answer (sent, outcome unknown).
type pipe struct {
	core       *rpc.Server
	down, lose atomic.Bool
}

type pipeError struct{ sent bool }

func (e *pipeError) Error() string   { return fmt.Sprintf("pipe: broken (sent %v)", e.sent) }
func (e *pipeError) NotSent() bool   { return !e.sent }
func (e *pipeError) Timeout() bool   { return false }
func (e *pipeError) StatusCode() int { return 0 }

func (p *pipe) RoundTrip(ctx context.Context, req *rpc.Request, dst []byte) ([]byte, error) {
	if p.down.Load() {
		return dst, &pipeError{sent: false}
	}
	body := append([]byte(nil), req.Body...)
	out, _, _ := p.core.Serve(ctx, p.core.Codec(req.Protocol), body, nil)
	if p.lose.Load() {
		return dst, &pipeError{sent: true}
	}
	return append(dst, out...), nil
}

// seamNode is one endpoint: a registry with counted methods behind a pipe.
type seamNode struct {
	pipe  *pipe
	incrs atomic.Int64 // executions of the non-idempotent incr
	adds  atomic.Int64
}

type pair struct {
	A int `xmlrpc:"a" json:"a"`
	B int `xmlrpc:"b" json:"b"`
}

func newSeamNode(t *testing.T, name string) *seamNode {
	n := &seamNode{}
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", func(a, b int) int { n.adds.Add(1); return a + b }, "")
	reg.MustRegister("sum", func(p pair) int { return p.A + p.B }, "")
	reg.MustRegister("incr", func() int { return int(n.incrs.Add(1)) }, "")
	reg.MustRegister("who", func() string { return name }, "")
	reg.MustRegister("fail", func() (int, error) { return 0, &xmlrpc.Fault{Code: 7, String: "no"} }, "")
	core, err := rpc.NewServer(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.pipe = &pipe{core: core}
	return n
}

// TestSeamEveryShape: three endpoints on an in-memory transport, served by the serving core and
// called by the calling core through a cluster, in both protocols and every call shape;
// failover of calls that were not sent, and at most one run of a non-idempotent call whose
// answer was lost.
func TestSeamEveryShape(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) { seamShapes(t, proto) })
	}
}

func seamShapes(t *testing.T, proto string) {
	nodes := map[string]*seamNode{}
	var eps []cluster.Endpoint
	for i := range 3 {
		url := fmt.Sprintf("mem://node%d", i)
		nodes[url] = newSeamNode(t, url)
		eps = append(eps, cluster.Endpoint{URL: url})
	}
	codec := rpc.NewXMLClientCodec(xmlrpc.EncodeOptions{}, xmlrpc.DecodeOptions{})
	if proto == "jsonrpc" {
		codec = rpc.NewJSONClientCodec(jsonrpc.EncodeOptions{}, jsonrpc.DecodeOptions{})
	}
	cfg := cluster.DefaultConfig()
	cfg.Health.Interval = 0 // no active checks: the test drives health itself
	cfg.Methods = map[string]cluster.MethodConfig{"add": {Idempotent: true}, "who": {Idempotent: true}}
	c, err := cluster.New(eps, func(ep cluster.Endpoint) (cluster.Caller, error) {
		return rpc.NewClient(nodes[ep.URL].pipe, &rpc.ClientConfig{Codec: codec, Endpoint: ep.URL})
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	// Plain calls spread over every endpoint.
	seen := map[string]bool{}
	for range 6 {
		var who string
		if err := c.Call(ctx, "who", &who); err != nil {
			t.Fatal(err)
		}
		seen[who] = true
	}
	if len(seen) != 3 {
		t.Errorf("round robin reached %v", seen)
	}
	var n int
	if err := c.Call(ctx, "add", &n, 2, 3); err != nil || n != 5 {
		t.Fatalf("add: %d, %v", n, err)
	}
	// A fault is an answer: returned as it came, not retried.
	err = c.Call(ctx, "fail", nil)
	var fc interface{ FaultCode() int }
	if !errors.As(err, &fc) || fc.FaultCode() != 7 {
		t.Errorf("fail: %v", err)
	}
	// Named params.
	if err := c.CallNamed(ctx, "sum", &n, pair{A: 4, B: 5}); err != nil || n != 9 {
		t.Errorf("sum: %d, %v", n, err)
	}
	// A batch (JSON-RPC's own, XML-RPC's system.multicall) and an explicit multicall.
	var x, y int
	calls := []*rpc.Call{rpc.NewCall("add", &x, 1, 2), rpc.NewCall("add", &y, 3, 4), rpc.NewCall("fail", nil)}
	if err := c.Batch(ctx, calls...); err != nil || x != 3 || y != 7 || calls[0].Err != nil || !errors.As(calls[2].Err, &fc) {
		t.Errorf("batch: %v; %d %d; %v %v", err, x, y, calls[0].Err, calls[2].Err)
	}
	x, y = 0, 0
	calls = []*rpc.Call{rpc.NewCall("add", &x, 5, 6), rpc.NewCall("add", &y, 7, 8)}
	if err := c.MultiCall(ctx, calls...); err != nil || x != 11 || y != 15 {
		t.Errorf("multicall: %v; %d %d", err, x, y)
	}
	// Raw bytes: an encoded call passes through, and the answer comes back undecoded.
	body, _, err := codec.AppendCall(nil, "add", []any{20, 22})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.RoundTrip(ctx, &rpc.Request{Protocol: proto, Method: "add", Body: body}, nil)
	if err != nil || !strings.Contains(string(raw), "42") {
		t.Errorf("raw: %s, %v", raw, err)
	}

	// One endpoint down (nothing sent): every shape fails over, idempotent or not.
	for _, node := range nodes {
		node.pipe.down.Store(true)
		break
	}
	for i := range 6 {
		if err := c.Call(ctx, "incr", &n); err != nil {
			t.Fatalf("incr %d with one endpoint down: %v", i, err)
		}
	}
	total := int64(0)
	for _, node := range nodes {
		total += node.incrs.Load()
		node.pipe.down.Store(false)
	}
	if total != 6 {
		t.Errorf("6 incr calls ran %d times", total)
	}

	// Every endpoint loses its answers (sent, outcome unknown): a non-idempotent call runs once
	// and fails; an idempotent one is retried.
	before := int64(0)
	addsBefore := int64(0)
	for _, node := range nodes {
		before += node.incrs.Load()
		addsBefore += node.adds.Load()
		node.pipe.lose.Store(true)
	}
	var ce *cluster.CallError
	if err := c.Call(ctx, "incr", &n); !errors.As(err, &ce) {
		t.Errorf("incr with lost answers: %v", err)
	}
	calls = []*rpc.Call{rpc.NewCall("add", nil, 1, 1), rpc.NewCall("incr", nil)}
	if err := c.Batch(ctx, calls...); err == nil {
		t.Error("batch with lost answers succeeded")
	}
	after, addsAfter := int64(0), int64(0)
	for _, node := range nodes {
		after += node.incrs.Load()
		addsAfter += node.adds.Load()
	}
	if after-before != 2 {
		t.Errorf("non-idempotent incr (alone, then in a batch) ran %d times, want once each", after-before)
	}
	_ = c.Call(ctx, "add", &n, 1, 1)
	var after2 int64
	for _, node := range nodes {
		after2 += node.adds.Load()
	}
	if got := after2 - addsAfter; got < 2 {
		t.Errorf("idempotent add with lost answers ran %d times, want retries", got)
	}
}
