package jsonrpc

import (
	"bytes"
	"strings"
	"testing"
)

// checkFastRequest checks fastRequest against the general parser on data: when it takes a
// document, the general parser must decode the same single request from it.
func checkFastRequest(t *testing.T, o DecodeOptions, data string) (taken bool) {
	t.Helper()
	fast, ok := o.fastRequest([]byte(data))
	if !ok {
		return false
	}
	reqs, batch, err := o.parseRequests([]byte(data), nil, nil)
	if err != nil || batch || len(reqs) != 1 {
		t.Fatalf("fastRequest took %q, the general parser gives %d requests, batch %v, %v", data, len(reqs), batch, err)
	}
	r := reqs[0]
	if r.Err != nil || fast.Version != r.Version || fast.Method != r.Method || !bytes.Equal(fast.ID.raw, r.ID.raw) ||
		fast.params != r.params || fast.n != r.n || fast.named != r.named || fast.disallowUnknown != r.disallowUnknown {
		t.Fatalf("%q: fastRequest gives %+v, the general parser %+v (Err %v)", data, fast, r, r.Err)
	}
	for i := range r.n + 1 { // the same parameters, through the same cursors
		var a, b any
		errA, errB := fast.DecodeParam(i, &a), r.DecodeParam(i, &b)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("%q: param %d: %v against %v", data, i, errA, errB)
		}
	}
	return true
}

// TestFastRequestAgrees checks fastRequest against the general parser on a table of documents,
// and which ones it takes. It calls both directly, so it checks fastRequest under the
// harp_nofastpath tag too, where DecodeRequests no longer takes it.
func TestFastRequestAgrees(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		fast bool
	}{
		{`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`, true},
		{` { "jsonrpc" : "2.0" , "method" : "a.b" , "params" : [ ] , "id" : "x-1" } ` + "\n", true},
		{`{"jsonrpc": "2.0", "method": "echo", "params": ["s", -0, 0, -12, 1234567890123456789], "id": 0}`, true},
		{`{"jsonrpc":"2.0","method":"m","params":[12345678901234567890],"id":1}`, false}, // 20 digits
		{`{"jsonrpc":"2.0","method":"m","params":[1.5],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[1e3],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[01],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":["a\"b"],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":["é"],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[null],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":{"a":1},"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[1],"id":null}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[1]}`, false},
		{`{"jsonrpc":"2.0","method":"","params":[1],"id":1}`, false},
		{`{"jsonrpc":"1.0","method":"m","params":[1],"id":1}`, false},
		{`{"method":"m","jsonrpc":"2.0","params":[1],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[1],"id":1}x`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[1,],"id":1}`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[1],"id":1,"x":2}`, false},
		{`[{"jsonrpc":"2.0","method":"m","params":[1],"id":1}]`, false},
		{`{"jsonrpc":"2.0","method":"m","params":[-],"id":1}`, false},
	} {
		if got := checkFastRequest(t, DecodeOptions{}, tt.doc); got != tt.fast {
			t.Errorf("%q: fast path taken %v, want %v", tt.doc, got, tt.fast)
		}
	}
	// limits near the document's size leave it to the general parser
	many := `{"jsonrpc":"2.0","method":"m","params":[` + strings.Repeat("1,", 20) + `1],"id":1}`
	if checkFastRequest(t, DecodeOptions{MaxValues: 25}, many) || checkFastRequest(t, DecodeOptions{MaxDepth: 2}, many) {
		t.Error("fast path taken with a limit the general parser must judge")
	}
	if !checkFastRequest(t, DecodeOptions{MaxValues: 29}, many) {
		t.Error("fast path not taken under a limit far enough")
	}
}

// FuzzFastRequest checks fastRequest against the general parser on any document, calling both
// directly, with or without harp_nofastpath.
func FuzzFastRequest(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`,
		` {"jsonrpc" : "2.0", "method": "s.x", "params": ["a", -7, 0], "id": "i"}`,
		`{"jsonrpc":"2.0","method":"m","params":[],"id":-0}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		checkFastRequest(t, DecodeOptions{}, doc)
		checkFastRequest(t, DecodeOptions{MaxValues: 10, MaxDepth: 3, DisallowUnknownFields: true}, doc)
	})
}
