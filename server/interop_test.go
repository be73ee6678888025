package server_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/server"
)

// peerServer serves testRegistry on 127.0.0.1 for a peer client and returns its address.
func peerServer(t *testing.T) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	s, err := server.New(testRegistry(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return addr
}

// runPeer runs a peer command with a time limit and fails the test with its output if it fails.
func runPeer(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCPythonClient runs CPython's xmlrpc.client against the server: every type, nil, i8,
// dateTime, binary, unicode, faults, introspection, multicall, gzip both ways and 64 threads.
func TestCPythonClient(t *testing.T) {
	py := peertest.Python(t)
	addr := peerServer(t)
	out := runPeer(t, nil, py, filepath.Join("testdata", "pyclient.py"), "http://"+addr+"/RPC2")
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("pyclient.py: %s", out)
	}
}

// TestNodeClient runs Node's xmlrpc package against the server.
func TestNodeClient(t *testing.T) {
	dir := peertest.NodeModule(t, "xmlrpc")
	addr := peerServer(t)
	_, port, _ := net.SplitHostPort(addr)
	out := runPeer(t, []string{"TZ=UTC", "NODE_PATH=" + filepath.Dir(dir)}, "node", filepath.Join("testdata", "nodeclient.js"), port)
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("nodeclient.js: %s", out)
	}
}

// TestXmlrpcCClient runs xmlrpc-c's xmlrpc command-line client against the server.
func TestXmlrpcCClient(t *testing.T) {
	cli := peertest.Command(t, "xmlrpc")
	url := "http://" + peerServer(t) + "/RPC2"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"add", "i/2", "i/3"}, "Integer: 5"},
		{[]string{"echo", "s/unicode ☃ <&>"}, `String: 'unicode \xe2\x98\x83 <&>'`}, // the CLI escapes non-ASCII
		{[]string{"echo", "d/1.5"}, "Floating Point: 1.5"},
		{[]string{"echo", "b/true"}, "Boolean: TRUE"},
		{[]string{"echo", "I/9007199254740993"}, "64-bit integer: 9007199254740993"},
		{[]string{"echo", "n/"}, "Nil"},
		{[]string{"echo", "h/00ff"}, "Bit string: 00ff"}, // base64 both ways
		{[]string{"add", "i/2147483647", "i/1"}, "64-bit integer: 2147483648"},
		{[]string{"system.methodSignature", "s/div"}, "String: 'double'"},
		{[]string{"system.listMethods"}, "String: 'system.multicall'"},
	}
	for _, tt := range tests {
		out := runPeer(t, nil, cli, append([]string{url}, tt.args...)...)
		if !strings.Contains(out, tt.want) {
			t.Errorf("xmlrpc %s: %s, want %q", strings.Join(tt.args, " "), out, tt.want)
		}
	}
	// A fault: the CLI reports it with its code and exits non-zero.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, url, "nope").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-32601") {
		t.Errorf("xmlrpc nope: %v: %s", err, out)
	}
}
