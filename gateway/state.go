package gateway

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// route is a compiled Route.
type route struct {
	name    string
	paths   []string
	methods patterns
	proto   string
	pool    *pool
}

func (r *route) match(path, proto, method string) bool {
	if r.proto != "" && r.proto != proto {
		return false
	}
	if len(r.paths) > 0 && !contains(r.paths, path) {
		return false
	}
	return len(r.methods) == 0 || r.methods.match(method)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// state is one configuration as it runs: its routes and pools. Requests hold a reference while
// they use it, so that a reload retires it (closing the pools it does not hand on) only after
// the calls that started on it have finished.
type state struct {
	cfg      *Config
	routes   []*route
	pools    map[string]*pool
	anyPath  bool            // some route matches every path
	paths    map[string]bool // the paths routes name
	refs     atomic.Int64
	loadedAt time.Time
}

// build compiles cfg into a state, keeping the clusters of old's pools that cfg configures alike
// (their health and connections survive; only their endpoints are set). It returns the pools of
// old that the new state does not keep.
func build(cfg *Config, old *state) (*state, []*pool, error) {
	s := &state{cfg: cfg, pools: map[string]*pool{}, paths: map[string]bool{}, loadedAt: time.Now()}
	kept := map[*pool]bool{}
	var errs []error
	for _, name := range sortedNames(cfg.Pools) {
		pc := cfg.Pools[name]
		if old != nil {
			if op, ok := old.pools[name]; ok && sameCluster(op.cfg, pc) {
				if op.source == nil { // a registry pool's watcher sets its endpoints
					if err := op.cluster.SetEndpoints(endpoints(pc)); err != nil {
						errs = append(errs, fmt.Errorf("gateway: pool %s: %w", name, err))
					}
				}
				s.pools[name] = compilePool(name, pc, op.cluster, op.counters, op.source)
				kept[op] = true
				continue
			}
		}
		p, err := newPool(name, pc, cfg.Limits)
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway: pool %s: %w", name, err))
			continue
		}
		s.pools[name] = p
	}
	if len(errs) > 0 {
		for name, p := range s.pools {
			if old == nil || old.pools[name] == nil || old.pools[name].cluster != p.cluster {
				p.close()
			}
		}
		return nil, nil, errors.Join(errs...)
	}
	for i, r := range cfg.Routes {
		cr := &route{name: routeName(r, i), paths: r.Paths, proto: r.Protocol, pool: s.pools[r.Pool]}
		for _, m := range r.Methods {
			pat, _ := compilePattern(m) // verified
			cr.methods = append(cr.methods, pat)
		}
		if len(r.Paths) == 0 {
			s.anyPath = true
		}
		for _, p := range r.Paths {
			s.paths[p] = true
		}
		s.routes = append(s.routes, cr)
	}
	var dropped []*pool
	if old != nil {
		for _, op := range old.pools {
			if !kept[op] {
				dropped = append(dropped, op)
			}
		}
	}
	return s, dropped, nil
}

// serves reports whether some route may take a call on path.
func (s *state) serves(path string) bool { return s.anyPath || s.paths[path] }

// route returns the first route that takes a call of method over proto on path, nil for none.
func (s *state) route(path, proto, method string) *route {
	for _, r := range s.routes {
		if r.match(path, proto, method) {
			return r
		}
	}
	return nil
}
