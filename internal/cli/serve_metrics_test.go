package cli

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeMetrics runs harp serve -metrics and scrapes its /metrics after calls: the counter
// of each outcome, and the gauges.
func TestServeMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "-metrics", "127.0.0.1:0"}, &errb, &errb)
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("serve exited %d after a graceful stop: %s", code, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop when its context ended")
		}
	}()
	rpcURL := regexp.MustCompile(`http://[0-9.:]+/RPC2`)
	metricsURL := regexp.MustCompile(`http://[0-9.:]+/metrics`)
	var url, murl string
	for deadline := time.Now().Add(5 * time.Second); (url == "" || murl == "") && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		url, murl = rpcURL.FindString(errb.String()), metricsURL.FindString(errb.String())
	}
	if url == "" || murl == "" {
		t.Fatalf("serve did not announce its addresses: %s", errb.String())
	}
	if code, out, errs := harp("call", url, "add", "2", "3"); code != ExitOK || out != "5\n" {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, _, _ := harp("call", url, "div", "1", "0"); code == ExitOK {
		t.Fatal("div by zero answered")
	}
	want := []string{
		`harp_server_requests_total{method="add",outcome="ok",protocol="xmlrpc"} 1`,
		`harp_server_requests_total{method="div",outcome="fault",protocol="xmlrpc"} 1`,
		`harp_server_in_flight 0`,
		`harp_server_memory_used_bytes 0`,
	}
	var out string
	// The server counts a call once its answer is written: the client may read it first.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out = scrapeText(t, murl)
		if containsAll(out, want) {
			return
		}
	}
	t.Fatalf("metrics lack some of %q:\n%s", want, out)
}

func scrapeText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func containsAll(s string, lines []string) bool {
	for _, l := range lines {
		if !strings.Contains(s, l+"\n") {
			return false
		}
	}
	return true
}

// TestServeMetricsAddress refuses an address it cannot listen on, with the flag's name.
func TestServeMetricsAddress(t *testing.T) {
	code, _, errs := harp("serve", "--addr", "127.0.0.1:0", "-metrics", "127.0.0.1:notaport")
	if code == ExitOK || !strings.Contains(errs, "-metrics") {
		t.Fatalf("a bad -metrics address: exit %d, %q", code, errs)
	}
}
