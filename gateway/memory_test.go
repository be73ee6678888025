package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// gwAddr returns the host:port of a running gateway's call listener.
func gwAddr(r *running) string {
	return strings.TrimSuffix(strings.TrimPrefix(r.url, "http://"), "/RPC2")
}

// dialFrom connects to addr from the loopback address local (127.0.0.x): another peer for the
// gateway. The connection's deadline fails a hang instead of blocking the test.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// postHead writes a POST's headers declaring n body bytes, and the first bytes of the body.
func postHead(c net.Conn, n int, first string) error {
	_, err := fmt.Fprintf(c, "POST /RPC2 HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", n, first)
	return err
}

// addFrom calls add(2,3) through the gateway from local and returns the status and body.
func addFrom(t *testing.T, local, addr string) (int, string) {
	t.Helper()
	c := dialFrom(t, local, addr)
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	if err := postHead(c, len(body), string(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("add from %s: %v", local, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// TestMemoryBudgetRefusesAtOnce checks the gateway's budget: a body that could never fit is 413
// before it is read, one that does not fit now is 503 with Retry-After at once while another
// holds the budget, small calls from another address go on, and the budget is given back.
func TestMemoryBudgetRefusesAtOnce(t *testing.T) {
	b := newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {memory_budget: 1945600, peer_share: 0}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, b.url), nil)
	addr := gwAddr(gw)
	// 800 KiB with its values (2 x) is more than the 1,900 KiB budget: refused unread.
	big := dialFrom(t, "127.0.0.1", addr)
	if err := postHead(big, 800<<10, ""); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(bufio.NewReader(big), nil); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body past the budget: %v %v, want 413", resp, err)
	}
	// A body of 600 KiB that stops at 500 holds 856 KiB (its buffer, grown from 256 KiB to the
	// declared length, and the old one)...
	hold := dialFrom(t, "127.0.0.1", addr)
	if err := postHead(hold, 600<<10, "<?xml version=\"1.0\"?>"+strings.Repeat(" ", 500<<10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return gw.gw.MemoryUsed() >= 600<<10 })
	// ...so a second one of 600 KiB (1,800 KiB with its values: it could fit) needs 856 KiB more
	// when its buffer grows past 256 KiB, past the 7/8 of the budget large requests may hold.
	second := dialFrom(t, "127.0.0.1", addr)
	start := time.Now()
	if err := postHead(second, 600<<10, "<?xml version=\"1.0\"?>"+strings.Repeat(" ", 300<<10)); err != nil && !isReset(err) {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(second), nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a body past the budget's room: %v %v, want 503 with Retry-After", resp, err)
	}
	t.Logf("refused in %v with %d bytes of the budget held", time.Since(start), gw.gw.MemoryUsed())
	if st, body := addFrom(t, "127.0.0.2", addr); st != http.StatusOK || !strings.Contains(body, "<int>5</int>") {
		t.Fatalf("a small call beside them: %d %q", st, body)
	}
	hold.Close()
	waitFor(t, 5*time.Second, func() bool { return gw.gw.MemoryUsed() == 0 })
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "broken pipe")
}

// TestBodiesPerPeer checks that bodies being read count per peer: with max_bodies 4 and
// peer_share 0.5, a peer's third trickling body is refused at once with 503, while another peer
// may still send one and its small calls are served.
func TestBodiesPerPeer(t *testing.T) {
	b := newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {max_bodies: 4, peer_share: 0.5, body_stall_timeout: 5s}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, b.url), nil)
	addr := gwAddr(gw)
	trickle := func(local string) net.Conn {
		c := dialFrom(t, local, addr)
		if err := postHead(c, 1000, "<?xml"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := io.WriteString(c, " "); err != nil { // a second read: now it counts
			t.Fatal(err)
		}
		return c
	}
	trickle("127.0.0.1")
	trickle("127.0.0.1")
	third := trickle("127.0.0.1")
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a peer's third body: %v %v, want 503 with Retry-After", resp, err)
	}
	t.Logf("third body of one peer refused in %v", time.Since(start))
	other := trickle("127.0.0.2")
	_ = other.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := other.Read(make([]byte, 1)); n != 0 || !isTimeoutErr(err) {
		t.Fatalf("another peer's body was answered (%d bytes, %v): it should still be read", n, err)
	}
	if st, _ := addFrom(t, "127.0.0.2", addr); st != http.StatusOK {
		t.Fatalf("a small call of the other peer: %d", st)
	}
}

