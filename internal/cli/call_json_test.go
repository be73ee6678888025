package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

func TestCallJSONRPC(t *testing.T) {
	url := demoServer(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--jsonrpc", url, "add", "2", "3"}, "5\n"},
		{[]string{url, "add", "2", "3", "--jsonrpc"}, "5\n"},
		{[]string{"--jsonrpc", url, "echo", "I/9007199254740993"}, "9007199254740993\n"},
		{[]string{"--jsonrpc", url, "echo", "b64/aGk="}, `"aGk="` + "\n"},
		{[]string{"--jsonrpc", url, "echo", "t/19980717T14:08:55"}, `"1998-07-17T14:08:55Z"` + "\n"},
		{[]string{"--jsonrpc", url, "echo", `{"k":[1,"s",null,1.5,true]}`}, `{"k":[1,"s",null,1.5,true]}`},
		{[]string{"--jsonrpc", url, "validator1.easyStructTest", `{"moe":1,"larry":2,"curly":3}`}, "6\n"},
		{[]string{"--jsonrpc", "--positional", url, "validator1.easyStructTest", `{"moe":1,"larry":2,"curly":3}`}, "6\n"},
		{[]string{"--jsonrpc", url, "system.methodSignature", "s/add"}, `[["integer","integer","integer"]]`},
	} {
		code, out, errs := harp(append([]string{"call"}, tc.args...)...)
		if code != ExitOK {
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, errs)
			continue
		}
		if compact(out) != compact(tc.want) {
			t.Errorf("%v: printed %q, want %q", tc.args, out, tc.want)
		}
	}
	// The Zabbix-style login, with named params.
	code, out, errs := harp("call", "--jsonrpc", url, "user.login", `{"username":"Admin","password":"zabbix"}`)
	if code != ExitOK || !regexp.MustCompile(`^"[0-9a-f]{32}"\n$`).MatchString(out) {
		t.Fatalf("user.login: %d %q %q", code, out, errs)
	}
	code, out, errs = harp("call", "--jsonrpc", url, "user.login", `{"username":"Admin","password":"nope"}`)
	if code != ExitFault || out != "" || !strings.Contains(errs, "error -32602: Invalid params.") {
		t.Fatalf("wrong password: %d %q %q", code, out, errs)
	}
	code, _, errs = harp("call", "--jsonrpc", url, "no.such")
	if code != ExitFault || !strings.Contains(errs, "-32601") {
		t.Fatalf("unknown method: %d %q", code, errs)
	}
	for _, args := range [][]string{
		{"call", "--jsonrpc", "--xml", url, "add", "1", "2"},
		{"call", "--positional", url, "add", "1", "2"},
		{"call", "--notify", url, "add", "1", "2"},
	} {
		if code, _, errs := harp(args...); code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want usage error", args, code, errs)
		}
	}
}

// TestCallJSONRPCParamsShape checks what goes on the wire: named params for one object argument,
// positional ones otherwise and with --positional, and notifications without an id.
func TestCallJSONRPCParamsShape(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	codec := jsonrpc.Codec{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, _ := codec.Serve(context.Background(), nil, body, func(_ context.Context, req *jsonrpc.Request) (any, error) {
			shape := "positional"
			if req.Named() {
				shape = "named"
			}
			if req.IsNotification() {
				shape += " notification"
			}
			mu.Lock()
			seen = append(seen, shape)
			mu.Unlock()
			return shape, nil
		})
		if len(out) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}))
	defer ts.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"m", `{"a":1}`}, `"named"` + "\n"},
		{[]string{"m", ` {"a":1}`}, `"named"` + "\n"},
		{[]string{"--positional", "m", `{"a":1}`}, `"positional"` + "\n"},
		{[]string{"m", `{"a":1}`, "2"}, `"positional"` + "\n"},
		{[]string{"m", `s/{"a":1}`}, `"positional"` + "\n"},
		{[]string{"m", "[1]"}, `"positional"` + "\n"},
		{[]string{"--notify", "m", "1"}, ""},
	} {
		code, out, errs := harp(append([]string{"call", "--jsonrpc", ts.URL}, tc.args...)...)
		if code != ExitOK || out != tc.want {
			t.Errorf("%v: exit %d, printed %q (stderr %q), want %q", tc.args, code, out, errs, tc.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[len(seen)-1] != "positional notification" {
		t.Fatalf("--notify sent %q", seen[len(seen)-1])
	}
}

func TestListJSONRPC(t *testing.T) {
	url := demoServer(t)
	code, out, errs := harp("list", "--jsonrpc", url)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"add(integer, integer) integer\n    add(x, y): x + y.", "user.login(object) string"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}
