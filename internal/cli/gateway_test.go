package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

func writeGatewayConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gw.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGatewayCheck(t *testing.T) {
	good := writeGatewayConfig(t, `
listeners: [{address: "127.0.0.1:8080"}]
pools: {a: {backends: [{url: "http://127.0.0.1:8001/RPC2"}]}}
routes: [{pool: a}]
`)
	code, out, errOut := harp("gateway", "--check", good)
	if code != ExitOK || !strings.Contains(out, "ok (1 listeners, 1 pools, 1 routes)") {
		t.Errorf("good: %d %q %q", code, out, errOut)
	}
	bad := writeGatewayConfig(t, `
listeners: [{address: "127.0.0.1:8080"}]
pools:
  a:
    backends: [{url: "http://127.0.0.1:8001/RPC2"}]
    max_in_flite: 3
routes: [{pool: b}]
`)
	code, out, _ = harp("gateway", "--check", bad)
	if code != ExitFailure || !strings.Contains(out, bad+`:6:5: pools.a.max_in_flite: unknown field "max_in_flite"`) {
		t.Errorf("unknown field: %d %q", code, out)
	}
	code, out, _ = harp("gateway", "--check", writeGatewayConfig(t, strings.Replace(
		"listeners: [{address: \"127.0.0.1:8080\"}]\npools: {a: {backends: [{url: \"http://h:1/\"}]}}\nroutes: [{pool: b}]\n", "", "", 1)), "--output", "json")
	var got struct {
		Valid  bool
		Errors []struct {
			Line, Column int
			Field        string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitFailure || got.Valid || len(got.Errors) != 1 ||
		got.Errors[0].Field != "routes[0].pool" || got.Errors[0].Line != 3 || got.Errors[0].Column != 17 {
		t.Errorf("json: %d %s (%v)", code, out, err)
	}
	if code, _, _ := harp("gateway"); code != ExitUsage {
		t.Errorf("no flags: %d, want usage", code)
	}
}

func TestGatewayServes(t *testing.T) {
	backend := demoServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	path := writeGatewayConfig(t, fmt.Sprintf(`
listeners: [{address: %q}]
pools: {demo: {backends: [{url: %q}]}}
routes: [{pool: demo}]
`, addr, backend+"/RPC2"))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"gateway", "--config", path}, &syncBuffer{}, &stderr) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			t.Error("harp gateway did not stop")
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "serving calls on") {
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, out, errOut := harp("call", "http://"+addr+"/RPC2", "add", "2", "3")
	if code != ExitOK || strings.TrimSpace(out) != "5" {
		t.Errorf("harp call through the gateway: %d %q %q", code, out, errOut)
	}
}

// harp gateway --demo: a kill and a hang under load, no call failed, the status page's URL
// printed.
func TestGatewayDemo(t *testing.T) {
	if testing.Short() || gatewayRace {
		t.Skip("a timed demo: run without -short and -race")
	}
	code, out, errOut := harp("gateway", "--demo", "--demo-duration", "5s")
	if code != ExitOK || !strings.Contains(out, "/status") || !strings.Contains(out, "none failed across a kill and a hang") {
		t.Errorf("demo: %d\n%s\n%s", code, out, errOut)
	}
}

// namedServer serves whoami() answering name, for telling backends apart.
func namedServer(t *testing.T, name string) string {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("whoami", func() string { return name }, "")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL + "/RPC2"
}

// SIGHUP reloads the file: the new backend answers; an invalid file is refused and the old
// configuration goes on.
func TestGatewaySIGHUP(t *testing.T) {
	a, b := namedServer(t, "a"), namedServer(t, "b")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	conf := func(backend string) string {
		return fmt.Sprintf("listeners: [{address: %q}]\npools: {p: {backends: [{url: %q}]}}\nroutes: [{pool: p}]\n", addr, backend)
	}
	path := writeGatewayConfig(t, conf(a))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"gateway", "--config", path, "--watch", "0"}, &syncBuffer{}, &stderr)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			t.Error("harp gateway did not stop")
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "serving calls on") { // SIGHUP is caught from here on
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	who := func() string {
		_, out, _ := harp("call", "http://"+addr+"/RPC2", "whoami")
		return strings.Trim(strings.TrimSpace(out), `"`)
	}
	if w := who(); w != "a" {
		t.Fatalf("before: %q", w)
	}
	hup := func() {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(path, []byte(conf(b)), 0o600)
	hup()
	for w := who(); w != "b"; w = who() {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("after SIGHUP: %q\n%s", w, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	os.WriteFile(path, []byte(conf(b)+"bogus: 1\n"), 0o600)
	hup()
	for !strings.Contains(stderr.String(), "reload refused") {
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("no refusal logged: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if w := who(); w != "b" || !strings.Contains(stderr.String(), `unknown field \"bogus\"`) {
		t.Errorf("after an invalid file: %q\n%s", w, stderr.String())
	}
}
