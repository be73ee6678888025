package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Resolver lists a cluster's endpoints. A service registry implements it to feed a cluster; the
// cluster asks again every Config.ResolveInterval and, rate-limited, when an endpoint fails.
type Resolver interface {
	// Resolve returns the current endpoints. An error keeps the cluster's current endpoints.
	Resolve(ctx context.Context) ([]Endpoint, error)
}

// Static is a fixed list of endpoints.
type Static []Endpoint

// Resolve returns a copy of the list.
func (s Static) Resolve(context.Context) ([]Endpoint, error) {
	return append([]Endpoint(nil), s...), nil
}

// DNSLookup is the part of *net.Resolver that DNS uses.
type DNSLookup interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// DNS resolves endpoints from DNS. With Service empty it looks up the A and AAAA records of the
// host of URL and makes one endpoint per address, keeping URL's scheme, port and path. With
// Service set (e.g. "xmlrpc") it looks up the SRV records _Service._Proto.host and makes one
// endpoint per target and port: the targets of the lowest priority are primaries, the others
// backups, and each weight is the SRV weight (0 counts as 1).
type DNS struct {
	URL     string    // template, e.g. "http://rpc.example.com:8000/RPC2"
	Service string    // SRV service, empty for A/AAAA
	Proto   string    // SRV protocol, "tcp" when empty
	Lookup  DNSLookup // nil uses net.DefaultResolver
	// Weight is the weight of each A/AAAA endpoint; 0 means 1.
	Weight int
}

// Resolve looks the records up and returns their endpoints, sorted as DNS returned them. No
// record at all is an error wrapping ErrNoEndpoints.
func (d *DNS) Resolve(ctx context.Context) ([]Endpoint, error) {
	u, err := url.Parse(d.URL)
	if err != nil {
		return nil, fmt.Errorf("cluster: DNS template: %w", err)
	}
	host := u.Hostname()
	lk := d.Lookup
	if lk == nil {
		lk = net.DefaultResolver
	}
	var eps []Endpoint
	at := func(h, port string) string {
		v := *u
		if port == "" {
			v.Host = bracket(h)
		} else {
			v.Host = net.JoinHostPort(h, port)
		}
		return v.String()
	}
	if d.Service == "" {
		addrs, err := lk.LookupHost(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("cluster: resolving %s: %w", host, err)
		}
		for _, a := range addrs {
			eps = append(eps, Endpoint{URL: at(a, u.Port()), Weight: d.Weight})
		}
	} else {
		proto := d.Proto
		if proto == "" {
			proto = "tcp"
		}
		_, srvs, err := lk.LookupSRV(ctx, d.Service, proto, host)
		if err != nil {
			return nil, fmt.Errorf("cluster: resolving SRV _%s._%s.%s: %w", d.Service, proto, host, err)
		}
		minPrio := uint16(0xffff)
		for _, s := range srvs {
			minPrio = min(minPrio, s.Priority)
		}
		for _, s := range srvs {
			target := trimDot(s.Target)
			eps = append(eps, Endpoint{
				URL:    at(target, strconv.Itoa(int(s.Port))),
				Weight: int(s.Weight),
				Backup: s.Priority != minPrio,
			})
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("cluster: resolving %s: %w", host, ErrNoEndpoints)
	}
	return eps, nil
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

func bracket(h string) string {
	if ip := net.ParseIP(h); ip != nil && ip.To4() == nil {
		return "[" + h + "]"
	}
	return h
}

// resolveTimeout bounds one Resolve call of the background loop.
const resolveTimeout = 10 * time.Second

// requestResolve asks the resolver loop to resolve again soon; it never blocks.
func (c *Cluster) requestResolve() {
	select {
	case c.resolveNow <- struct{}{}:
	default:
	}
}

// resolveLoop asks the resolver every ResolveInterval, and on request at most once per quarter
// of it.
func (c *Cluster) resolveLoop() {
	defer c.wg.Done()
	every := c.cfg.ResolveInterval
	if every <= 0 {
		return
	}
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		case <-c.resolveNow:
			c.mu.Lock()
			recent := c.now().Sub(c.lastResolve) < every/4
			c.mu.Unlock()
			if recent {
				continue
			}
		}
		c.resolveOnce()
		t.Reset(every)
	}
}

func (c *Cluster) resolveOnce() {
	ctx, cancel := context.WithTimeout(c.ctx, resolveTimeout)
	eps, err := c.resolver.Resolve(ctx)
	cancel()
	c.mu.Lock()
	c.lastResolve = c.now()
	c.resolveErr = err
	c.mu.Unlock()
	if err != nil {
		return
	}
	if err := c.SetEndpoints(eps); err != nil && !errors.Is(err, ErrClosed) {
		c.mu.Lock()
		c.resolveErr = err
		c.mu.Unlock()
	}
}
