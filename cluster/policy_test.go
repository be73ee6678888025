package cluster

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// seqRand is a deterministic, goroutine-safe Rand (SplitMix64).
type seqRand struct {
	mu sync.Mutex
	s  uint64
}

func (r *seqRand) Uint64() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// states makes n endpoint states named a, b, c... (or e0, e1, ... beyond 26) with weights.
func states(weights ...int) []*EndpointState {
	out := make([]*EndpointState, len(weights))
	for i, w := range weights {
		name := string(rune('a' + i))
		if len(weights) > 26 {
			name = fmt.Sprintf("e%d", i)
		}
		ep := Endpoint{URL: name, Weight: w}
		out[i] = &EndpointState{}
		out[i].ep.Store(&ep)
	}
	return out
}

func build(t testing.TB, policy string, eps []*EndpointState, seed uint64) Picker {
	t.Helper()
	p, ok := lookupPolicy(policy)
	if !ok {
		t.Fatalf("policy %q not registered", policy)
	}
	w := make([]int, len(eps))
	for i, e := range eps {
		w[i] = e.Endpoint().weight() * 100
	}
	return p.Build(BuildInfo{Endpoints: eps, Weights: w, Rand: &seqRand{s: seed}, HashLoadFactor: 1.25})
}

func sequence(p Picker, eps []*EndpointState, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(eps[p.Pick(PickInfo{})].Endpoint().URL)
	}
	return b.String()
}

func TestRegisteredPolicies(t *testing.T) {
	want := "consistent_hash first_available least_active maglev p2c_ewma random round_robin weighted_round_robin"
	if got := strings.Join(Policies(), " "); got != want {
		t.Fatalf("Policies() = %q, want %q", got, want)
	}
}

func TestRoundRobinSequence(t *testing.T) {
	eps := states(1, 5, 1)
	if got := sequence(build(t, "round_robin", eps, 1), eps, 7); got != "abcabca" {
		t.Fatalf("round_robin = %q", got)
	}
}

func TestWeightedRoundRobinIsNginxSmooth(t *testing.T) {
	eps := states(5, 1, 1)
	p := build(t, "weighted_round_robin", eps, 1)
	if got := sequence(p, eps, 14); got != "aabacaaaabacaa" {
		t.Fatalf("weighted_round_robin {5,1,1} = %q, want nginx's aabacaa twice", got)
	}
	// nginx's own example sequence of the commit that introduced smooth WRR: a b a c a a b... is
	// for weights {5,1,1} "a a b a c a a"; {1,1,1} is plain round robin; {2,1} alternates aab.
	eps = states(2, 1)
	if got := sequence(build(t, "weighted_round_robin", eps, 1), eps, 6); got != "abaaba" {
		t.Fatalf("{2,1} = %q", got)
	}
}

func TestSmoothCycleScalesHugeWeights(t *testing.T) {
	c := smoothCycle([]int{1 << 20, 1 << 19, 3})
	if len(c) > maxWRRCycle {
		t.Fatalf("cycle of %d entries", len(c))
	}
	var n [3]int
	for _, i := range c {
		n[i]++
	}
	if n[2] < 1 || math.Abs(float64(n[0])/float64(n[1])-2) > 0.01 {
		t.Fatalf("counts %v", n)
	}
}

// distribution picks n times and returns each endpoint's share.
func distribution(p Picker, eps []*EndpointState, n int) []float64 {
	counts := make([]float64, len(eps))
	for range n {
		counts[p.Pick(PickInfo{})]++
	}
	for i := range counts {
		counts[i] /= float64(n)
	}
	return counts
}

func TestRandomIsWeighted(t *testing.T) {
	eps := states(1, 2, 7)
	got := distribution(build(t, "random", eps, 42), eps, 100000)
	for i, want := range []float64{0.1, 0.2, 0.7} {
		if math.Abs(got[i]-want) > 0.01 {
			t.Fatalf("random shares %v, want 0.1 0.2 0.7", got)
		}
	}
}

