package server_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/internal/demo"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// demoServer serves the demo services (counter included) on 127.0.0.1 for a peer client and
// returns its address. /RPC2 serves both protocols; /api_jsonrpc.php, the Zabbix API's path,
// serves JSON-RPC only.
func demoServer(t *testing.T) string {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Register(reg, demo.NewCounter(0)); err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	cfg.JSONRPCPaths = []string{"/api_jsonrpc.php"}
	s, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return addr
}

// writeScript writes a peer's script into the test's temporary directory.
func writeScript(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pyJSONClient is a JSON-RPC client written with CPython's standard library only (json and
// urllib.request), as scripts calling the Zabbix API are.
const pyJSONClient = `
import json, re, sys, urllib.request

url = sys.argv[1]

def post(data, ctype="application/json"):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.headers.get("Content-Type"), r.read()

def call(method, params=None, id=1, ctype="application/json"):
    req = {"jsonrpc": "2.0", "method": method, "id": id}
    if params is not None:
        req["params"] = params
    status, ct, body = post(req, ctype)
    assert status == 200 and ct == "application/json", (status, ct, body)
    resp = json.loads(body)
    assert resp["jsonrpc"] == "2.0" and resp["id"] == id, resp
    assert ("result" in resp) != ("error" in resp), resp
    return resp

assert call("add", [2, 3])["result"] == 5

# The Zabbix API's login, verbatim.
status, ct, body = post({"jsonrpc": "2.0", "method": "user.login",
                         "params": {"username": "Admin", "password": "zabbix"}, "id": 1})
resp = json.loads(body)
assert status == 200 and resp["id"] == 1 and re.fullmatch("[0-9a-f]{32}", resp["result"]), resp
err = call("user.login", {"username": "Admin", "password": "wrong"})["error"]
assert err["code"] == -32602 and err["message"] == "Invalid params." and "Incorrect" in err["data"], err

assert call("validator1.easyStructTest", {"moe": 1, "larry": 2, "curly": 3})["result"] == 6
assert call("echo", [9007199254740993])["result"] == 9007199254740993  # exact beyond 2**53
v = {"s": "unicode \u2603 \U0001F600 <&>", "f": 1.5, "n": None, "b": True, "a": [1, [2, {}]]}
assert call("echo", [v])["result"] == v
assert call("echo", ["x"], id="an id")["result"] == "x"
assert call("echo", ["x"], id=None)["result"] == "x"
assert call("echo", ["sniffed"], ctype="text/plain")["result"] == "sniffed"
assert "user.login" in call("system.listMethods")["result"]
assert call("system.methodSignature", ["add"])["result"] == [["integer", "integer", "integer"]]

assert call("nope")["error"]["code"] == -32601
assert call("add", [1])["error"]["code"] == -32602
status, ct, body = post(b'{"jsonrpc": "2.0", "method"')
resp = json.loads(body)
assert resp["error"]["code"] == -32700 and resp["id"] is None, resp

# Notifications run and are answered with nothing.
status, ct, body = post({"jsonrpc": "2.0", "method": "counter.record", "params": ["py-note"]})
assert status == 204 and body == b"", (status, body)
assert call("counter.count", ["py-note"])["result"] == 1

# A batch: answers for requests only, matched by id; a batch of notifications gets nothing.
status, ct, body = post([
    {"jsonrpc": "2.0", "method": "add", "params": [1, 2], "id": "a"},
    {"jsonrpc": "2.0", "method": "counter.record", "params": ["py-batch"]},
    {"jsonrpc": "2.0", "method": "nope", "id": "b"},
    {"foo": "boo"},
])
resps = json.loads(body)
assert status == 200 and len(resps) == 3, resps
byid = {r["id"]: r for r in resps}
assert byid["a"]["result"] == 3 and byid["b"]["error"]["code"] == -32601, resps
assert byid[None]["error"]["code"] == -32600, resps
status, ct, body = post([{"jsonrpc": "2.0", "method": "counter.record", "params": ["py-batch"]}] * 2)
assert status == 204 and body == b"", (status, body)
assert call("counter.count", ["py-batch"])["result"] == 3

# JSON-RPC 1.0, as jsonrpclib sends it, is answered in 1.0.
status, ct, body = post({"method": "add", "params": [2, 2], "id": 7})
assert json.loads(body) == {"id": 7, "result": 4, "error": None}, body
print("ok")
`

// TestCPythonJSONClient calls the server from CPython with only json and urllib.request,
// including a Zabbix-style user.login with named params.
func TestCPythonJSONClient(t *testing.T) {
	py := peertest.Python(t)
	addr := demoServer(t)
	out := runPeer(t, nil, py, writeScript(t, "client.py", pyJSONClient), "http://"+addr+"/api_jsonrpc.php")
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("client.py: %s", out)
	}
}

// jaysonClient calls the server with Node's jayson package: single calls, named params,
// notifications and batches.
const jaysonClient = `
const assert = require('assert');
const jayson = require('jayson');
const client = jayson.client.http({host: '127.0.0.1', port: +process.argv[2], path: '/RPC2'});
const req = (method, params, ...id) => new Promise((resolve, reject) =>
  client.request(method, params, ...id, (err, resp) => err ? reject(err) : resolve(resp)));
const batch = (reqs) => new Promise((resolve, reject) =>
  client.request(reqs, (err, resps) => err ? reject(err) : resolve(resps)));

(async () => {
  assert.strictEqual((await req('add', [2, 3])).result, 5);
  assert.match((await req('user.login', {username: 'Admin', password: 'zabbix'})).result, /^[0-9a-f]{32}$/);
  const denied = await req('user.login', {username: 'Admin', password: 'x'});
  assert.strictEqual(denied.error.code, -32602);
  assert.strictEqual((await req('validator1.easyStructTest', {moe: 1, larry: 2, curly: 3})).result, 6);
  const v = {s: 'unicode \u2603 <&>', f: 1.5, n: null, a: [1, [2, {}]]};
  assert.deepStrictEqual((await req('echo', [v])).result, v);
  assert.strictEqual((await req('nope', [])).error.code, -32601);

  assert.strictEqual(await req('counter.record', ['js-note'], null), undefined); // a notification
  assert.strictEqual((await req('counter.count', ['js-note'])).result, 1);

  const resps = await batch([
    client.request('add', [1, 2], 'a'),
    client.request('counter.record', ['js-batch'], null),
    client.request('nope', [], 'b'),
    client.request('system.methodExist', ['add'], 'c'),
  ]);
  assert.strictEqual(resps.length, 3);
  const byId = Object.fromEntries(resps.map((r) => [r.id, r]));
  assert.strictEqual(byId.a.result, 3);
  assert.strictEqual(byId.b.error.code, -32601);
  assert.strictEqual(byId.c.result, true);
  assert.strictEqual((await req('counter.count', ['js-batch'])).result, 1);
  console.log('ok');
})().catch((e) => { console.error(e); process.exit(1); });
`

// TestJaysonClient runs Node's jayson JSON-RPC client against the server.
func TestJaysonClient(t *testing.T) {
	dir := peertest.NodeModule(t, "jayson")
	_, port, _ := net.SplitHostPort(demoServer(t))
	out := runPeer(t, []string{"NODE_PATH=" + filepath.Dir(dir)}, "node", writeScript(t, "client.js", jaysonClient), port)
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("client.js: %s", out)
	}
}
