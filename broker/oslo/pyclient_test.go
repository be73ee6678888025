package oslo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// pyResult is one line of testdata/oslo_client.py's output.
type pyResult struct {
	OK    any `json:"ok"`
	Error *struct {
		Type    string   `json:"type"`
		Module  string   `json:"module"`
		ExcType string   `json:"exc_type"`
		Value   string   `json:"value"`
		Args    []string `json:"args"`
	} `json:"error"`
	Secs float64 `json:"secs"`
}

// runPyClient runs the Python oslo.messaging client with ops and returns one result per op.
func runPyClient(t *testing.T, url, topic string, ops []map[string]any) []pyResult {
	t.Helper()
	js, _ := json.Marshal(ops)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := peertest.RunOslo(ctx, t, "testdata/oslo_client.py", pyURL(url), topic, string(js))
	if err != nil {
		t.Fatal(err)
	}
	var rs []pyResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r pyResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		rs = append(rs, r)
	}
	if len(rs) != len(ops) {
		t.Fatalf("%d results for %d ops: %s", len(rs), len(ops), out)
	}
	return rs
}

// TestPythonClientCallsHarpServer has Python's RPCClient call a harp Server: keyword arguments
// bound positionally and to a struct, the request context and id, faults mapped to oslo's
// exceptions, a version no endpoint has, and prepare(server=...).
func TestPythonClientCallsHarpServer(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	topic := "harp_pyclient_" + uuidHex()[:8]
	listen(t, r.URL, topic, "s1")
	listen(t, r.URL, topic, "s2")
	rs := runPyClient(t, r.URL, topic, []map[string]any{
		{"op": "call", "method": "add", "args": map[string]any{"x": 2, "y": 3}},
		{"op": "call", "method": "norm1", "args": map[string]any{"y": -4, "x": 3}},
		{"op": "call", "method": "context", "context": map[string]any{"user_id": "u1", "request_id": "req-harp-1", "roles": []string{"a", "b"}}},
		{"op": "call", "method": "fail"},
		{"op": "call", "method": "fault"},
		{"op": "call", "method": "nope"},
		{"op": "call", "method": "add", "args": map[string]any{"x": "two", "y": 3}},
		{"op": "call", "method": "add", "args": map[string]any{"x": 1, "y": 1}, "version": "2.0"},
		{"op": "call", "method": "add", "args": map[string]any{"x": 1, "y": 1}, "version": "1.0"},
		{"op": "call", "method": "whoami", "server": "s2"},
		{"op": "call", "method": "whoami", "server": "s1"},
		{"op": "call", "method": "echo", "args": map[string]any{"s": "h\u00e9llo \U0001F600"}},
	})
	check := func(i int, want any) {
		t.Helper()
		got, _ := json.Marshal(rs[i].OK)
		w, _ := json.Marshal(want)
		if rs[i].Error != nil || !bytes.Equal(got, w) {
			t.Errorf("op %d: got %s (error %+v), want %s", i, got, rs[i].Error, w)
		}
	}
	fails := func(i int, typ, excType, valuePart string) {
		t.Helper()
		e := rs[i].Error
		if e == nil || e.Type != typ || e.ExcType != excType || !strings.Contains(e.Value+strings.Join(e.Args, " "), valuePart) {
			t.Errorf("op %d: got %+v (ok %v), want %s %s %q", i, e, rs[i].OK, typ, excType, valuePart)
		}
	}
	check(0, 5)
	check(1, 7)
	check(2, map[string]any{"request_id": "req-harp-1", "ctx_user_id": "u1", "ctx_request_id": "req-harp-1",
		"ctx_roles": []string{"a", "b"}, "ctx_client_timeout": nil})
	fails(3, "RemoteError", "Fault", "boom from fail()")
	fails(4, "RemoteError", "Fault", "four")
	fails(5, "RemoteError", "NoSuchMethod", "nope")
	fails(6, "TypeError", "", "params[0]")
	fails(7, "RemoteError", "UnsupportedVersion", "2.0")
	check(8, 2)
	check(9, "s2")
	check(10, "s1")
	check(11, "h\u00e9llo \U0001F600")
}

// TestPythonCastsReachHarpServers has Python cast to the topic (one server runs it) and fan
// out (every server runs it), counting the runs.
func TestPythonCastsReachHarpServers(t *testing.T) {
	peertest.Oslo(t)
	r := peertest.SharedRabbit(t)
	topic := "harp_pycast_" + uuidHex()[:8]
	runs := make(chan string, 16)
	for _, name := range []string{"s1", "s2"} {
		core := testCore(t, name)
		reg := core.Dispatcher().(interface {
			MustRegister(string, any, string)
		})
		reg.MustRegister("record", func(ctx context.Context, n int) {
			runs <- name + ":" + RequestContext(ctx)["user_id"].(string) + ":" + string(rune('0'+n))
		}, "")
		cfg := DefaultConfig(topic)
		cfg.Server = name
		s, err := Listen(context.Background(), r.URL, core, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
	}
	runPyClient(t, r.URL, topic, []map[string]any{
		{"op": "cast", "method": "record", "args": map[string]any{"n": 1}, "context": map[string]any{"user_id": "u"}},
		{"op": "fanout", "method": "record", "args": map[string]any{"n": 2}, "context": map[string]any{"user_id": "u"}},
		{"op": "cast", "method": "record", "args": map[string]any{"n": 3}, "server": "s2", "context": map[string]any{"user_id": "u"}},
	})
	got := map[string]int{}
	timeout := time.After(10 * time.Second)
	for n := 0; n < 4; n++ { // the cast once, the fanout on both, the server cast once
		select {
		case s := <-runs:
			got[s[3:]]++
			got[s]++
		case <-timeout:
			t.Fatalf("runs so far: %v", got)
		}
	}
	time.Sleep(300 * time.Millisecond) // a run twice would show now
	select {
	case s := <-runs:
		t.Errorf("an extra run: %s (so far %v)", s, got)
	default:
	}
	if got["u:1"] != 1 || got["u:2"] != 2 || got["s2:u:3"] != 1 {
		t.Errorf("runs: %v; want the cast once, the fanout on both servers, the server cast on s2", got)
	}
}
