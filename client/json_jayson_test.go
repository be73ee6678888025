package client

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/jsonrpc"
)

// jaysonServer is a JSON-RPC 2.0 server written with Node's jayson package. It prints its port.
const jaysonServer = `
const jayson = require('jayson');
const notes = [];
const server = new jayson.Server({
  add: (args, cb) => cb(null, args[0] + args[1]),
  echo: (args, cb) => cb(null, args[0]),
  login: (args, cb) => args.password === 'zabbix'
    ? cb(null, 'token-of-' + args.username)
    : cb({code: -32602, message: 'Invalid params.', data: 'Incorrect user name or password.'}),
  fail: (args, cb) => cb({code: args[0], message: 'asked to'}),
  note: (args, cb) => { notes.push(args[0]); cb(); },
  notes: (args, cb) => cb(null, notes),
});
server.http().listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`

// startJayson runs jaysonServer and returns its URL; the test's cleanup stops it.
func startJayson(t *testing.T) string {
	t.Helper()
	dir := peertest.NodeModule(t, "jayson")
	script := filepath.Join(t.TempDir(), "server.js")
	if err := os.WriteFile(script, []byte(jaysonServer), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Dir(dir))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("jayson server did not start: %v", err)
	}
	return "http://127.0.0.1:" + strings.TrimSpace(port) + "/"
}

// TestJaysonServer calls a jayson server with harp's JSON-RPC client: positional and named
// params, error objects, notifications and batches.
func TestJaysonServer(t *testing.T) {
	url := startJayson(t)
	c := newClient(t, url, WithJSONRPC())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var sum int
	if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("add: %d %v", sum, err)
	}
	var echoed map[string]any
	in := map[string]any{"s": "unicode ☃ \U0001F600", "n": nil, "a": []any{1, 1.5, true}}
	if err := c.Call(ctx, "echo", &echoed, in); err != nil || !reflect.DeepEqual(echoed, in) {
		t.Fatalf("echo: %v %v", echoed, err)
	}
	var token string
	if err := c.CallNamed(ctx, "login", &token, login{Username: "Admin", Password: "zabbix"}); err != nil || token != "token-of-Admin" {
		t.Fatalf("login: %q %v", token, err)
	}
	var je *jsonrpc.Error
	err := c.CallNamed(ctx, "login", &token, login{Username: "Admin", Password: "x"})
	if !errors.As(err, &je) || je.Code != -32602 || je.Data != "Incorrect user name or password." {
		t.Fatalf("wrong password: %v", err)
	}
	if err := c.Call(ctx, "fail", nil, 4711); !errors.As(err, &je) || je.Code != 4711 || je.Message != "asked to" {
		t.Fatalf("fail: %v", err)
	}
	if err := c.Call(ctx, "nope", nil); !errors.As(err, &je) || je.Code != jsonrpc.CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}

	for _, s := range []string{"one", "two"} {
		if err := c.Notify(ctx, "note", s); err != nil {
			t.Fatalf("notify: %v", err)
		}
	}
	var notes []string
	if err := c.Call(ctx, "notes", &notes); err != nil || !reflect.DeepEqual(notes, []string{"one", "two"}) {
		t.Fatalf("notes: %v %v", notes, err)
	}

	var a, b int
	calls := []*Call{NewCall("add", &a, 1, 2), NewCall("fail", nil, 9), NewCall("add", &b, 40, 2)}
	if err := c.Batch(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || a != 3 || !errors.As(calls[1].Err, &je) || je.Code != 9 || calls[2].Err != nil || b != 42 {
		t.Fatalf("batch: %d %d; %v %v %v", a, b, calls[0].Err, calls[1].Err, calls[2].Err)
	}
}
