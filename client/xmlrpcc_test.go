package client

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// buildCServer compiles testdata/cserver.c against libxmlrpc-c's Abyss server.
func buildCServer(t *testing.T) string {
	t.Helper()
	cc := peertest.Command(t, "cc")
	config := peertest.Command(t, "xmlrpc-c-config")
	flags, err := exec.Command(config, "abyss-server", "--cflags", "--libs").Output()
	if err != nil {
		peertest.Missing(t, "xmlrpc-c-config abyss-server: "+err.Error())
	}
	bin := filepath.Join(t.TempDir(), "cserver")
	args := append([]string{"-O", "-o", bin, "testdata/cserver.c"}, strings.Fields(string(flags))...)
	out, err := exec.Command(cc, args...).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No such file") {
			peertest.Missing(t, "xmlrpc-c headers (libxmlrpc-core-c3-dev): "+string(out))
		}
		t.Fatalf("compiling the xmlrpc-c server: %v\n%s", err, out)
	}
	return bin
}

// TestAgainstXmlrpcCServer runs the client against a C server built on xmlrpc-c's Abyss.
func TestAgainstXmlrpcCServer(t *testing.T) {
	url := "http://127.0.0.1:" + peertest.StartPort(t, exec.Command(buildCServer(t))) + "/RPC2"
	// Abyss serves at most 15 connections at once (max_conn) and keeps idle ones for 15 s; a
	// client opening more waits in the listen queue until one times out. Stay within its cap.
	c := newClient(t, url, WithMaxConnsPerHost(8))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var sum int32
	if err := c.Call(ctx, "sample.add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("sample.add: %d, %v", sum, err)
	}
	when := time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)
	for _, tc := range []struct {
		v    any
		typ  string
		want any
	}{
		{"héllo ✓ <&>", "string", nil},
		{42, "int", nil},
		{int64(1) << 40, "i8", nil}, // xmlrpc-c reads and writes <i8>
		{-1.25, "double", nil},
		{true, "boolean", nil},
		{nil, "nil", nil}, // and <nil/>
		{when, "dateTime.iso8601", nil},
		{[]byte{0, 1, 254, 255}, "base64", nil},
		{[]any{1, "a", []any{2.5}}, "array", nil},
		{map[string]any{"k": map[string]any{"n": 1}}, "struct", nil},
	} {
		var got any
		if err := c.Call(ctx, "echo", &got, tc.v); err != nil || !reflect.DeepEqual(got, tc.v) {
			t.Errorf("echo %#v: got %#v, %v", tc.v, got, err)
		}
		var typ string
		if err := c.Call(ctx, "typeof", &typ, tc.v); err != nil || typ != tc.typ {
			t.Errorf("typeof %#v: %q, %v; want %q", tc.v, typ, err, tc.typ)
		}
	}

	err := c.Call(ctx, "fault", nil, 42, "the answer")
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != 42 || f.String != "the answer" {
		t.Fatalf("fault: %v", err)
	}
	if err := c.Call(ctx, "sample.add", nil, "x", 1); !errors.As(err, &f) {
		t.Fatalf("wrong parameter type: %v, want a fault", err)
	}
	if err := c.Call(ctx, "nope", nil); !errors.As(err, &f) || f.Code != -506 {
		t.Fatalf("unknown method: %v, want xmlrpc-c's fault -506", err)
	}

	var methods []string
	if err := c.Call(ctx, "system.listMethods", &methods); err != nil || !contains(methods, "sample.add") {
		t.Fatalf("listMethods: %v, %v", methods, err)
	}
	var sig [][]string
	if err := c.Call(ctx, "system.methodSignature", &sig, "sample.add"); err != nil || !reflect.DeepEqual(sig, [][]string{{"int", "int", "int"}}) {
		t.Fatalf("methodSignature: %v, %v", sig, err)
	}
	var a, b int
	calls := []*Call{NewCall("sample.add", &a, 1, 2), NewCall("fault", nil, 7, "seven"), NewCall("sample.add", &b, 3, 4)}
	if err := c.MultiCall(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || a != 3 || !errors.As(calls[1].Err, &f) || f.Code != 7 || calls[2].Err != nil || b != 7 {
		t.Fatalf("multicall: %d %v / %v / %d %v", a, calls[0].Err, calls[1].Err, b, calls[2].Err)
	}

	// 16 goroutines share the client's 8 keep-alive connections.
	var wg sync.WaitGroup
	errs := make(chan error, 16*10)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				var r int
				if err := c.Call(ctx, "sample.add", &r, g, i); err != nil || r != g+i {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// A path Abyss does not serve answers 404: a status error, not a fault.
	err = newClient(t, strings.TrimSuffix(url, "/RPC2")+"/other").Call(ctx, "sample.add", nil, 1, 2)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 404 || se.NotSent() {
		t.Fatalf("wrong path: %v", err)
	}
}
