package client

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/harp-rpc/harp/xmlrpc"
)

func TestMultiCall(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	var sum int
	var echoed map[string]any
	var anyv any
	var wrong []string
	calls := []*Call{
		NewCall("add", &sum, 2, 3),
		NewCall("fault", nil, 7, "seven"),
		NewCall("echo", &echoed, map[string]any{"k": int64(1) << 40}),
		NewCall("no.such", nil),
		NewCall("add", &anyv, 1, 1),
		NewCall("add", &wrong, 1, 1),
		NewCall("echo", nil, "discarded"),
	}
	if err := c.MultiCall(context.Background(), calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || sum != 5 {
		t.Errorf("add: %d, %v", sum, calls[0].Err)
	}
	var f *xmlrpc.Fault
	if !errors.As(calls[1].Err, &f) || f.Code != 7 || f.String != "seven" {
		t.Errorf("fault: %v", calls[1].Err)
	}
	if calls[2].Err != nil || echoed["k"] != int64(1)<<40 {
		t.Errorf("echo: %v, %v", echoed, calls[2].Err)
	}
	if !errors.As(calls[3].Err, &f) || f.Code != xmlrpc.CodeMethodNotFound {
		t.Errorf("unknown method: %v", calls[3].Err)
	}
	if calls[4].Err != nil || anyv != 2 {
		t.Errorf("any reply: %v, %v", anyv, calls[4].Err)
	}
	var re *ResponseError
	if !errors.As(calls[5].Err, &re) {
		t.Errorf("mismatched reply: %v", calls[5].Err)
	}
	if calls[6].Err != nil {
		t.Errorf("discarded: %v", calls[6].Err)
	}
	if ts.calls.Load() != 6 {
		t.Errorf("server ran %d calls, want 6", ts.calls.Load())
	}
}

func TestMultiCallWholeBatchErrors(t *testing.T) {
	ts := newTestServer(t)
	c := newClient(t, ts.URL)
	if err := c.MultiCall(context.Background()); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	if err := c.MultiCall(context.Background(), NewCall("system.multicall", nil)); err == nil {
		t.Fatal("nested multicall accepted")
	}
	// A server answering the wrong number of results.
	url := answer(t, "", `<?xml version="1.0"?><methodResponse><params><param><value><array><data>
<value><array><data><value><int>1</int></value></data></array></value></data></array></value></param></params></methodResponse>`)
	call1, call2 := NewCall("a", nil), NewCall("b", nil)
	err := newClient(t, url).MultiCall(context.Background(), call1, call2)
	var re *ResponseError
	if !errors.As(err, &re) || call1.Err != nil || call2.Err != nil {
		t.Fatalf("short answer: %v", err)
	}
	// A transport failure concerns the whole batch.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	err = newClient(t, "http://"+addr).MultiCall(context.Background(), NewCall("a", nil))
	var te *TransportError
	if !errors.As(err, &te) || !te.NotSent() {
		t.Fatalf("refused: %v", err)
	}
}

// TestMultiCallBareResults reads answers in supervisord's style, whose results are not wrapped
// in one-element arrays.
func TestMultiCallBareResults(t *testing.T) {
	url := answer(t, "", `<?xml version="1.0"?><methodResponse><params><param><value><array><data>
<value><int>5</int></value>
<value><string>s</string></value>
<value><struct><member><name>faultCode</name><value><int>70</int></value></member>
<member><name>faultString</name><value><string>NOT_RUNNING</string></value></member></struct></value>
<value><struct><member><name>k</name><value><int>1</int></value></member></struct></value>
</data></array></value></param></params></methodResponse>`)
	var n int
	var s string
	var m map[string]int
	calls := []*Call{NewCall("a", &n), NewCall("b", &s), NewCall("c", nil), NewCall("d", &m)}
	if err := newClient(t, url).MultiCall(context.Background(), calls...); err != nil {
		t.Fatal(err)
	}
	var f *xmlrpc.Fault
	if calls[0].Err != nil || n != 5 || calls[1].Err != nil || s != "s" || !errors.As(calls[2].Err, &f) || f.Code != 70 || calls[3].Err != nil || m["k"] != 1 {
		t.Fatalf("bare results: %d %v, %q %v, %v, %v %v", n, calls[0].Err, s, calls[1].Err, calls[2].Err, m, calls[3].Err)
	}
}