func TestLeastActive(t *testing.T) {
	eps := states(1, 1, 1, 1)
	p := build(t, "least_active", eps, 7)
	eps[0].inflight.Store(3)
	eps[1].inflight.Store(1)
	eps[2].inflight.Store(2)
	eps[3].inflight.Store(1)
	got := distribution(p, eps, 10000)
	if got[0] != 0 || got[2] != 0 || math.Abs(got[1]-0.5) > 0.03 || math.Abs(got[3]-0.5) > 0.03 {
		t.Fatalf("least_active shares %v, want b and d half each", got)
	}
	eps[3].inflight.Store(0)
	if i := p.Pick(PickInfo{}); i != 3 {
		t.Fatalf("picked %d, want the idle d", i)
	}
	if i := p.Pick(PickInfo{Tried: Tried{eps[3]}}); i != 1 {
		t.Fatalf("picked %d with d tried, want b", i)
	}
}

func TestP2CEWMA(t *testing.T) {
	eps := states(1, 1, 1)
	p := build(t, "p2c_ewma", eps, 9)
	eps[0].recordLatency(100e6) // 100 ms
	eps[1].recordLatency(1e6)   // 1 ms
	eps[2].recordLatency(2e6)   // 2 ms
	got := distribution(p, eps, 30000)
	// a loses every duel; b wins every duel it is in (2 of 3 pairs); c wins only against a.
	if got[0] != 0 || math.Abs(got[1]-2.0/3) > 0.02 || math.Abs(got[2]-1.0/3) > 0.02 {
		t.Fatalf("p2c_ewma shares %v, want 0, 2/3, 1/3", got)
	}
	eps[1].inflight.Store(5) // b now costs 1 ms × 6 > c's 2 ms × 1
	got = distribution(p, eps, 30000)
	if got[0] != 0 || math.Abs(got[1]-1.0/3) > 0.02 || math.Abs(got[2]-2.0/3) > 0.02 {
		t.Fatalf("p2c_ewma shares with b loaded %v, want 0, 1/3, 2/3", got)
	}
}

func TestFirstAvailable(t *testing.T) {
	eps := states(1, 1, 1)
	p := build(t, "first_available", eps, 1)
	if got := sequence(p, eps, 3); got != "aaa" {
		t.Fatalf("first_available = %q", got)
	}
	if i := p.Pick(PickInfo{Tried: Tried{eps[0]}}); i != 1 {
		t.Fatalf("after a, picked %d", i)
	}
	if i := p.Pick(PickInfo{Tried: Tried{eps[0], eps[1], eps[2]}}); i != -1 {
		t.Fatalf("all tried, picked %d", i)
	}
}

func TestEveryPolicyAvoidsTried(t *testing.T) {
	for _, name := range Policies() {
		eps := states(3, 1, 2, 1)
		p := build(t, name, eps, 5)
		for k := range 50 {
			tried := Tried{eps[k%4], eps[(k+1)%4]}
			i := p.Pick(PickInfo{Key: uint64(k) * 0x9e3779b97f4a7c15, Tried: tried})
			if i < 0 || tried.Has(eps[i]) {
				t.Fatalf("%s picked %d, tried %v", name, i, k)
			}
		}
		if i := p.Pick(PickInfo{Tried: Tried(eps)}); i != -1 {
			t.Fatalf("%s picked %d with every endpoint tried", name, i)
		}
	}
}

