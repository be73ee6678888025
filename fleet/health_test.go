package fleet_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

func TestHealthCheckGatesTheNextBatch(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web"), fine("web"), fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1, "h3": 1})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/h2" {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	before := pids(t, fl, "web")
	cfg := fleet.DefaultRolloutConfig()
	cfg.Target, cfg.PollInterval = "web", 50*time.Millisecond
	cfg.Health = &fleet.HealthCheck{URL: srv.URL + "/{name}", Timeout: 700 * time.Millisecond, Interval: 100 * time.Millisecond}
	rep, err := fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var he *fleet.HealthError
	if rep.Hosts[0].Outcome != fleet.Done || rep.Hosts[1].Outcome != fleet.Failed || rep.Hosts[2].Outcome != fleet.Untouched ||
		!errors.As(rep.Err(), &he) || he.Host != "h2" || !strings.Contains(he.Error(), "503") {
		t.Fatalf("report %+v, err %v", rep.Hosts, rep.Err())
	}
	if after := pids(t, fl, "web"); after["h3"] != before["h3"] {
		t.Error("h3 was touched after h2's health check failed")
	}
}

func TestHealthCheckByRPC(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls++
		if !strings.Contains(string(body), "<methodName>health.ok</methodName>") {
			b, _ := xmlrpc.MarshalFault(&xmlrpc.Fault{Code: 1, String: "no such method"})
			w.Write(b)
			return
		}
		if calls < 3 { // not ready for the first two tries
			b, _ := xmlrpc.MarshalFault(&xmlrpc.Fault{Code: 2, String: "starting"})
			w.Write(b)
			return
		}
		b, _ := xmlrpc.MarshalResponse(true)
		w.Write(b)
	}))
	defer srv.Close()
	h := &fleet.Host{Name: "a", URL: "unix:///nonexistent.sock", Health: srv.URL + "/RPC2", HealthMethod: "health.ok"}
	hc := &fleet.HealthCheck{Timeout: 5 * time.Second, Interval: 20 * time.Millisecond}
	if err := hc.Check(testCtx(t), h); err != nil || calls != 3 {
		t.Errorf("check: %v after %d calls", err, calls)
	}
	hc = &fleet.HealthCheck{Method: "health.other", Timeout: time.Second, Interval: 20 * time.Millisecond}
	var f *xmlrpc.Fault
	if err := hc.Check(testCtx(t), h); !errors.As(err, &f) || f.Code != 1 {
		t.Errorf("failing check: %v", err)
	}
}

func TestHealthCheckByJSONRPC(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string          `json:"method"`
			ID     json.RawMessage `json:"id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "not JSON-RPC", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if req.Method != "health" {
			fmt.Fprintf(w, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"no"},"id":%s}`, req.ID)
			return
		}
		fmt.Fprintf(w, `{"jsonrpc":"2.0","result":"ok","id":%s}`, req.ID)
	}))
	defer srv.Close()
	h := &fleet.Host{Name: "a", URL: "http://10.9.9.9:9001/RPC2"}
	hc := &fleet.HealthCheck{URL: srv.URL + "/rpc", Method: "health", JSONRPC: true, Timeout: 2 * time.Second, Interval: 20 * time.Millisecond}
	if err := hc.Check(testCtx(t), h); err != nil {
		t.Errorf("JSON-RPC check: %v", err)
	}
	hc.Method, hc.Timeout = "other", 200*time.Millisecond
	var je *jsonrpc.Error
	if err := hc.Check(testCtx(t), h); !errors.As(err, &je) || je.Code != -32601 {
		t.Errorf("failing JSON-RPC check: %v", err)
	}
}
