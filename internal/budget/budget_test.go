package budget

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// TestBudgetShares checks the budget's arithmetic: reservations within the limit and the peer's
// share succeed, the rest fail without keeping anything, and Fits tells 413 from 503.
func TestBudgetShares(t *testing.T) {
	b := New(1000, 0.25)
	p, q := &Peer{}, &Peer{}
	if !b.Take(p, 250, 250) || b.Take(p, 1, 251) || !b.Take(q, 250, 250) {
		t.Fatalf("a peer's share of 250: used %d, p %d, q %d", b.Used(), p.Used(), q.Used())
	}
	if !b.Take(nil, 500, 500) || b.Take(nil, 1, 1) || b.Used() != 1000 {
		t.Fatalf("the limit of 1000: used %d", b.Used())
	}
	b.Give(p, 250)
	b.Give(q, 250)
	b.Give(nil, 500)
	if b.Used() != 0 || p.Used() != 0 || q.Used() != 0 {
		t.Fatalf("after giving back: used %d, p %d, q %d", b.Used(), p.Used(), q.Used())
	}
	if !b.Fits(p, 250) || b.Fits(p, 251) || !b.Fits(nil, 1000) || b.Fits(nil, 1001) {
		t.Fatal("Fits")
	}
	r := Reservation{Budget: b, Peer: p}
	if !r.Resize(200) || !r.Resize(100) || r.Resize(300) || r.Held() != 100 || p.Used() != 100 {
		t.Fatalf("Resize: held %d, p %d", r.Held(), p.Used())
	}
	r.Release()
	if b.Used() != 0 || p.Used() != 0 {
		t.Fatalf("after Release: used %d, p %d", b.Used(), p.Used())
	}
	// Large requests leave the last eighth to small ones.
	big := New(8<<20, 0)
	l := Reservation{Budget: big}
	if !l.Resize(7<<20) || l.Resize(7<<20+1) {
		t.Fatalf("a large request may hold 7/8 of the budget: reserved %d", l.Held())
	}
	for i := range 16 {
		s := Reservation{Budget: big}
		if !s.Resize(SmallNeed) {
			t.Fatalf("small request %d refused beside a large one holding 7/8", i)
		}
	}
}

// TestReadLimitedHoldsWhatArrived checks that a body's buffer grows with what arrives, not
// with what it declares, reserving every growth, and that a growth the budget refuses fails.
func TestReadLimitedHoldsWhatArrived(t *testing.T) {
	b := New(1<<20, 0)
	r := Reservation{Budget: b}
	data := bytes.Repeat([]byte("x"), 10000)
	buf, err := ReadLimited(bytes.NewReader(data), nil, 1<<20, 1<<20, &r)
	if err != nil || len(buf) != len(data) || cap(buf) > 4*len(data) || r.Held() != int64(cap(buf)+cap(buf)/2) {
		t.Fatalf("err %v, len %d, cap %d, reserved %d", err, len(buf), cap(buf), r.Held())
	}
	r.Release()
	// The declared length is taken in one step once it is within a doubling.
	buf, err = ReadLimited(bytes.NewReader(data), make([]byte, 0, 8192), 1<<20, int64(len(data))+1, &r)
	if err != nil || cap(buf) != len(data)+1 {
		t.Fatalf("err %v, cap %d, want %d", err, cap(buf), len(data)+1)
	}
	r.Release()
	small := Reservation{Budget: New(8192, 0)}
	if _, err := ReadLimited(bytes.NewReader(data), nil, 1<<20, 0, &small); err != ErrOver {
		t.Fatalf("a body past the whole budget: %v, want ErrOver", err)
	}
	busy := New(64<<10, 0)
	busy.Take(nil, 60<<10, 60<<10)
	full := Reservation{Budget: busy}
	if _, err := ReadLimited(io.MultiReader(bytes.NewReader(data)), nil, 1<<20, 0, &full); err != ErrFull {
		t.Fatalf("a body past the budget's room: %v, want ErrFull", err)
	}
	if full.Held() != 0 && busy.Used() != 60<<10+full.Held() {
		t.Fatalf("a refused growth kept bytes: used %d, held %d", busy.Used(), full.Held())
	}
}

