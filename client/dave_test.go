package client

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// daveServer is an XML-RPC server written with Node's davexmlrpc package, which answers faults
// with HTTP 500 (and a Content-Length that counts characters, not bytes).
const daveServer = `
const xmlrpc = require('davexmlrpc');
xmlrpc.startServerOverHttp({port: Number(process.argv[2]), xmlRpcPath: '/rpc2', flLogToConsole: false}, function (req) {
  switch (req.verb) {
    case 'add': req.returnVal(undefined, req.params[0] + req.params[1]); return true;
    case 'fail': req.returnVal({message: 'asked to fail'}); return true;
  }
  return false;
});
`

// startDave runs daveServer and returns its URL once it answers; the test's cleanup stops it.
func startDave(t *testing.T) string {
	t.Helper()
	dir := peertest.NodeModule(t, "davexmlrpc")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	script := filepath.Join(t.TempDir(), "server.js")
	if err := os.WriteFile(script, []byte(daveServer), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, "node", script, strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Dir(dir))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/rpc2"
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		// A dial, not a GET: davexmlrpc crashes on a request without a body.
		if conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			conn.Close()
			return url
		}
	}
	t.Fatal("davexmlrpc server did not start within 20 s")
	return ""
}

// TestDaveFaultWith500: davexmlrpc sends its faults with HTTP 500; harp's client returns the
// fault (a healthy answer), keeping the status in an rpc.StatusFaultError.
func TestDaveFaultWith500(t *testing.T) {
	url := startDave(t)
	c := newClient(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var sum int
	if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("add: %d %v", sum, err)
	}
	err := c.Call(ctx, "fail", nil)
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.String != "asked to fail" {
		t.Fatalf("fail: %v, want davexmlrpc's fault", err)
	}
	var sf *rpc.StatusFaultError
	if !errors.As(err, &sf) || sf.StatusCode() != 500 {
		t.Fatalf("fail: %#v does not keep HTTP 500", err)
	}
	t.Logf("davexmlrpc's fault: %v", err)
}
