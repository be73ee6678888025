package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// budgetServer serves the test registry with cfg (changed by DefaultConfig's) on 127.0.0.1.
func budgetServer(t *testing.T, change func(*server.Config)) (*server.Server, string) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	change(cfg)
	s, err := server.New(testRegistry(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return s, addr
}

// dialFrom connects to addr from the loopback address local (127.0.0.x), another peer for the
// server.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // a hang fails the test, never blocks it
	return c
}

// addFrom calls add(2,3) from local on a fresh connection and returns the status.
func addFrom(t *testing.T, local, addr string) int {
	t.Helper()
	c := dialFrom(t, local, addr)
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	fmt.Fprintf(c, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body))), body)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("add from %s: %v", local, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var n int
	if resp.StatusCode == http.StatusOK && (xmlrpc.UnmarshalResponse(b, &n) != nil || n != 5) {
		t.Fatalf("add from %s: %s", local, b)
	}
	return resp.StatusCode
}

// trickle opens a connection from local that declares a body of n bytes and sends one byte of
// it every interval until stop is closed.
func trickle(t *testing.T, local, addr string, n int, interval time.Duration, stop <-chan struct{}) net.Conn {
	t.Helper()
	c := dialFrom(t, local, addr)
	if _, err := io.WriteString(c, header("/RPC2", fmt.Sprintf("Content-Length: %d", n))+"<"); err != nil {
		t.Fatal(err)
	}
	go func() {
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for i := 1; i < n; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	return c
}

// statusWithin reads the response on c within d and returns its status, 0 if none came.
func statusWithin(c net.Conn, d time.Duration) (int, http.Header) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, nil
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// TestTrickledBodiesLeaveInFlight is attack 3 of issue 12, scaled down: connections that send
// their headers and then a body byte every 200 ms (under the stall timeout) used to fill
// MaxInFlight; a call counts only once its body is read, so the others are served.
func TestTrickledBodiesLeaveInFlight(t *testing.T) {
	_, addr := budgetServer(t, func(c *server.Config) { c.MaxInFlight = 2; c.PeerShare = 0 })
	stop := make(chan struct{})
	defer close(stop)
	for range 5 {
		trickle(t, "127.0.0.1", addr, 1000, 200*time.Millisecond, stop)
	}
	time.Sleep(300 * time.Millisecond) // every trickler is reading its body
	for i := range 5 {
		if st := addFrom(t, "127.0.0.1", addr); st != http.StatusOK {
			t.Fatalf("call %d beside 5 trickled bodies with MaxInFlight 2: status %d", i, st)
		}
	}
}

// TestUnreadAnswersLeaveInFlight is attack 2 of issue 12 against MaxInFlight: clients that ask
// for a large answer and never read it used to hold their call in flight until the write stall
// timeout; a call counts only until it has run, so the others are served meanwhile.
func TestUnreadAnswersLeaveInFlight(t *testing.T) {
	s, addr := budgetServer(t, func(c *server.Config) { c.MaxInFlight = 2; c.PeerShare = 0 })
	body, _ := xmlrpc.MarshalCall("big", 8<<20) // more than the loopback socket buffers take
	for range 3 {
		c := dialFrom(t, "127.0.0.1", addr).(*net.TCPConn)
		_ = c.SetReadBuffer(4096)
		fmt.Fprintf(c, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body))), body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.MemoryUsed() < 16<<20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if u := s.MemoryUsed(); u < 16<<20 {
		t.Fatalf("the unread answers hold %d bytes of the budget, want at least 16 MiB", u)
	}
	for i := range 5 {
		if st := addFrom(t, "127.0.0.2", addr); st != http.StatusOK {
			t.Fatalf("call %d beside 3 unread answers with MaxInFlight 2: status %d", i, st)
		}
	}
}

