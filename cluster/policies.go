package cluster

import (
	"sync/atomic"
)

// roundRobin cycles through the endpoints with one atomic counter.
type roundRobin struct {
	eps  []*EndpointState
	next atomic.Uint64
}

func buildRoundRobin(info BuildInfo) Picker { return &roundRobin{eps: info.Endpoints} }

func (p *roundRobin) Pick(info PickInfo) int {
	n := len(p.eps)
	if n == 0 {
		return -1
	}
	i := int((p.next.Add(1) - 1) % uint64(n))
	if len(info.Tried) == 0 {
		return i
	}
	return untried(p.eps, i, info.Tried)
}

// maxWRRCycle bounds the precomputed smooth weighted round-robin cycle. Weights whose sum, after
// dividing by their greatest common divisor, exceeds it are scaled down in proportion.
const maxWRRCycle = 1 << 14

// weightedRoundRobin replays one cycle of nginx's smooth weighted round robin, computed when the
// picker is built, with an atomic cursor: exactly nginx's sequence, with no lock per pick.
type weightedRoundRobin struct {
	eps   []*EndpointState
	cycle []uint16
	next  atomic.Uint64
}

func buildWeightedRoundRobin(info BuildInfo) Picker {
	p := &weightedRoundRobin{eps: info.Endpoints}
	if len(p.eps) == 0 {
		return p
	}
	p.cycle = smoothCycle(info.Weights)
	return p
}

// smoothCycle returns one full cycle of nginx's smooth weighted round robin over weights: each
// pick adds every weight to its current value, chooses the largest current value (the first on
// ties) and subtracts the total from it.
func smoothCycle(weights []int) []uint16 {
	w := reduceWeights(weights, maxWRRCycle)
	total := 0
	for _, x := range w {
		total += x
	}
	cur := make([]int, len(w))
	cycle := make([]uint16, total)
	for k := range cycle {
		best := -1
		for i, x := range w {
			cur[i] += x
			if best < 0 || cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		cycle[k] = uint16(best)
	}
	return cycle
}

// reduceWeights divides weights by their greatest common divisor and, if their sum still exceeds
// limit, scales them down in proportion (each at least 1).
func reduceWeights(weights []int, limit int) []int {
	g := 0
	for _, x := range weights {
		g = gcd(g, max(x, 1))
	}
	w := make([]int, len(weights))
	total := 0
	for i, x := range weights {
		w[i] = max(x, 1) / g
		total += w[i]
	}
	if total > limit {
		for i := range w {
			w[i] = max(1, w[i]*(limit-len(w))/total)
		}
	}
	return w
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (p *weightedRoundRobin) Pick(info PickInfo) int {
	if len(p.cycle) == 0 {
		return -1
	}
	i := int(p.cycle[(p.next.Add(1)-1)%uint64(len(p.cycle))])
	if len(info.Tried) == 0 || !info.Tried.Has(p.eps[i]) {
		return i
	}
	return untried(p.eps, i, info.Tried)
}

// weightedRandom draws an endpoint with probability proportional to its effective weight.
type weightedRandom struct {
	eps   []*EndpointState
	cum   []int // cumulative weights
	total int
	rnd   Rand
}

func buildRandom(info BuildInfo) Picker {
	p := &weightedRandom{eps: info.Endpoints, cum: make([]int, len(info.Endpoints)), rnd: info.Rand}
	for i := range info.Endpoints {
		p.total += info.Weights[i]
		p.cum[i] = p.total
	}
	return p
}

func (p *weightedRandom) Pick(info PickInfo) int {
	if len(p.eps) == 0 {
		return -1
	}
	r := randN(p.rnd, p.total)
	lo, hi := 0, len(p.cum)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if p.cum[mid] > r {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if len(info.Tried) == 0 || !info.Tried.Has(p.eps[lo]) {
		return lo
	}
	return untried(p.eps, lo, info.Tried)
}

// leastActive chooses an endpoint with the fewest calls in flight, breaking ties at random in
// proportion to the effective weights (Dubbo's leastactive).
type leastActive struct {
	eps []*EndpointState
	w   []int
	rnd Rand
}

func buildLeastActive(info BuildInfo) Picker {
	return &leastActive{eps: info.Endpoints, w: info.Weights, rnd: info.Rand}
}

func (p *leastActive) Pick(info PickInfo) int {
	best, bestN, tieW := -1, int64(0), 0
	for i, e := range p.eps {
		if len(info.Tried) > 0 && info.Tried.Has(e) {
			continue
		}
		n := e.inflight.Load()
		switch {
		case best < 0 || n < bestN:
			best, bestN, tieW = i, n, p.w[i]
		case n == bestN:
			// weighted reservoir sampling among the ties
			tieW += p.w[i]
			if randN(p.rnd, tieW) < p.w[i] {
				best = i
			}
		}
	}
	return best
}

// p2cEWMA is the power of two choices: draw two endpoints at random and take the one with the
// lower load, latency EWMA × (calls in flight + 1) ÷ effective weight.
type p2cEWMA struct {
	eps []*EndpointState
	w   []int
	rnd Rand
}

func buildP2C(info BuildInfo) Picker {
	return &p2cEWMA{eps: info.Endpoints, w: info.Weights, rnd: info.Rand}
}

func (p *p2cEWMA) load(i int) float64 {
	e := p.eps[i]
	return float64(e.LatencyEWMA()+1) * float64(e.inflight.Load()+1) / float64(p.w[i])
}

func (p *p2cEWMA) Pick(info PickInfo) int {
	n := len(p.eps)
	switch n {
	case 0:
		return -1
	case 1:
		return untried(p.eps, 0, info.Tried)
	}
	a := randN(p.rnd, n)
	b := randN(p.rnd, n-1)
	if b >= a {
		b++
	}
	if len(info.Tried) > 0 {
		ta, tb := info.Tried.Has(p.eps[a]), info.Tried.Has(p.eps[b])
		switch {
		case ta && tb:
			return untried(p.eps, a, info.Tried)
		case ta:
			return b
		case tb:
			return a
		}
	}
	if p.load(b) < p.load(a) {
		return b
	}
	return a
}

// firstAvailable chooses the first endpoint in configuration order: the master/slave pattern.
type firstAvailable struct{ eps []*EndpointState }

func buildFirstAvailable(info BuildInfo) Picker { return &firstAvailable{eps: info.Endpoints} }

func (p *firstAvailable) Pick(info PickInfo) int { return untried(p.eps, 0, info.Tried) }
