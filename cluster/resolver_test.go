package cluster

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
)

// table answers DNS lookups from maps.
type table struct {
	mu    sync.Mutex
	hosts map[string][]string
	srv   map[string][]*net.SRV
}

func (t *table) LookupHost(_ context.Context, host string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a, ok := t.hosts[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (t *table) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := "_" + service + "._" + proto + "." + name
	if s, ok := t.srv[key]; ok {
		return key, s, nil
	}
	return "", nil, &net.DNSError{Err: "no such host", Name: key, IsNotFound: true}
}

func TestDNSAddresses(t *testing.T) {
	tb := &table{hosts: map[string][]string{"rpc.test": {"10.0.0.1", "fd00::2"}}}
	d := &DNS{URL: "http://rpc.test:8000/RPC2", Lookup: tb, Weight: 3}
	eps, err := d.Resolve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 2 || eps[0].URL != "http://10.0.0.1:8000/RPC2" || eps[1].URL != "http://[fd00::2]:8000/RPC2" || eps[0].Weight != 3 {
		t.Fatalf("%+v", eps)
	}
	d.URL = "http://gone.test/RPC2"
	if _, err := d.Resolve(t.Context()); err == nil {
		t.Fatal("unknown host resolved")
	}
	tb.hosts["empty.test"] = nil
	d.URL = "http://empty.test/RPC2"
	if _, err := d.Resolve(t.Context()); !errors.Is(err, ErrNoEndpoints) {
		t.Fatalf("no addresses: %v", err)
	}
}

func TestDNSSRV(t *testing.T) {
	tb := &table{srv: map[string][]*net.SRV{"_xmlrpc._tcp.rpc.test": {
		{Target: "a.rpc.test.", Port: 8001, Priority: 10, Weight: 5},
		{Target: "b.rpc.test.", Port: 8002, Priority: 10, Weight: 0},
		{Target: "c.rpc.test.", Port: 8003, Priority: 20, Weight: 1},
	}}}
	d := &DNS{URL: "https://rpc.test/RPC2", Service: "xmlrpc", Lookup: tb}
	eps, err := d.Resolve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eps {
		s := e.URL
		if e.Backup {
			s += " backup"
		}
		got = append(got, s)
	}
	want := []string{"https://a.rpc.test:8001/RPC2", "https://b.rpc.test:8002/RPC2", "https://c.rpc.test:8003/RPC2 backup"}
	if !slices.Equal(got, want) || eps[0].Weight != 5 || eps[1].weight() != 1 {
		t.Fatalf("%v", got)
	}
}

func TestDNSLocalhost(t *testing.T) {
	eps, err := (&DNS{URL: "http://localhost:1234/"}).Resolve(t.Context())
	if err != nil {
		t.Skipf("this machine cannot resolve localhost: %v", err)
	}
	for _, e := range eps {
		if !strings.Contains(e.URL, "127.0.0.1:1234") && !strings.Contains(e.URL, "[::1]:1234") {
			t.Fatalf("localhost resolved to %s", e.URL)
		}
	}
}

// TestResolverDrivesMembership: a re-resolve adds and removes endpoints; a failed one keeps them.
func TestResolverDrivesMembership(t *testing.T) {
	tb := &table{hosts: map[string][]string{"rpc.test": {"10.0.0.1", "10.0.0.2"}}}
	made := map[string]int{}
	var mu sync.Mutex
	factory := func(ep Endpoint) (Caller, error) {
		mu.Lock()
		made[ep.URL]++
		mu.Unlock()
		return &fakeCaller{url: ep.URL}, nil
	}
	cfg := testConfig("round_robin")
	c, err := newCluster(t.Context(), &DNS{URL: "http://rpc.test:80/", Lookup: tb}, factory, cfg, internals{now: (&clock{}).now, rnd: &seqRand{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	urls := func() string {
		var s []string
		for _, e := range c.Endpoints() {
			s = append(s, e.URL)
		}
		return strings.Join(s, " ")
	}
	if got := urls(); got != "http://10.0.0.1:80/ http://10.0.0.2:80/" {
		t.Fatal(got)
	}
	tb.mu.Lock()
	tb.hosts["rpc.test"] = []string{"10.0.0.2", "10.0.0.3"}
	tb.mu.Unlock()
	c.resolveOnce()
	if got := urls(); got != "http://10.0.0.2:80/ http://10.0.0.3:80/" {
		t.Fatal(got)
	}
	if made["http://10.0.0.2:80/"] != 1 {
		t.Fatal("a kept endpoint got a new Caller")
	}
	tb.mu.Lock()
	delete(tb.hosts, "rpc.test")
	tb.mu.Unlock()
	c.resolveOnce()
	if got := urls(); got != "http://10.0.0.2:80/ http://10.0.0.3:80/" {
		t.Fatalf("a failed resolve changed the endpoints: %s", got)
	}
	if c.Stats().ResolveError == nil {
		t.Fatal("resolve error not reported")
	}
}