// TestBodiesPerPeer checks that bodies being read are bounded in all and per peer, refused at
// once with 503 and Retry-After, while another peer is served.
func TestBodiesPerPeer(t *testing.T) {
	_, addr := budgetServer(t, func(c *server.Config) { c.MaxBodies = 4; c.PeerShare = 0.5 })
	stop := make(chan struct{})
	defer close(stop)
	// The first two of a peer's bodies are read; the third is refused at once.
	a := trickle(t, "127.0.0.1", addr, 1000, 100*time.Millisecond, stop)
	b := trickle(t, "127.0.0.1", addr, 1000, 100*time.Millisecond, stop)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	c := trickle(t, "127.0.0.1", addr, 1000, 100*time.Millisecond, stop)
	st, h := statusWithin(c, time.Second)
	if st != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("third body of one peer: status %d, Retry-After %q; want 503 with it", st, h.Get("Retry-After"))
	}
	t.Logf("third body of one peer refused in %v", time.Since(start))
	for _, x := range []net.Conn{a, b} {
		if st, _ := statusWithin(x, 100*time.Millisecond); st != 0 {
			t.Fatalf("a body within the share was answered %d", st)
		}
	}
	// Another peer has bodies left, and small calls need none.
	if st := addFrom(t, "127.0.0.2", addr); st != http.StatusOK {
		t.Fatalf("another peer: status %d", st)
	}
	d := trickle(t, "127.0.0.2", addr, 1000, 100*time.Millisecond, stop)
	if st, _ := statusWithin(d, 300*time.Millisecond); st != 0 {
		t.Fatalf("another peer's body was answered %d", st)
	}
}

// TestBudgetRefusesAtOnce fills the memory budget with a body being read and checks that a
// request that does not fit beside it gets 503 with Retry-After at once, one that could never
// fit gets 413, and a small call is served; once the body is gone, the refused request fits.
func TestBudgetRefusesAtOnce(t *testing.T) {
	s, addr := budgetServer(t, func(c *server.Config) { c.MemoryBudget = 16 << 20; c.PeerShare = 0 })
	stop := make(chan struct{})
	// A declared 2 MiB body sent in part holds what it sent, rounded up to a doubling or to its
	// declared length, and the buffer it outgrew.
	c := dialFrom(t, "127.0.0.1", addr)
	fmt.Fprintf(c, "%s<methodCall>%s", header("/RPC2", "Content-Length: 2097152"), strings.Repeat(" ", 1536<<10))
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	deadline := time.Now().Add(2 * time.Second)
	for s.MemoryUsed() < 1536<<10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if u := s.MemoryUsed(); u < 1536<<10 || u > 3<<20+1 {
		t.Fatalf("a body of 1.5 MiB sent of 2 MiB declared holds %d bytes of the budget", u)
	}
	big, _ := xmlrpc.MarshalCall("echo", strings.Repeat("x", 3584<<10)) // 12.5 MiB to read and decode
	start := time.Now()
	st, h, _ := post(t, "http://"+addr+"/RPC2", string(big))
	if st != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || time.Since(start) > hostileBudget {
		t.Fatalf("a call over the budget's room: status %d, Retry-After %q, in %v", st, h.Get("Retry-After"), time.Since(start))
	}
	huge, _ := xmlrpc.MarshalCall("echo", strings.Repeat("x", 6<<20))
	if st, _, _ := post(t, "http://"+addr+"/RPC2", string(huge)); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("a call that can never fit: status %d, want 413", st)
	}
	if st := addFrom(t, "127.0.0.2", addr); st != http.StatusOK {
		t.Fatalf("a small call beside the full budget: status %d", st)
	}
	close(stop)
	c.Close()
	for s.MemoryUsed() != 0 && time.Now().Before(deadline.Add(time.Second)) {
		time.Sleep(10 * time.Millisecond)
	}
	var out string
	if err := call(t, "http://"+addr+"/RPC2", "echo", &out, strings.Repeat("x", 3584<<10)); err != nil || len(out) != 3584<<10 {
		t.Fatalf("once the budget is free: %v, %d bytes", err, len(out))
	}
	if u := s.MemoryUsed(); u != 0 {
		t.Fatalf("%d bytes still reserved after every request", u)
	}
}

// TestWriteStallEndsConnection is attack 2 of issue 12, scaled down: a client asks for a large
// answer and never reads it. The answer's write makes no progress, so the connection is closed
// after the stall timeout rather than the write timeout, and the answer's memory is released.
func TestWriteStallEndsConnection(t *testing.T) {
	s, addr := budgetServer(t, func(c *server.Config) { c.WriteStallTimeout = 200 * time.Millisecond })
	var c *net.TCPConn
	{
		d := net.Dialer{Timeout: 2 * time.Second}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c = nc.(*net.TCPConn)
		defer c.Close()
	}
	_ = c.SetReadBuffer(4096)
	body, _ := xmlrpc.MarshalCall("big", 8<<20)
	fmt.Fprintf(c, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body))), body)
	deadline := time.Now().Add(5 * time.Second)
	for s.MemoryUsed() < 8<<20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	pinned := time.Now()
	if u := s.MemoryUsed(); u < 8<<20 {
		t.Fatalf("the answer being written holds %d bytes of the budget, want its 8 MiB", u)
	}
	for s.MemoryUsed() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	held := time.Since(pinned)
	t.Logf("an unread 8 MiB answer was held %v with a 200 ms stall timeout", held)
	if s.MemoryUsed() != 0 || held > 2*time.Second {
		t.Fatalf("the unread answer still holds %d bytes after %v", s.MemoryUsed(), held)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if err == nil && n >= 8<<20 {
		t.Fatalf("the whole answer (%d bytes) arrived over a connection that should be closed", n)
	}
}