func isTimeoutErr(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// echoBackend serves a harp server with echo and add until the test ends.
func echoBackend(t *testing.T) *httptest.Server {
	t.Helper()
	reg, _ := rpc.NewRegistry(rpc.DefaultConfig())
	reg.MustRegister("echo", func(s string) string { return s }, "")
	reg.MustRegister("add", func(a, b int) int { return a + b }, "")
	scfg := server.DefaultConfig()
	scfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(reg, scfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs
}

// TestWriteStallCuts checks that a client that never reads a large answer loses its connection
// within write_stall_timeout (and a quarter), not write_timeout, and gives the budget back.
func TestWriteStallCuts(t *testing.T) {
	hs := echoBackend(t)
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {write_stall_timeout: 500ms, peer_share: 0}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, hs.URL+"/RPC2"), nil)
	d := net.Dialer{Control: nil}
	c, err := d.DialContext(context.Background(), "tcp", gwAddr(gw))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	body, _ := xmlrpc.MarshalCall("echo", strings.Repeat("x", 8<<20))
	if err := postHead(c, len(body), string(body)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return gw.gw.MemoryUsed() >= 8<<20 })
	start := time.Now()
	waitFor(t, 5*time.Second, func() bool { return gw.gw.MemoryUsed() == 0 })
	el := time.Since(start)
	t.Logf("a reader that reads nothing held %d MiB for %v", 8, el)
	if el > 3*time.Second {
		t.Errorf("the stalled answer was held %v; want about the 500 ms stall", el)
	}
	// What the client gets when it reads at last is a cut answer, never a whole one, and the
	// connection's end (a reset: its unsent bytes were dropped), not a hang.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rs := time.Now()
	n, err := io.Copy(io.Discard, c)
	t.Logf("then read %d bytes in %v: %v", n, time.Since(rs), err)
	if isTimeoutErr(err) {
		t.Errorf("the client still waits on the stalled connection after %v", time.Since(rs))
	}
	if n >= int64(len(body)) {
		t.Errorf("read %d bytes: the whole answer went out", n)
	}
}

// TestUnreadAnswersLeaveInFlight checks that clients that never read their large answers do not
// hold the pool's calls in flight: a call counts until its answer is back from the backend, so
// with max_in_flight 2 and three unread answers being written, another client is served.
func TestUnreadAnswersLeaveInFlight(t *testing.T) {
	hs := echoBackend(t)
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {peer_share: 0}
pools: {p: {backends: [{url: %q}], health: {method: none}, max_in_flight: 2}}
routes: [{pool: p}]
`, hs.URL+"/RPC2"), nil)
	body, _ := xmlrpc.MarshalCall("echo", strings.Repeat("x", 8<<20))
	for i := range 3 { // one at a time: each is back from the backend and being written
		c := dialFrom(t, "127.0.0.1", gwAddr(gw))
		_ = c.(*net.TCPConn).SetReadBuffer(4096)
		if err := postHead(c, len(body), string(body)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, func() bool { // its answer back, the slot given back
			ps := gw.gw.Status().Pools[0]
			return answered(ps) >= int64(i+1) && ps.InFlight == 0
		})
	}
	for i := range 5 {
		if st, b := addFrom(t, "127.0.0.2", gwAddr(gw)); st != http.StatusOK || !strings.Contains(b, "<int>5</int>") {
			t.Fatalf("call %d beside 3 unread answers with max_in_flight 2: %d %s", i, st, b)
		}
	}
}

// answered is how many of ps's calls have come back from its backends, by outcome: a call whose
// request body is read but not yet sent is not among them.
func answered(ps gateway.PoolStatus) int64 {
	var n int64
	for _, e := range ps.Stats.Endpoints {
		for _, k := range e.ByOutcome {
			n += k
		}
	}
	return n
}

// TestReloadKeepsStartLimits checks that a reload changing a limit fixed at start is refused
// with a clear error, and the running configuration goes on.
func TestReloadKeepsStartLimits(t *testing.T) {
	b := newBackend(t, "b")
	yaml := `
listeners: [{address: 127.0.0.1:0}]
limits: {memory_budget: %d}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`
	cfg, err := gateway.Parse("a.yaml", []byte(fmt.Sprintf(yaml, 64<<20, b.url)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	next, err := gateway.Parse("b.yaml", []byte(fmt.Sprintf(yaml, 128<<20, b.url)))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Apply(next); err == nil || !strings.Contains(err.Error(), "memory_budget") {
		t.Fatalf("a reload changing memory_budget: %v, want it refused naming it", err)
	}
	if g.Config().Limits.MemoryBudget != 64<<20 {
		t.Fatal("the running configuration changed")
	}
	for _, bad := range []string{"peer_share: 1.5", "memory_budget: 0", "write_stall_timeout: 0s"} {
		_, err := gateway.Parse("c.yaml", []byte(fmt.Sprintf("listeners: [{address: 127.0.0.1:0}]\nlimits: {%s}\npools: {p: {backends: [{url: %q}]}}\nroutes: [{pool: p}]\n", bad, b.url)))
		if err == nil {
			t.Errorf("limits {%s} accepted", bad)
		}
	}
}
