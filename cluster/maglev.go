package cluster

import "math"

// maglevSize is the lookup table's size: a prime well above 100 × the endpoints of a large
// cluster, as the Maglev paper advises.
const maglevSize = 65537

// maglev is Google's Maglev consistent hashing (Eisenbud et al., NSDI 2016): each endpoint fills
// the slots of a prime-sized table in the order of its own permutation, taking turns in
// proportion to its weight, so a key's lookup is one table read, the table is even to within a
// few percent, and removing one of N endpoints moves about 1/N of the keys. Load is bounded as in
// consistent_hash: an endpoint over factor × the average load passes the key on to the endpoint
// of the next slot.
type maglev struct {
	eps    []*EndpointState
	table  []uint16
	factor float64
}

func buildMaglev(info BuildInfo) Picker {
	p := &maglev{eps: info.Endpoints, factor: max(info.HashLoadFactor, 1)}
	n := len(p.eps)
	if n == 0 {
		return p
	}
	offset := make([]uint64, n)
	skip := make([]uint64, n)
	next := make([]uint64, n)
	w := make([]int, n)
	maxW := 0
	for i, e := range p.eps {
		url := e.Endpoint().URL
		offset[i] = hashString(url+"#offset") % maglevSize
		skip[i] = hashString(url+"#skip")%(maglevSize-1) + 1
		w[i] = e.Endpoint().weight()
		maxW = max(maxW, w[i])
	}
	p.table = make([]uint16, maglevSize)
	filled := make([]bool, maglevSize)
	credit := make([]int, n)
	for count := 0; count < maglevSize; {
		for i := range n {
			// weighted turns: an endpoint of weight w fills a slot w times in maxW rounds
			credit[i] += w[i]
			if credit[i] < maxW {
				continue
			}
			credit[i] -= maxW
			c := (offset[i] + next[i]*skip[i]) % maglevSize
			for filled[c] {
				next[i]++
				c = (offset[i] + next[i]*skip[i]) % maglevSize
			}
			filled[c] = true
			p.table[c] = uint16(i)
			next[i]++
			if count++; count == maglevSize {
				break
			}
		}
	}
	return p
}

func (p *maglev) Pick(info PickInfo) int {
	if len(p.table) == 0 {
		return -1
	}
	var total int64
	for _, e := range p.eps {
		total += e.inflight.Load()
	}
	bound := int64(math.Ceil(p.factor * float64(total+1) / float64(len(p.eps))))
	slot := int(info.Key % maglevSize)
	fallback := -1
	for k := range maglevSize {
		i := int(p.table[(slot+k)%maglevSize])
		e := p.eps[i]
		if len(info.Tried) > 0 && info.Tried.Has(e) {
			continue
		}
		if fallback < 0 {
			fallback = i
		}
		if e.inflight.Load()+1 <= bound {
			return i
		}
	}
	return fallback
}
