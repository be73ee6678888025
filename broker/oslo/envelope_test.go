package oslo

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
)

// The exact call and reply oslo.messaging 14.0.3 put on the wire (../shared/oslo-wire.md §5,
// §6); the call's context keys are in sorted order, which is how harp writes them.
const (
	wireCall  = `{"oslo.version": "2.0", "oslo.message": "{\"method\": \"add\", \"args\": {\"x\": 2, \"y\": 3}, \"_msg_id\": \"d0003ce90a3d4e57a0593734e1a7e42f\", \"_reply_q\": \"reply_f23f0d09285948ce903204f805fa5944\", \"_timeout\": null, \"_unique_id\": \"6ff82867318d417888cc329ac8167488\", \"_context_request_id\": \"req-harp-1\", \"_context_roles\": [\"a\", \"b\"], \"_context_user_id\": \"u1\"}"}`
	wireReply = `{"oslo.version": "2.0", "oslo.message": "{\"result\": 5, \"failure\": null, \"ending\": true, \"_msg_id\": \"d0003ce90a3d4e57a0593734e1a7e42f\", \"_unique_id\": \"d6087102fe0b4d7c97b24d664ef63a31\"}"}`
	wireCast  = `{"oslo.version": "2.0", "oslo.message": "{\"method\": \"record\", \"args\": {\"n\": 1}, \"_unique_id\": \"918f\", \"_context_user_id\": \"u1\"}"}`
)

func TestRequestBytesAsOslo(t *testing.T) {
	call := &Request{Method: "add", Args: json.RawMessage(`{"x":2,"y":3}`), MsgID: "d0003ce90a3d4e57a0593734e1a7e42f",
		ReplyQueue: "reply_f23f0d09285948ce903204f805fa5944", UniqueID: "6ff82867318d417888cc329ac8167488",
		Context: map[string]any{"user_id": "u1", "request_id": "req-harp-1", "roles": []string{"a", "b"}}}
	got, err := AppendRequest(nil, call)
	if err != nil || string(got) != wireCall {
		t.Errorf("call:\n got %s %v\nwant %s", got, err, wireCall)
	}
	cast := &Request{Method: "record", Args: json.RawMessage(`{ "n" : 1 }`), UniqueID: "918f", Context: map[string]any{"user_id": "u1"}}
	if got, err := AppendRequest(nil, cast); err != nil || string(got) != wireCast {
		t.Errorf("cast:\n got %s %v\nwant %s", got, err, wireCast)
	}
	back, err := ParseRequest([]byte(wireCall))
	if err != nil || back.Method != "add" || string(back.Args) != `{"x": 2, "y": 3}` || back.MsgID != call.MsgID ||
		back.ReplyQueue != call.ReplyQueue || back.MonitorTimeout != 0 || back.Context["user_id"] != "u1" || !back.IsCall() {
		t.Errorf("parsed call: %+v, %v", back, err)
	}
	if _, err := AppendRequest(nil, &Request{Method: "m", Args: json.RawMessage(`[1]`)}); err == nil {
		t.Error("array args accepted")
	}
}

func TestReplyBytesAsOslo(t *testing.T) {
	r := &Reply{Result: json.RawMessage("5"), Ending: true, MsgID: "d0003ce90a3d4e57a0593734e1a7e42f", UniqueID: "d6087102fe0b4d7c97b24d664ef63a31"}
	got, err := AppendReply(nil, r)
	if err != nil || string(got) != wireReply {
		t.Errorf("reply:\n got %s %v\nwant %s", got, err, wireReply)
	}
	f := FailureFromFault(4, "four", "m")
	body, err := AppendReply(nil, &Reply{Failure: f, Ending: true, MsgID: "a", UniqueID: "b"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseReply(body)
	if err != nil || back.Failure == nil || back.Failure.Code(1) != 4 || back.Failure.FaultMessage() != "four" || back.Result != nil {
		t.Errorf("failure round trip: %+v %v", back, err)
	}
	// The failure is a JSON string inside the message JSON: double-encoded.
	var outer struct {
		M string `json:"oslo.message"`
	}
	var inner struct {
		Failure any `json:"failure"`
	}
	if json.Unmarshal(body, &outer) != nil || json.Unmarshal([]byte(outer.M), &inner) != nil {
		t.Fatal("not JSON")
	}
	if _, isString := inner.Failure.(string); !isString {
		t.Errorf("failure is %T, want a string", inner.Failure)
	}
}

func TestEnvelopeVersions(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"m\", \"args\": {}}"}`, true},
		{`{"method": "m", "args": {}}`, true}, // bare 1.0 message
		{`{"oslo.version": "2.1", "oslo.message": "{\"method\": \"m\"}"}`, false},
		{`{"oslo.version": "3.0", "oslo.message": "{\"method\": \"m\"}"}`, false},
		{`{"oslo.version": "1.0", "oslo.message": "{\"method\": \"m\"}"}`, false},
		{`{"oslo.version": "2.0", "oslo.message": "not json"}`, false},
		{`{"args": {}}`, false},
		{`"just a string"`, false},
		{`{"method": "m", "args": [1]}`, false},
		{`{"method": "m", "_msg_id": "x"}`, false}, // a call without a reply queue
	} {
		_, err := ParseRequest([]byte(tc.body))
		var ee *EnvelopeError
		if tc.ok != (err == nil) || (err != nil && !errors.As(err, &ee)) {
			t.Errorf("%s: %v", tc.body, err)
		}
	}
}

func TestFaultMapping(t *testing.T) {
	for _, tc := range []struct {
		code          int
		class, module string
	}{
		{rpc.CodeMethodNotFound, ClassNoSuchMethod, ModuleDispatcher},
		{rpc.CodeInvalidParams, ClassTypeError, ModuleBuiltins},
		{rpc.CodeInternalError, ClassFault, ModuleHarp},
		{7, ClassFault, ModuleHarp},
	} {
		f := FailureFromFault(tc.code, "msg", "m")
		if f.Class != tc.class || f.Module != tc.module || f.Code(99) != tc.code {
			t.Errorf("code %d: %+v -> %d", tc.code, f, f.Code(99))
		}
	}
	py := &Failure{Class: "HarpError", Module: "__main__", Message: "boom"}
	if py.Code(99) != 99 || py.FaultMessage() != "HarpError: boom" {
		t.Errorf("a Python exception: %d %q", py.Code(99), py.FaultMessage())
	}
}

// TestPythonSpacing compares harp's JSON with Python's json.dumps byte for byte: separators,
// ensure_ascii escapes of non-ASCII and astral characters, control characters.
func TestPythonSpacing(t *testing.T) {
	py := peertest.Python(t)
	v := map[string]any{"a": []any{1, 2.5, "h\u00e9 \U0001F600 <&> \"q\" \\ \n\t\u0001", nil, true}, "b": map[string]any{"c": "d"}}
	js, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", "import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), sort_keys=True))", string(js)).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalPython(nil, v)
	if err != nil || string(got) != string(out) {
		t.Errorf("\n got %s %v\nwant %s", got, err, out)
	}
	if s := appendPyString(nil, string(got)); !json.Valid(s) {
		t.Errorf("string literal %s is not JSON", s)
	}
}
