package cluster

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// vnodesPerWeight is the number of points each unit of Endpoint.Weight places on the ring.
const vnodesPerWeight = 100

// maxRingPoints bounds the ring; larger weights are scaled down in proportion.
const maxRingPoints = 1 << 16

// consistentHash places each endpoint at many points of a hash ring (Karger's consistent
// hashing) and sends a key to the first point at or after the key's hash whose endpoint is under
// its load bound (Mirrokni, Thorup and Zadimoghaddam's bounded loads): while no endpoint is
// loaded, removing one of N endpoints moves only the keys it held, about 1/N of them.
type consistentHash struct {
	eps    []*EndpointState
	points []uint64 // sorted hashes
	owner  []uint16 // endpoint index of each point
	factor float64
}

func buildConsistentHash(info BuildInfo) Picker {
	p := &consistentHash{eps: info.Endpoints, factor: info.HashLoadFactor}
	if p.factor < 1 {
		p.factor = 1
	}
	// The ring follows configured weights, not slow-start ramps, so keys stay put while an
	// endpoint warms up.
	w := make([]int, len(p.eps))
	for i, e := range p.eps {
		w[i] = e.Endpoint().weight() * vnodesPerWeight
	}
	w = reduceWeights(w, maxRingPoints)
	type pt struct {
		h uint64
		o uint16
	}
	var pts []pt
	for i, e := range p.eps {
		url := e.Endpoint().URL
		n := max(w[i], vnodesPerWeight/4)
		for k := range n {
			pts = append(pts, pt{hashString(url + "#" + strconv.Itoa(k)), uint16(i)})
		}
	}
	slices.SortFunc(pts, func(a, b pt) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return int(a.o) - int(b.o)
	})
	p.points = make([]uint64, len(pts))
	p.owner = make([]uint16, len(pts))
	for i, x := range pts {
		p.points[i], p.owner[i] = x.h, x.o
	}
	return p
}

func (p *consistentHash) Pick(info PickInfo) int {
	n := len(p.points)
	if n == 0 {
		return -1
	}
	var total int64
	for _, e := range p.eps {
		total += e.inflight.Load()
	}
	// An endpoint may take the key while its load stays within factor × the average load
	// including this call.
	bound := int64(math.Ceil(p.factor * float64(total+1) / float64(len(p.eps))))
	start, _ := slices.BinarySearch(p.points, info.Key)
	fallback := -1
	for k := range n {
		i := int(p.owner[(start+k)%n])
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

// hashString is 64-bit FNV-1a followed by a finalizer (SplitMix64's) that spreads the bits.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

type hashKeyCtx struct{}

// WithHashKey returns a context whose calls consistent_hash routes by key instead of by the
// method and a parameter.
func WithHashKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, hashKeyCtx{}, key)
}

// hashKey returns the hash key of a call: the context's key, or the method with the parameter
// at index param (the method alone when param is -1 or out of range).
func hashKey(ctx context.Context, method string, param int, args []any) uint64 {
	if k, ok := ctx.Value(hashKeyCtx{}).(string); ok {
		return hashString(k)
	}
	if param < 0 || param >= len(args) {
		return hashString(method)
	}
	return hashValue(method, args[param])
}

// hashValue returns the hash key of the method with one parameter value.
func hashValue(method string, v any) uint64 {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case []byte:
		s = string(v)
	default:
		s = fmt.Sprint(v)
	}
	return hashString(method + "\x00" + s)
}
