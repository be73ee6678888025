package gateway

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/rpc"
)

// closeAfter, at the end of a rawServer answer, closes the connection after writing it.
const closeAfter = "\x00close"

var xmlReq = &rpc.Request{Protocol: "xmlrpc", Method: "m", Body: []byte("<methodCall><methodName>m</methodName></methodCall>")}

// rawServer answers each connection's requests with the function's raw bytes, or closes the
// connection when it returns "".
func rawServer(t *testing.T, answer func(n int) string) (addr string, conns *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int64)
	var reqs atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					req.Body.Close()
					a := answer(int(reqs.Add(1)))
					if a == "" {
						return
					}
					a, closing := strings.CutSuffix(a, closeAfter)
					c.Write([]byte(a))
					if closing {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), conns
}

func TestBackendFraming(t *testing.T) {
	ok := "<methodResponse><params><param><value>5</value></param></params></methodResponse>"
	for _, tc := range []struct{ name, answer string }{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(ok)) + "\r\n\r\n" + ok},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n" + ok[:5] + "\r\n" + itoa16(len(ok)-5) + "\r\n" + ok[5:] + "\r\n0\r\n\r\n"},
		{"http/1.0 close", "HTTP/1.0 200 OK\r\n\r\n" + ok + closeAfter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, conns := rawServer(t, func(int) string { return tc.answer })
			bt, err := newBackendTransport("http://"+addr+"/RPC2", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer bt.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for range 3 {
				out, err := bt.RoundTrip(ctx, xmlReq, nil)
				if err != nil || string(out) != ok {
					t.Fatalf("%q %v", out, err)
				}
			}
			want := int64(1)
			if tc.name == "http/1.0 close" {
				want = 3
			}
			if conns.Load() != want {
				t.Errorf("%d connections, want %d", conns.Load(), want)
			}
		})
	}
}

func itoa(n int) string   { return fmtInt(n, 10) }
func itoa16(n int) string { return fmtInt(n, 16) }
func fmtInt(n, base int) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= base {
		b = append([]byte{digits[n%base]}, b...)
	}
	return string(b)
}

func TestBackendErrors(t *testing.T) {
	ctx := context.Background()
	// Refused: not sent.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	bt, _ := newBackendTransport("http://"+dead+"/RPC2", 1<<20)
	_, err := bt.RoundTrip(ctx, xmlReq, nil)
	if cluster.Classify(ctx, err) != cluster.OutcomeNotSent {
		t.Errorf("refused: %v classified %v", err, cluster.Classify(ctx, err))
	}
	// Closed after reading the request, with no answer: sent (it may have run).
	addr, _ := rawServer(t, func(int) string { return "" })
	bt, _ = newBackendTransport("http://"+addr+"/RPC2", 1<<20)
	_, err = bt.RoundTrip(ctx, xmlReq, nil)
	var be *BackendError
	if !errors.As(err, &be) || be.NotSent() || cluster.Classify(ctx, err) != cluster.OutcomeFailure {
		t.Errorf("dropped: %v classified %v", err, cluster.Classify(ctx, err))
	}
	// 503: not sent (harp's refusal before running); 500: a status failure.
	for _, tc := range []struct {
		status string
		want   cluster.Outcome
	}{{"503 Service Unavailable", cluster.OutcomeNotSent}, {"500 Internal Server Error", cluster.OutcomeStatus}} {
		addr, _ := rawServer(t, func(int) string { return "HTTP/1.1 " + tc.status + "\r\nContent-Length: 2\r\n\r\nno" })
		bt, _ := newBackendTransport("http://"+addr+"/RPC2", 1<<20)
		_, err := bt.RoundTrip(ctx, xmlReq, nil)
		if got := cluster.Classify(ctx, err); got != tc.want {
			t.Errorf("%s: %v classified %v, want %v", tc.status, err, got, tc.want)
		}
	}
	// A deadline: timeout.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer slow.Close()
	bt, _ = newBackendTransport(slow.URL+"/RPC2", 1<<20)
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = bt.RoundTrip(tctx, xmlReq, nil)
	if !errors.As(err, &be) || !be.Timeout() {
		t.Errorf("deadline: %v", err)
	}
	// An answer over the limit.
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 4096)) }))
	defer big.Close()
	bt, _ = newBackendTransport(big.URL+"/RPC2", 1024)
	if _, err := bt.RoundTrip(ctx, xmlReq, nil); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("big answer: %v", err)
	}
}

// A kept-alive connection the backend closed while idle is found before the next request, which
// then goes on a fresh connection instead of failing.
func TestBackendStaleIdle(t *testing.T) {
	addr, conns := rawServer(t, func(int) string { return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + closeAfter })
	bt, _ := newBackendTransport("http://"+addr+"/RPC2", 1<<20)
	for i := range 3 {
		if _, err := bt.RoundTrip(context.Background(), xmlReq, nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond) // the server's close arrives
	}
	if conns.Load() != 3 {
		t.Errorf("%d connections, want 3", conns.Load())
	}
}