func TestConsistentHashStableAndMinimalRemap(t *testing.T) {
	for _, policy := range []string{"consistent_hash", "maglev"} {
		const n, keys = 10, 20000
		eps := states(make([]int, n)...)
		p := build(t, policy, eps, 1)
		owner := make([]string, keys)
		counts := map[string]int{}
		for k := range keys {
			key := hashString(fmt.Sprintf("key-%d", k))
			i := p.Pick(PickInfo{Key: key})
			if j := p.Pick(PickInfo{Key: key}); j != i {
				t.Fatalf("%s: key %d went to %d then %d", policy, k, i, j)
			}
			owner[k] = eps[i].Endpoint().URL
			counts[owner[k]]++
		}
		lo, hi := keys/n/2, keys/n*2
		if policy == "maglev" {
			lo, hi = keys/n*9/10, keys/n*11/10 // Maglev's table is even to a few percent
		}
		for url, c := range counts {
			if c < lo || c > hi {
				t.Fatalf("%s: endpoint %s owns %d of %d keys: %v", policy, url, c, keys, counts)
			}
		}
		// remove the fourth endpoint: its keys move, and (ring) no other or (Maglev) few others
		removed := eps[3].Endpoint().URL
		rest := append(append([]*EndpointState(nil), eps[:3]...), eps[4:]...)
		p2 := build(t, policy, rest, 1)
		moved, others := 0, 0
		for k := range keys {
			now := rest[p2.Pick(PickInfo{Key: hashString(fmt.Sprintf("key-%d", k))})].Endpoint().URL
			if now != owner[k] {
				moved++
				if owner[k] != removed {
					others++
				}
			}
		}
		if share := float64(moved) / keys; share < 0.05 || share > 0.15 {
			t.Fatalf("%s: %.3f of keys moved, want about 1/%d", policy, share, n)
		}
		if maxOthers := map[string]int{"consistent_hash": 0, "maglev": keys / 50}[policy]; others > maxOthers {
			t.Fatalf("%s: %d keys moved between endpoints that stayed", policy, others)
		}
	}
}

func TestMaglevWeights(t *testing.T) {
	eps := states(1, 2, 1)
	p := build(t, "maglev", eps, 1)
	counts := make([]float64, 3)
	for k := range 40000 {
		counts[p.Pick(PickInfo{Key: hashString(strconv.Itoa(k))})] += 1.0 / 40000
	}
	for i, want := range []float64{0.25, 0.5, 0.25} {
		if math.Abs(counts[i]-want) > 0.02 {
			t.Fatalf("maglev shares %v, want 1/4 1/2 1/4", counts)
		}
	}
}

func TestConsistentHashBoundedLoad(t *testing.T) {
	for _, policy := range []string{"consistent_hash", "maglev"} {
		eps := states(1, 1, 1, 1)
		p := build(t, policy, eps, 1)
		key := hashString("hot")
		home := p.Pick(PickInfo{Key: key})
		eps[home].inflight.Store(10) // total 10, bound ceil(1.25*11/4) = 4
		if next := p.Pick(PickInfo{Key: key}); next == home {
			t.Fatalf("%s: overloaded endpoint %d still took the key", policy, home)
		}
		eps[home].inflight.Store(0)
		if again := p.Pick(PickInfo{Key: key}); again != home {
			t.Fatalf("%s: key went to %d once the load fell, want %d", policy, again, home)
		}
	}
}

func TestHashKey(t *testing.T) {
	ctx := t.Context()
	a := hashKey(ctx, "get", 0, []any{"user-1", 5})
	if a != hashKey(ctx, "get", 0, []any{"user-1", 6}) {
		t.Fatal("second parameter changed the key of parameter 0")
	}
	if a == hashKey(ctx, "get", 0, []any{"user-2", 5}) {
		t.Fatal("different first parameters hash alike")
	}
	if hashKey(WithHashKey(ctx, "k"), "get", 0, []any{"x"}) != hashString("k") {
		t.Fatal("context key ignored")
	}
	if hashKey(ctx, "get", -1, []any{"x"}) != hashString("get") {
		t.Fatal("HashParam -1 should hash the method alone")
	}
}

func BenchmarkPick(b *testing.B) {
	for _, name := range Policies() {
		b.Run(name, func(b *testing.B) {
			w := make([]int, 100)
			for i := range w {
				w[i] = 1 + i%5
			}
			eps := states(w...)
			for i, e := range eps {
				e.inflight.Store(int64(i % 7))
				e.recordLatency(time.Duration(1e6 + 1e4*float64(i%13)))
			}
			p, _ := lookupPolicy(name)
			ww := make([]int, len(eps))
			for i := range ww {
				ww[i] = w[i] * 100
			}
			pk := p.Build(BuildInfo{Endpoints: eps, Weights: ww, Rand: defaultRand{}, HashLoadFactor: 1.25})
			b.ReportAllocs()
			b.ResetTimer()
			pi := PickInfo{}
			for i := 0; b.Loop(); i++ {
				pi.Key = uint64(i) * 0x9e3779b97f4a7c15
				if pk.Pick(pi) < 0 {
					b.Fatal("no pick")
				}
			}
		})
	}
}
