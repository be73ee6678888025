package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// supervisord behind the gateway over its unix socket, the gateway itself on a unix socket:
// supervisor.* calls route to it, multicall included (supervisord serves system.multicall).
func TestSupervisordOverUnixSocket(t *testing.T) {
	sv := peertest.StartSupervisord(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{peertest.FineProgram("sleeper")}})
	sock := strings.TrimPrefix(sv.URL, "unix://")
	dir := t.TempDir()
	other := newBackend(t, "other")
	gsock := filepath.Join(dir, "gw.sock")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: "unix:%s"}]
pools:
  supervisor:
    backends: [{url: "unix://%s"}]
    health: {method: supervisor.getState}
  other: {backends: [{url: %q}], health: {method: none}}
routes:
  - {methods: ["supervisor.*", "system.*"], pool: supervisor}
  - {pool: other}
`, gsock, sock, other.url), nil)
	_ = gw
	c := newClient(t, "unix://"+gsock)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var state struct {
		Code int    `xmlrpc:"statecode"`
		Name string `xmlrpc:"statename"`
	}
	if err := c.Call(ctx, "supervisor.getState", &state); err != nil || state.Name != "RUNNING" {
		t.Fatalf("supervisor.getState through the gateway: %+v %v", state, err)
	}
	var version, who string
	if err := c.MultiCall(ctx, rpc.NewCall("supervisor.getAPIVersion", &version), rpc.NewCall("whoami", &who)); err != nil {
		t.Fatal(err)
	}
	if version == "" || who != "other" {
		t.Errorf("split multicall over supervisord and harp: %q %q", version, who)
	}
}

// The caller's deadline and request id reach the backend; a call without an id gets one.
func TestDeadlineAndRequestIDPassedOn(t *testing.T) {
	type seen struct {
		id       string
		deadline time.Duration
	}
	got := make(chan seen, 2)
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("look", func(ctx context.Context) int {
		dl, _ := ctx.Deadline()
		got <- seen{rpc.RequestID(ctx), time.Until(dl)}
		return 1
	}, "")
	scfg := server.DefaultConfig()
	scfg.Logger = slog.New(slog.DiscardHandler)
	srv, _ := server.New(reg, scfg)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, hs.URL+"/RPC2"), nil)
	c := newClient(t, gw.url)
	ctx, cancel := context.WithTimeout(rpc.WithRequestID(context.Background(), "req-42"), 3*time.Second)
	defer cancel()
	if err := c.Call(ctx, "look", nil); err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.id != "req-42" || s.deadline <= 0 || s.deadline > 3*time.Second {
		t.Errorf("backend saw id %q, deadline in %v; want req-42 and at most 3s", s.id, s.deadline)
	}
	if err := c.Call(context.Background(), "look", nil); err != nil {
		t.Fatal(err)
	}
	if s := <-got; !strings.HasPrefix(s.id, "gw-") || s.deadline > 30*time.Second {
		t.Errorf("without an id: %q, deadline %v; want a gateway id and the call timeout", s.id, s.deadline)
	}
}

// The admin listener: healthz, readyz, status.json, the HTML page and its event stream, which
// shows a backend going down and coming back without a reload of the page.
func TestAdminStatus(t *testing.T) {
	a := newBackend(t, "a")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
admin: {address: ADMIN}
pools:
  p:
    backends: [{url: %q}]
    health: {interval: 50ms, fast_interval: 20ms, down_interval: 50ms, timeout: 100ms, rise: 1, fall: 1}
routes: [{pool: p}]
`, a.url), nil)
	get := func(path string) (int, string) {
		resp, err := http.Get(gw.admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("readyz: %d", code)
	}
	if code, body := get("/status"); code != 200 || !strings.Contains(body, a.url) || !strings.Contains(body, "EventSource") || strings.Contains(body, "http://cdn") {
		t.Errorf("status page: %d %.200s", code, body)
	}
	var st gateway.Status
	_, body := get("/status.json")
	if err := json.Unmarshal([]byte(body), &st); err != nil || len(st.Pools) != 1 || st.Pools[0].Backends[0].State != "healthy" {
		t.Fatalf("status.json: %v %s", err, body)
	}
	// The event stream: the backend goes down, then comes back.
	resp, err := http.Get(gw.admin + "/status/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	events.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() gateway.Status {
		for events.Scan() {
			if d, ok := strings.CutPrefix(events.Text(), "data: "); ok {
				var s gateway.Status
				if err := json.Unmarshal([]byte(d), &s); err != nil {
					t.Fatal(err)
				}
				return s
			}
		}
		t.Fatal("event stream ended")
		return gateway.Status{}
	}
	waitState := func(want string) {
		for range 20 {
			if s := next(); s.Pools[0].Backends[0].State == want {
				return
			}
		}
		t.Fatalf("no event with the backend %s", want)
	}
	waitState("healthy")
	a.srv.Config.SetKeepAlivesEnabled(false)
	a.srv.Listener.Close() // refuse new connections: checks fail
	a.srv.CloseClientConnections()
	waitState("down")
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with no backend: %d", code)
	}
	// Back on the same address.
	restartOn(t, a)
	waitState("healthy")
	evs := gw.gw.Status().Events
	if len(evs) < 2 || evs[0].To != "down" || !strings.Contains(evs[0].Reason, "health check") {
		t.Errorf("events: %+v", evs)
	}
}
