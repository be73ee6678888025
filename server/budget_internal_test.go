package server

import (
	"bytes"
	"io"
	"testing"
)

// TestBudgetShares checks the budget's arithmetic: reservations within the limit and the peer's
// share succeed, the rest fail without keeping anything, and fits tells 413 from 503.
func TestBudgetShares(t *testing.T) {
	b := newBudget(1000, 0.25)
	p, q := &peer{}, &peer{}
	if !b.take(p, 250, 250) || b.take(p, 1, 251) || !b.take(q, 250, 250) {
		t.Fatalf("a peer's share of 250: used %d, p %d, q %d", b.Used(), p.used.Load(), q.used.Load())
	}
	if !b.take(nil, 500, 500) || b.take(nil, 1, 1) || b.Used() != 1000 {
		t.Fatalf("the limit of 1000: used %d", b.Used())
	}
	b.give(p, 250)
	b.give(q, 250)
	b.give(nil, 500)
	if b.Used() != 0 || p.used.Load() != 0 || q.used.Load() != 0 {
		t.Fatalf("after giving back: used %d, p %d, q %d", b.Used(), p.used.Load(), q.used.Load())
	}
	if !b.fits(p, 250) || b.fits(p, 251) || !b.fits(nil, 1000) || b.fits(nil, 1001) {
		t.Fatal("fits")
	}
	r := reservation{b: b, p: p}
	if !r.resize(200) || !r.resize(100) || r.resize(300) || r.n != 100 || p.used.Load() != 100 {
		t.Fatalf("resize: n %d, p %d", r.n, p.used.Load())
	}
	r.release()
	if b.Used() != 0 || p.used.Load() != 0 {
		t.Fatalf("after release: used %d, p %d", b.Used(), p.used.Load())
	}
	// Large requests leave the last eighth to small ones.
	big := newBudget(8<<20, 0)
	l := reservation{b: big}
	if !l.resize(7<<20) || l.resize(7<<20+1) {
		t.Fatalf("a large request may hold 7/8 of the budget: reserved %d", l.n)
	}
	for i := range 16 {
		s := reservation{b: big}
		if !s.resize(smallNeed) {
			t.Fatalf("small request %d refused beside a large one holding 7/8", i)
		}
	}
}

// TestReadLimitedHoldsWhatArrived checks that a body's buffer grows with what arrives, not
// with what it declares, reserving every growth, and that a growth the budget refuses fails.
func TestReadLimitedHoldsWhatArrived(t *testing.T) {
	b := newBudget(1<<20, 0)
	r := reservation{b: b}
	data := bytes.Repeat([]byte("x"), 10000)
	buf, err := readLimited(bytes.NewReader(data), nil, 1<<20, 1<<20, &r)
	if err != nil || len(buf) != len(data) || cap(buf) > 4*len(data) || r.n != int64(cap(buf)+cap(buf)/2) {
		t.Fatalf("err %v, len %d, cap %d, reserved %d", err, len(buf), cap(buf), r.n)
	}
	r.release()
	// The declared length is taken in one step once it is within a doubling.
	buf, err = readLimited(bytes.NewReader(data), make([]byte, 0, 8192), 1<<20, int64(len(data))+1, &r)
	if err != nil || cap(buf) != len(data)+1 {
		t.Fatalf("err %v, cap %d, want %d", err, cap(buf), len(data)+1)
	}
	r.release()
	small := reservation{b: newBudget(8192, 0)}
	if _, err := readLimited(bytes.NewReader(data), nil, 1<<20, 0, &small); err != errOverBudget {
		t.Fatalf("a body past the whole budget: %v, want errOverBudget", err)
	}
	busy := newBudget(64<<10, 0)
	busy.take(nil, 60<<10, 60<<10)
	full := reservation{b: busy}
	if _, err := readLimited(io.MultiReader(bytes.NewReader(data)), nil, 1<<20, 0, &full); err != errBudgetFull {
		t.Fatalf("a body past the budget's room: %v, want errBudgetFull", err)
	}
}

// TestReclaimDue checks when memory is given back: after a peak over an eighth of the budget,
// once the use is under a sixteenth, and once per peak.
func TestReclaimDue(t *testing.T) {
	s := &Server{budget: newBudget(1600, 0)}
	s.budget.take(nil, 200, 200)
	if s.reclaimDue() {
		t.Fatal("reclaim after a peak of an eighth")
	}
	s.budget.take(nil, 100, 100) // peak 300
	if s.reclaimDue() {
		t.Fatal("reclaim while the use is high")
	}
	s.budget.give(nil, 250) // 50
	if !s.reclaimDue() {
		t.Fatal("no reclaim after the peak fell")
	}
	if s.reclaimDue() {
		t.Fatal("a second reclaim for the same peak")
	}
}

// TestReadLimitedExactLimit checks that a body of exactly the size limit is read into a buffer
// of that size (no byte more to reserve), and one byte more is too large.
func TestReadLimitedExactLimit(t *testing.T) {
	const limit = 100_000
	for _, hint := range []int64{0, limit + 1} {
		r := reservation{b: newBudget(1<<20, 0)}
		buf, err := readLimited(bytes.NewReader(make([]byte, limit)), nil, limit, hint, &r)
		if err != nil || len(buf) != limit || cap(buf) != limit {
			t.Fatalf("hint %d: err %v, len %d, cap %d", hint, err, len(buf), cap(buf))
		}
		if _, err := readLimited(bytes.NewReader(make([]byte, limit+1)), nil, limit, 0, &r); err != errTooLarge {
			t.Fatalf("one byte over: %v", err)
		}
	}
}
