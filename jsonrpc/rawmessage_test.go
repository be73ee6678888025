package jsonrpc

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestRawMessageParams checks that json.RawMessage is a parameter target that keeps each
// parameter's exact text, copied out of the body, and that a request built of those RawMessages
// decodes as the original does.
func TestRawMessageParams(t *testing.T) {
	body := []byte(`{"jsonrpc":"2.0","id":7,"method":"m","params":[1, "a\u00e9\"", {"k":[true,null,1.5]}, [], 12345678901234567890]}`)
	reqs, _, err := DecodeRequests(body)
	if err != nil || len(reqs) != 1 || reqs[0].Err != nil {
		t.Fatalf("%v %v", reqs, err)
	}
	r := &reqs[0]
	want := []string{`1`, `"a\u00e9\""`, `{"k":[true,null,1.5]}`, `[]`, `12345678901234567890`}
	raws := make([]any, r.NumParams())
	for i := range raws {
		var m json.RawMessage
		if err := r.DecodeParam(i, &m); err != nil {
			t.Fatalf("params[%d]: %v", i, err)
		}
		if string(m) != want[i] {
			t.Fatalf("params[%d] = %s, want %s", i, m, want[i])
		}
		raws[i] = m
	}
	var m json.RawMessage
	if err := r.DecodeParam(2, &m); err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if string(m) != want[2] {
		t.Fatalf("the RawMessage changed with the body: %s", m)
	}

	fwd, err := MarshalRequest(ID{}, "m", raws...)
	if err != nil {
		t.Fatal(err)
	}
	orig, _, _ := DecodeRequests([]byte(`{"jsonrpc":"2.0","id":7,"method":"m","params":[1, "a\u00e9\"", {"k":[true,null,1.5]}, [], 12345678901234567890]}`))
	again, _, err := DecodeRequests(fwd)
	if err != nil {
		t.Fatalf("%s: %v", fwd, err)
	}
	a, errA := orig[0].Params()
	b, errB := again[0].Params()
	if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("forwarded %s decodes as %#v (%v), the original as %#v (%v)", fwd, b, errB, a, errA)
	}
}

// TestRawMessageResult checks that a result decodes into a json.RawMessage and that a
// RawMessage result is written verbatim.
func TestRawMessageResult(t *testing.T) {
	resp := []byte(`{"jsonrpc":"2.0","id":1,"result": {"a":[1,2,{"b":"c"}]} }`)
	var m json.RawMessage
	if err := UnmarshalResponse(resp, &m); err != nil {
		t.Fatal(err)
	}
	if string(m) != `{"a":[1,2,{"b":"c"}]}` {
		t.Fatalf("result = %s", m)
	}
	reqs, _, err := DecodeRequests([]byte(`{"jsonrpc":"2.0","id":1,"method":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := EncodeOptions{}.AppendResponse(nil, &reqs[0], m)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"jsonrpc":"2.0","id":1,"result":{"a":[1,2,{"b":"c"}]}}` {
		t.Fatalf("response = %s", out)
	}
	if _, err := (EncodeOptions{}).AppendResponse(nil, &reqs[0], json.RawMessage(`{"a":`)); err == nil {
		t.Fatal("an invalid RawMessage result was written")
	}
}

// TestRawMessagePlainRequest checks json.RawMessage targets on a request of the plain shape,
// which the request fast path reads.
func TestRawMessagePlainRequest(t *testing.T) {
	reqs, _, err := DecodeRequests([]byte(`{"jsonrpc":"2.0","method":"add","params":[2,"x"],"id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`2`, `"x"`} {
		var m json.RawMessage
		if err := reqs[0].DecodeParam(i, &m); err != nil || string(m) != want {
			t.Fatalf("params[%d] = %s, %v; want %s", i, m, err, want)
		}
	}
}
