package cluster

import (
	"math/rand/v2"
	"sort"
	"sync"
)

// Policy builds pickers: the load-balancing algorithm of a cluster. A Policy is registered once
// under its name with Register and chosen by Config.Policy.
type Policy interface {
	// Name returns the name the policy is registered under, e.g. "round_robin".
	Name() string
	// Build returns a picker over the endpoints of info. The cluster builds a new picker whenever
	// the set of routable endpoints or their effective weights change, and never mutates info
	// afterwards, so a picker may keep it.
	Build(info BuildInfo) Picker
}

// KeyedPolicy is a Policy that routes by PickInfo.Key. The cluster computes the key (from
// WithHashKey or the method and Config.HashParam) only for policies whose UsesKey returns true.
type KeyedPolicy interface {
	Policy
	UsesKey() bool
}

// BuildInfo is the immutable snapshot a picker chooses from.
type BuildInfo struct {
	// Endpoints lists the endpoints calls may go to, in configuration order: the routable
	// primaries, or when none is routable the routable backups, or when none of those either
	// every endpoint (a last resort rather than failing every call).
	Endpoints []*EndpointState
	// Weights holds each endpoint's effective weight in hundredths of its configured weight
	// unit: 100 × Endpoint.Weight at full strength, less during slow start. Always >= 1.
	Weights []int
	// Rand is the random source pickers draw from.
	Rand Rand
	// HashLoadFactor is Config.HashLoadFactor.
	HashLoadFactor float64
}

// Picker chooses the endpoint of one attempt. Pick is called concurrently from every calling
// goroutine and must not block: it reads the snapshot and atomic counters only.
type Picker interface {
	// Pick returns the index in BuildInfo.Endpoints of the endpoint to try, or -1 when every
	// endpoint has been tried already. It should avoid the endpoints in info.Tried.
	Pick(info PickInfo) int
}

// PickInfo describes the attempt being placed.
type PickInfo struct {
	Method string // the method called
	Key    uint64 // the hash key, computed for a KeyedPolicy only (see WithHashKey, Config.HashParam)
	Tried  Tried  // endpoints already tried by this call
}

// Tried is the set of endpoints a call already tried.
type Tried []*EndpointState

// Has reports whether e was tried.
func (t Tried) Has(e *EndpointState) bool {
	for _, x := range t {
		if x == e {
			return true
		}
	}
	return false
}

// Rand is a source of random numbers for pickers. It must be safe for concurrent use.
type Rand interface {
	Uint64() uint64
}

// defaultRand draws from math/rand/v2's lock-free global source.
type defaultRand struct{}

func (defaultRand) Uint64() uint64 { return rand.Uint64() }

// randN returns a number in [0, n) from r (Lemire's multiply-shift; n < 2^32).
func randN(r Rand, n int) int {
	return int(((r.Uint64() >> 32) * uint64(n)) >> 32)
}

var (
	policiesMu sync.RWMutex
	policies   = map[string]Policy{}
)

// Register makes p available under p.Name(), replacing any policy of that name. Call it from an
// init function; the built-in policies are round_robin, weighted_round_robin, random,
// least_active, p2c_ewma, consistent_hash, maglev and first_available.
func Register(p Policy) {
	policiesMu.Lock()
	defer policiesMu.Unlock()
	policies[p.Name()] = p
}

// Policies returns the names of the registered policies, sorted.
func Policies() []string {
	policiesMu.RLock()
	defer policiesMu.RUnlock()
	names := make([]string, 0, len(policies))
	for n := range policies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupPolicy(name string) (Policy, bool) {
	policiesMu.RLock()
	defer policiesMu.RUnlock()
	p, ok := policies[name]
	return p, ok
}

// policyFunc adapts a build function to Policy.
type policyFunc struct {
	name  string
	build func(BuildInfo) Picker
}

func (p policyFunc) Name() string                { return p.name }
func (p policyFunc) Build(info BuildInfo) Picker { return p.build(info) }

// keyedPolicyFunc is a policyFunc that routes by key.
type keyedPolicyFunc struct{ policyFunc }

func (keyedPolicyFunc) UsesKey() bool { return true }

func init() {
	Register(policyFunc{"round_robin", buildRoundRobin})
	Register(policyFunc{"weighted_round_robin", buildWeightedRoundRobin})
	Register(policyFunc{"random", buildRandom})
	Register(policyFunc{"least_active", buildLeastActive})
	Register(policyFunc{"p2c_ewma", buildP2C})
	Register(keyedPolicyFunc{policyFunc{"consistent_hash", buildConsistentHash}})
	Register(keyedPolicyFunc{policyFunc{"maglev", buildMaglev}})
	Register(policyFunc{"first_available", buildFirstAvailable})
}

// untried scans from start for the first endpoint not tried, -1 when all were.
func untried(eps []*EndpointState, start int, t Tried) int {
	n := len(eps)
	for k := range n {
		i := (start + k) % n
		if !t.Has(eps[i]) {
			return i
		}
	}
	return -1
}