// TestReadLimitedExactLimit checks that a body of exactly the size limit is read into a buffer
// of that size (no byte more to reserve), and one byte more is too large.
func TestReadLimitedExactLimit(t *testing.T) {
	const limit = 100_000
	for _, hint := range []int64{0, limit + 1} {
		r := Reservation{Budget: New(1<<20, 0)}
		buf, err := ReadLimited(bytes.NewReader(make([]byte, limit)), nil, limit, hint, &r)
		if err != nil || len(buf) != limit || cap(buf) != limit {
			t.Fatalf("hint %d: err %v, len %d, cap %d", hint, err, len(buf), cap(buf))
		}
		if _, err := ReadLimited(bytes.NewReader(make([]byte, limit+1)), nil, limit, 0, &r); err != ErrTooLarge {
			t.Fatalf("one byte over: %v", err)
		}
	}
}

// TestReclaimDue checks when memory is given back: after a peak over an eighth of the budget,
// once the use is under a sixteenth, and once per peak.
func TestReclaimDue(t *testing.T) {
	b := New(1600, 0)
	b.Take(nil, 200, 200)
	if b.ReclaimDue() {
		t.Fatal("reclaim after a peak of an eighth")
	}
	b.Take(nil, 100, 100) // peak 300
	if b.ReclaimDue() {
		t.Fatal("reclaim while the use is high")
	}
	b.Give(nil, 250) // 50
	if !b.ReclaimDue() {
		t.Fatal("no reclaim after the peak fell")
	}
	if b.ReclaimDue() {
		t.Fatal("a second reclaim for the same peak")
	}
}

func tcp(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }

// TestPeersShares checks the connection and body counts of a table: a peer's share of
// connections applies once half of MaxConns is open (or always, without MaxConns), a peer's
// bodies are bounded by its share, and a peer is forgotten with its last connection.
func TestPeersShares(t *testing.T) {
	ps := NewPeers(Share(8, 4, 0.25)) // 2 connections and 1 body per peer
	var a []*Peer
	for i := range 4 { // under half of MaxConns: no share yet
		p := ps.Open(tcp("10.0.0.1", 1000+i))
		if p == nil {
			t.Fatalf("connection %d of an idle table refused", i)
		}
		a = append(a, p)
	}
	if ps.Open(tcp("10.0.0.1", 2000)) != nil {
		t.Fatal("a fifth connection of one peer, past half of MaxConns and its share of 2")
	}
	b := ps.Open(tcp("10.0.0.2", 1))
	if b == nil || b == a[0] || a[0] != a[1] {
		t.Fatal("peers are by IP address")
	}
	if !ps.StartBody(a[0]) || ps.StartBody(a[0]) || !ps.StartBody(b) {
		t.Fatal("one body per peer")
	}
	ps.EndBody(a[0])
	ps.EndBody(b)
	if ps.Bodies() != 0 {
		t.Fatalf("bodies after ending them: %d", ps.Bodies())
	}
	for _, p := range a {
		ps.Close(p)
	}
	ps.Close(b)
	if ps.Conns() != 0 || len(ps.m) != 0 {
		t.Fatalf("after closing: %d connections, %d peers", ps.Conns(), len(ps.m))
	}
	hard := NewPeers(PeerLimits{PeerConns: 1})
	if hard.Open(tcp("10.0.0.3", 1)) == nil || hard.Open(tcp("10.0.0.3", 2)) != nil {
		t.Fatal("without MaxConns, PeerConns applies at once")
	}
}

// TestReclaimFollowsUp checks that Reclaim frees memory once when a peak has fallen back and
// again on the next few periods (what sync.Pool's victim cache and a closing connection still
// held the first time), then stops until the next peak.
func TestReclaimFollowsUp(t *testing.T) {
	b := New(1600, 0)
	b.Take(nil, 300, 300)
	b.Give(nil, 300)
	stop := make(chan struct{})
	var n atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Reclaim(stop, time.Millisecond, func() { n.Add(1) })
	}()
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 1+reclaimFollowUps && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // fifty more periods: none may free again
	close(stop)
	<-done
	if got := n.Load(); got != 1+reclaimFollowUps {
		t.Fatalf("memory freed %d times after one peak, want %d", got, 1+reclaimFollowUps)
	}
}