// TestPeerConnShare checks that one IP address holds at most its share of MaxConns once the
// server holds half of them: a connection over it is closed at once, while another peer
// connects and is served.
func TestPeerConnShare(t *testing.T) {
	s, addr := budgetServer(t, func(c *server.Config) { c.MaxConns = 8; c.PeerShare = 0.25 })
	var held []net.Conn
	for range 4 { // two over the share of 2, while the server holds under half of 8
		held = append(held, dialFrom(t, "127.0.0.1", addr))
	}
	time.Sleep(100 * time.Millisecond) // both are accepted
	over := dialFrom(t, "127.0.0.1", addr)
	_ = over.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := over.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection over its peer's share was not closed")
	}
	if s.RefusedConns() != 1 {
		t.Fatalf("RefusedConns = %d, want 1", s.RefusedConns())
	}
	if st := addFrom(t, "127.0.0.2", addr); st != http.StatusOK {
		t.Fatalf("another peer: status %d", st)
	}
	// Closed connections give their places back.
	for _, c := range held[:3] {
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		if st := addFromQuiet("127.0.0.1", addr); st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a peer's closed connection did not give its place back")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// addFromQuiet is addFrom without failing: 0 when the call did not get an answer.
func addFromQuiet(local, addr string) int {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return 0
	}
	defer c.Close()
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	fmt.Fprintf(c, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body))), body)
	st, _ := statusWithin(c, time.Second)
	return st
}

// TestBudgetGateway checks that with PeerShare 0 (a trusted gateway in front) one address may
// hold more than a share.
func TestBudgetGateway(t *testing.T) {
	_, addr := budgetServer(t, func(c *server.Config) { c.MaxConns = 4; c.PeerShare = 0 })
	for range 3 {
		dialFrom(t, "127.0.0.1", addr)
	}
	if st := addFrom(t, "127.0.0.1", addr); st != http.StatusOK {
		t.Fatalf("the fourth connection of one address with per-peer limits off: status %d", st)
	}
}

// TestLargeBodyFitsDefaults checks that the default budget and peer share leave room for a
// body of MaxBodySize, sent plain or compressed, from one peer.
func TestLargeBodyFitsDefaults(t *testing.T) {
	s, addr := budgetServer(t, func(*server.Config) {})
	body, _ := xmlrpc.MarshalCall("echo", strings.Repeat("x", 15<<20))
	body = append(body, strings.Repeat(" ", 16<<20-len(body))...) // exactly MaxBodySize
	for _, gz := range []bool{false, true} {
		b, hdr := body, []string(nil)
		if gz {
			b, hdr = gzipped(t, body), []string{"Content-Encoding", "gzip"}
		}
		st, _, out := post(t, "http://"+addr+"/RPC2", string(b), hdr...)
		if st != http.StatusOK || len(out) < 15<<20 {
			t.Fatalf("gzip %v: status %d, %d bytes", gz, st, len(out))
		}
	}
	if u := s.MemoryUsed(); u != 0 {
		t.Fatalf("%d bytes still reserved", u)
	}
}

// TestHalfClose checks that a client that half-closes its sending side after its request
// (nc -N) gets its answer instead of a cancelled call, for a call that takes a while, and that
// a body cut short by the half-close still fails at once.
func TestHalfClose(t *testing.T) {
	_, addr := budgetServer(t, func(*server.Config) {})
	body, _ := xmlrpc.MarshalCall("sleep", 300)
	c := dialFrom(t, "127.0.0.1", addr)
	fmt.Fprintf(c, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body))), body)
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ok bool
	if err := xmlrpc.UnmarshalResponse(b, &ok); err != nil || !ok {
		t.Fatalf("after a half-close: %v, %s", err, b)
	}
	c2 := dialFrom(t, "127.0.0.1", addr)
	fmt.Fprintf(c2, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body)+10)), body)
	c2.(*net.TCPConn).CloseWrite()
	start := time.Now()
	if st, _ := statusWithin(c2, 2*time.Second); st != http.StatusBadRequest || time.Since(start) > hostileBudget {
		t.Fatalf("a body cut short by a half-close: status %d after %v, want 400 at once", st, time.Since(start))
	}
}

