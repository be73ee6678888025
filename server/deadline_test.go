package server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// deadlineServer serves the test registry under Serve with short timeouts.
func deadlineServer(t *testing.T, write, header time.Duration) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	cfg.WriteTimeout = write
	cfg.ReadHeaderTimeout = header
	s, err := server.New(testRegistry(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return addr
}

// dial connects to addr with a 10 s deadline, so a hang fails the test instead of blocking it.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// postAdd writes one add(2,3) request on c and reads its answer through br.
func postAdd(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	req := "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<int>5</int>") {
		t.Fatalf("status %d body %q", resp.StatusCode, b)
	}
	if resp.ContentLength != int64(len(b)) || len(resp.TransferEncoding) > 0 {
		t.Fatalf("Content-Length %d, Transfer-Encoding %q for a %d-byte answer", resp.ContentLength, resp.TransferEncoding, len(b))
	}
}

// TestWriteDeadlineRenewedAfterIdle: a keep-alive connection idle for longer than WriteTimeout
// is still answered, because the write deadline is renewed for each request that needs it.
func TestWriteDeadlineRenewedAfterIdle(t *testing.T) {
	c := dial(t, deadlineServer(t, 200*time.Millisecond, time.Second))
	br := bufio.NewReader(c)
	for i := 0; i < 3; i++ {
		postAdd(t, c, br)
		time.Sleep(300 * time.Millisecond) // past the write deadline set for the last answer
	}
}

// TestWriteDeadlineCutsNonReader: a client that pipelines requests for large answers and never
// reads them gets its connection closed once WriteTimeout passes, instead of holding a handler.
func TestWriteDeadlineCutsNonReader(t *testing.T) {
	c := dial(t, deadlineServer(t, 300*time.Millisecond, time.Second))
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	big := strings.Repeat("x", 1<<20)
	body, _ := xmlrpc.MarshalCall("echo", big)
	req := "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nAccept-Encoding: identity\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	const n = 16 // 16 MiB of answers: far more than the socket buffers hold
	go func() {
		for i := 0; i < n; i++ {
			if _, err := io.WriteString(c, req); err != nil {
				return
			}
		}
	}()
	time.Sleep(time.Second) // the server blocks writing, then its deadline passes
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.Copy(io.Discard, c)
	if err == nil && got >= int64(n*len(big)) {
		t.Fatalf("read all %d answers: the write deadline did not cut the connection", n)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after 5 s: the write deadline did not cut it (read %d bytes)", got)
	}
}

// TestFirstBodyReadBounded: a request whose headers arrive but whose body never does is cut off
// by the request's read deadline (ReadHeaderTimeout from its start), with 408.
func TestFirstBodyReadBounded(t *testing.T) {
	addr := deadlineServer(t, 10*time.Second, 300*time.Millisecond)
	start := time.Now()
	status, _ := rawExchange(t, addr, func(c net.Conn) error {
		_, err := io.WriteString(c, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100\r\n\r\n")
		return err
	})
	if el := time.Since(start); status != http.StatusRequestTimeout || el > 2*time.Second {
		t.Fatalf("status %d after %v, want 408 within about 300ms", status, el)
	}
}

// TestSplitBody: under Serve, a small body arriving in two pieces is read whole (the first read
// takes what has come, guarded reads the rest), and one whose second piece never comes is cut
// off by the stall timeout with 408.
func TestSplitBody(t *testing.T) {
	addr := deadlineServer(t, 10*time.Second, 2*time.Second)
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	head := "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	half := len(body) / 2
	status, answer := rawExchange(t, addr, func(c net.Conn) error {
		if _, err := io.WriteString(c, head+string(body[:half])); err != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
		_, err := c.Write(body[half:])
		return err
	})
	if status != http.StatusOK || !strings.Contains(answer, "<int>5</int>") {
		t.Fatalf("body in two pieces: %d %q", status, answer)
	}
	start := time.Now()
	status, _ = rawExchange(t, addr, func(c net.Conn) error {
		_, err := io.WriteString(c, head+string(body[:half]))
		return err
	})
	// the stall timeout (750 ms) from the second read, well before the 2 s request deadline
	if el := time.Since(start); status != http.StatusRequestTimeout || el > 1500*time.Millisecond {
		t.Fatalf("body whose second piece never comes: %d after %v, want 408 within the stall timeout", status, el)
	}
}
