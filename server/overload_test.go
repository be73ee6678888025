package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// lateServer serves with a short header timeout and a long body stall timeout, so that a body
// coming after the header timeout but within the stall timeout tells the two apart.
func lateServer(t *testing.T) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	cfg.ReadHeaderTimeout = 100 * time.Millisecond
	cfg.BodyStallTimeout = 2 * time.Second
	s, err := server.New(testRegistry(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return addr
}

// sendCall writes an add call on c, its body pause after its headers, as net/http's client
// does for a body that is not in memory (it flushes the headers first).
func sendCall(c net.Conn, pause time.Duration) error {
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	if _, err := fmt.Fprintf(c, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	time.Sleep(pause)
	_, err := c.Write(body)
	return err
}

// readAnswer reads one answer from br and returns its status (0: the connection ended).
func readAnswer(br *bufio.Reader) int {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestOverloadLateBodyAnswered: on a kept-alive connection, a request whose body comes after the
// header timeout (the client's writer ran late) is answered, not failed with 408 (issue 12).
func TestOverloadLateBodyAnswered(t *testing.T) {
	addr := lateServer(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i, pause := range []time.Duration{0, 400 * time.Millisecond, 400 * time.Millisecond} {
		if err := sendCall(c, pause); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if st := readAnswer(br); st != http.StatusOK {
			t.Fatalf("call %d, body %v after its headers: status %d, want 200", i, pause, st)
		}
	}
}

// TestOverloadSlowHeaderStillCut: the grace is for bodies only; a client trickling its headers
// is still cut off at the header timeout, and a body that never comes is still answered 408.
func TestOverloadSlowHeaderStillCut(t *testing.T) {
	addr := lateServer(t)
	st, _ := rawExchange(t, addr, func(c net.Conn) error {
		body, _ := xmlrpc.MarshalCall("add", 2, 3)
		req := fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		for _, b := range []byte(req[:40]) {
			if _, err := c.Write([]byte{b}); err != nil {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		_, err := io.WriteString(c, req[40:])
		return err
	})
	if st == http.StatusOK {
		t.Errorf("header trickled over 800 ms: answered 200, want it cut off at the 100 ms header timeout")
	}
	start := time.Now()
	st, _ = rawExchange(t, addr, func(c net.Conn) error {
		_, err := io.WriteString(c, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100\r\n\r\n")
		return err
	})
	if st != http.StatusRequestTimeout {
		t.Errorf("body never sent: status %d after %v, want 408", st, time.Since(start))
	}
}
