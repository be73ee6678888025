package cli

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBenchOneURL(t *testing.T) {
	url := demoServer(t)
	code, out, stderr := harp("bench", url, "--method", "add", "--args", "2 i/3", "--requests", "200", "--concurrency", "4", "--duration", "20s")
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	for _, want := range []string{"calls 200 in", "0 errors", "p50", "p90", "p99", "max"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "cluster:") {
		t.Errorf("one URL went through a cluster:\n%s", out)
	}
}

func TestBenchCluster(t *testing.T) {
	a, b := demoServer(t), demoServer(t)
	code, out, stderr := harp("bench", a, b, "--method", "echo", "--arg", "s/text with spaces", "--requests", "300",
		"--concurrency", "3", "--policy", "least_active", "--idempotent")
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	for _, want := range []string{"calls 300 in", "cluster: 300 calls", a, b, "of attempts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchJSONRPC(t *testing.T) {
	srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var jsonCalls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			jsonCalls.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	url := ts.URL
	code, out, stderr := harp("bench", url, "--jsonrpc", "--method", "add", "--args", "2 3", "--requests", "50", "--concurrency", "2")
	if code != ExitOK || !strings.Contains(out, "calls 50 in") {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	if n := jsonCalls.Load(); n != 50 {
		t.Fatalf("%d JSON-RPC requests, want 50", n)
	}
	// a method the server lacks answers a JSON-RPC error object: every call fails
	code, _, stderr = harp("bench", url, "--jsonrpc", "--method", "no.such", "--requests", "5", "--concurrency", "1")
	if code != ExitFault || !strings.Contains(stderr, "5 of 5 calls failed") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestBenchReportsFailures(t *testing.T) {
	url := demoServer(t)
	code, out, stderr := harp("bench", url, "--method", "no.such.method", "--requests", "20", "--concurrency", "2")
	if code != ExitFault || !strings.Contains(stderr, "20 of 20 calls failed") {
		t.Fatalf("exit %d, stderr %q, want 1 and every call failed", code, stderr)
	}
	if !strings.Contains(out, "error x20:") {
		t.Errorf("the report does not show the error:\n%s", out)
	}
}

func TestBenchUsage(t *testing.T) {
	url := demoServer(t)
	for _, args := range [][]string{
		{"bench"},
		{"bench", url, "--args", "s/ok {bad"},
		{"bench", url, url, "--policy", "nope"},
		{"bench", url, "--concurrency", "0"},
		{"bench", url, "--duration", "0s"},
	} {
		if code, _, stderr := harp(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, stderr)
		}
	}
}

func TestFitLine(t *testing.T) {
	for _, tc := range []struct {
		line  string
		width int
		want  string
	}{
		{"short", 80, "short"},
		{"abcdef", 4, "abc"},
		{"ab█cd", 4, "ab█"},
		{"abc", 4, "abc"},
	} {
		if got := fitLine(tc.line, tc.width); got != tc.want {
			t.Errorf("fitLine(%q, %d) = %q, want %q", tc.line, tc.width, got, tc.want)
		}
	}
}