// TestFirstByteStartsHeaderTimeout checks that a new connection's header timeout runs from its
// first byte: a client that connects and writes its request later than ReadHeaderTimeout is
// served, one that trickles its headers after the first byte is still cut off, and one that
// sends nothing is closed after the idle timeout.
func TestFirstByteStartsHeaderTimeout(t *testing.T) {
	_, addr := budgetServer(t, func(c *server.Config) {
		c.ReadHeaderTimeout = 200 * time.Millisecond
		c.IdleTimeout = 800 * time.Millisecond
	})
	late := dialFrom(t, "127.0.0.1", addr)
	silent := dialFrom(t, "127.0.0.1", addr)
	trickler := dialFrom(t, "127.0.0.1", addr)
	start := time.Now()
	io.WriteString(trickler, "P")
	time.Sleep(500 * time.Millisecond)
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	fmt.Fprintf(late, "%s%s", header("/RPC2", fmt.Sprintf("Content-Length: %d", len(body))), body)
	if st, _ := statusWithin(late, 2*time.Second); st != http.StatusOK {
		t.Fatalf("a request 500 ms after connecting, with a 200 ms header timeout: status %d", st)
	}
	io.WriteString(trickler, "OST / HTTP/1.1\r\n")
	if st, _ := statusWithin(trickler, time.Second); st == http.StatusOK {
		t.Fatal("headers trickled past the header timeout were served")
	}
	_ = silent.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("a silent connection: %v after %v, want closed after the 800 ms idle timeout", err, time.Since(start))
	}
}

// TestValueBombRefused is attack 1 of issue 12: a 24 KiB gzip body of one array of 2,097,052
// empty values (15 MiB decompressed) used to cost about 300 MiB before any argument was checked.
// It is now a parse error at the values limit, found while the call is checked, and the
// process's resident set grows by no more than the body's own buffers.
func TestValueBombRefused(t *testing.T) {
	_, addr := budgetServer(t, func(*server.Config) {})
	inner := "<array><data>" + strings.Repeat("<value/>", 2_097_052) + "</data></array>"
	bomb := gzipped(t, []byte(callBody(inner)))
	t.Logf("%d bytes sent, %d decompressed", len(bomb), len(callBody(inner)))
	grown := watchRSS()
	st, _, b := post(t, "http://"+addr+"/RPC2", string(bomb), "Content-Encoding", "gzip")
	var f *xmlrpc.Fault
	if err := xmlrpc.UnmarshalResponse(b, nil); st != http.StatusOK || !errors.As(err, &f) ||
		f.Code != -32700 || !strings.Contains(f.String, "values limit") {
		t.Fatalf("status %d, %v", st, err)
	}
	rss := grown()
	t.Logf("RSS grew by at most %d KiB", rss)
	if limit := 64 << 10 * raceMemory; rss > limit { // the body and its outgrown buffer, 48 MiB
		t.Fatalf("RSS grew by %d KiB, want at most %d", rss, limit)
	}
}

// TestAnswerOverBudget checks that an answer that does not fit in the budget once its call has
// run is replaced by an internal error fault saying so, not a 503 (which would tell the client
// that the call was not made), and that one that fits is sent.
func TestAnswerOverBudget(t *testing.T) {
	s, addr := budgetServer(t, func(c *server.Config) { c.MemoryBudget = 4 << 20; c.PeerShare = 0 })
	var out string
	if err := call(t, "http://"+addr+"/RPC2", "big", &out, 1<<20); err != nil || len(out) != 1<<20 {
		t.Fatalf("an answer that fits: %v, %d bytes", err, len(out))
	}
	f := faultOf(t, call(t, "http://"+addr+"/RPC2", "big", &out, 3<<20))
	if f.Code != -32603 || !strings.Contains(f.String, "does not fit in the memory budget") {
		t.Fatalf("an answer over the budget: fault %d %q", f.Code, f.String)
	}
	if u := s.MemoryUsed(); u != 0 {
		t.Fatalf("%d bytes still reserved", u)
	}
}
