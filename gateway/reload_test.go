package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/gateway"
)

const reloadTmpl = `
listeners: [{address: %s}]
admin: {address: %s, reload: true}
pools:
  a:
    backends: [%s]
    health: {method: none}
    policy: %s
%s
routes:
%s
  - {pool: a}
`

func backendsYAML(bs ...*backend) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("{url: %q}", b.url))
	}
	return strings.Join(parts, ", ")
}

func mustParse(t testing.TB, yaml string) *gateway.Config {
	t.Helper()
	cfg, err := gateway.Parse("reload.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestReloadKeepsHealthAndInFlight(t *testing.T) {
	a1, a2, b := newBackend(t, "a1"), newBackend(t, "a2"), newBackend(t, "b")
	listen, admin := freeAddr(t), freeAddr(t)
	first := fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(a1), "round_robin", "", "")
	gw := startGateway(t, first, nil)
	gw.url = "http://" + listen + "/RPC2"
	c := newClient(t, gw.url)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 5 {
		if err := c.Call(ctx, "whoami", nil); err != nil {
			t.Fatal(err)
		}
	}
	// A call in flight on a1 when its pool is reconfigured.
	slow := make(chan error, 1)
	go func() { var s string; slow <- c.Call(ctx, "slow", &s) }()
	waitFor(t, 5*time.Second, func() bool { return poolOf(gw, "a").InFlight == 1 })

	// Same settings, one more backend, a new pool and route: the cluster is kept.
	second := fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(a1, a2), "round_robin",
		fmt.Sprintf("  b:\n    backends: [%s]\n    health: {method: none}", backendsYAML(b)),
		`  - {methods: ["user.*"], pool: b}`)
	if err := gw.gw.Apply(mustParse(t, second)); err != nil {
		t.Fatal(err)
	}
	p := poolOf(gw, "a")
	if p.InFlight != 1 || p.Backends[0].Calls != 6 || len(p.Backends) != 2 {
		t.Errorf("after reload pool a: in flight %d, a1 calls %d, %d backends; want 1, 6, 2", p.InFlight, p.Backends[0].Calls, len(p.Backends))
	}
	var who string
	if err := c.Call(ctx, "user.whoami", &who); err != nil || who != "b" {
		t.Errorf("new route: %q %v", who, err)
	}
	// A changed policy makes a new cluster; the slow call still finishes on the old one.
	third := fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(a2), "least_active", "", "")
	if err := gw.gw.Apply(mustParse(t, third)); err != nil {
		t.Fatal(err)
	}
	close(a1.gate)
	if err := <-slow; err != nil {
		t.Errorf("the call in flight across two reloads: %v", err)
	}
	if err := c.Call(ctx, "whoami", &who); err != nil || who != "a2" {
		t.Errorf("after the third config: %q %v", who, err)
	}
	// An invalid configuration is refused; the running one goes on.
	bad := strings.Replace(third, "least_active", "fastest", 1)
	if _, err := gateway.Parse("bad.yaml", []byte(bad)); err == nil {
		t.Fatal("bad config parsed")
	}
	if err := c.Call(ctx, "whoami", &who); err != nil || who != "a2" {
		t.Errorf("after a refused config: %q %v", who, err)
	}
}

func TestReloadFromFileAndAdmin(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	listen, admin := freeAddr(t), freeAddr(t)
	path := filepath.Join(t.TempDir(), "gw.yaml")
	write := func(s string) {
		if err := os.WriteFile(path+".tmp", []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
	}
	cfgA := fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(a), "round_robin", "", "")
	cfgB := fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(b), "round_robin", "", "")
	write(cfgA)
	gw := startGateway(t, cfgA, &gateway.Options{ConfigFile: path})
	c := newClient(t, "http://"+listen+"/RPC2")
	who := func() string {
		var s string
		if err := c.Call(context.Background(), "whoami", &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The admin endpoint.
	write(cfgB)
	resp, err := http.Post("http://"+admin+"/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || who() != "b" {
		t.Fatalf("POST /reload: %d, now %s", resp.StatusCode, who())
	}
	// An invalid file: 422 with the errors, and b goes on.
	write(strings.Replace(cfgA, "round_robin", "fastest", 1))
	resp, err = http.Post("http://"+admin+"/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `gw.yaml:8:13: pools.a.policy: unknown policy "fastest"`) || who() != "b" {
		t.Errorf("invalid reload: %d %s; now %s", resp.StatusCode, body, who())
	}
	if st := gw.gw.Status(); st.ReloadFailures != 1 || !strings.Contains(st.LastReloadError, "fastest") {
		t.Errorf("status: %+v", st)
	}
	// A change of the file, seen by Watch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go gw.gw.Watch(ctx, 20*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	write(cfgA + "\n# changed\n")
	waitFor(t, 5*time.Second, func() bool { return who() == "a" })
}

// 100 reloads under load, adding and removing backends and routes: no call fails.
func TestReloadUnderLoad(t *testing.T) {
	bs := []*backend{newBackend(t, "x0"), newBackend(t, "x1"), newBackend(t, "x2")}
	listen, admin := freeAddr(t), freeAddr(t)
	cfgs := []string{
		fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(bs[0], bs[1]), "round_robin", "", ""),
		fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(bs[1], bs[2]), "round_robin",
			fmt.Sprintf("  u:\n    backends: [%s]\n    health: {method: none}", backendsYAML(bs[0])), `  - {methods: ["user.*"], pool: u}`),
		fmt.Sprintf(reloadTmpl, listen, admin, backendsYAML(bs[2]), "least_active", "", ""),
	}
	parsed := make([]*gateway.Config, len(cfgs))
	for i, s := range cfgs {
		parsed[i] = mustParse(t, s)
	}
	gw := startGateway(t, cfgs[0], nil)
	c := newClient(t, "http://"+listen+"/RPC2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stop atomic.Bool
	var calls, failed atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load() && i < 100000; i++ {
				method := "add"
				if i%2 == 0 {
					method = "user.whoami"
				}
				var r any
				if err := c.Call(ctx, method, &r, w, i); err != nil && method == "add" {
					failed.Add(1)
					t.Errorf("%s: %v", method, err)
				} else if err != nil {
					// user.whoami takes no parameters: a fault, which is an answer
					_ = err
				}
				calls.Add(1)
			}
		}()
	}
	for i := range 100 {
		if err := gw.gw.Apply(parsed[(i+1)%len(parsed)]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d calls across 100 reloads, %d failed", calls.Load(), failed.Load())
	if calls.Load() < 100 {
		t.Errorf("only %d calls", calls.Load())
	}
}
