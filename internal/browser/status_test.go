package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

func TestMain(m *testing.M) { peertest.Main(m) }

// switchable is a harp server that answers 503 to everything while down is set, so the
// gateway's active health check sees it fail and recover.
type switchable struct {
	h    http.Handler
	down atomic.Bool
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
		return
	}
	s.h.ServeHTTP(w, r)
}

func backend(t *testing.T) (*switchable, string) {
	t.Helper()
	reg, _ := rpc.NewRegistry(rpc.DefaultConfig())
	reg.MustRegister("add", func(a, b int) int { return a + b }, "Adds two integers.")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sw := &switchable{h: srv}
	hs := httptest.NewServer(sw)
	t.Cleanup(hs.Close)
	return sw, hs.URL + "/RPC2"
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startGateway serves a gateway over two backends with a fast active health check and returns
// its admin URL.
func startGateway(t *testing.T, urls [2]string) string {
	t.Helper()
	listen, admin := freeAddr(t), freeAddr(t)
	cfg, err := gateway.Parse("status.yaml", []byte(fmt.Sprintf(`
listeners: [{address: %s}]
admin: {address: %s}
pools:
  p:
    backends: [{url: %q}, {url: %q}]
    health: {interval: 100ms, fast_interval: 50ms, down_interval: 100ms, timeout: 500ms, rise: 1, fall: 1}
routes: [{pool: p}]
`, listen, admin, urls[0], urls[1])))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(cfg, &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- gw.Serve(ctx, func([]net.Addr) { close(ready) }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("gateway: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the gateway did not stop")
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("gateway: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not start")
	}
	return "http://" + admin
}

// stateOf is JavaScript reading the state cell of the status page's row for url, "" while
// there is none.
func stateOf(url string) string {
	return fmt.Sprintf(`(() => { for (const r of document.querySelectorAll('#pools tr')) {
  const c = r.querySelectorAll('td'); if (c.length > 1 && c[0].textContent === %q) return c[1].textContent; }
  return ''; })()`, url)
}

// mark sets a value on the page's window and reads it back; a reload would lose it, so reading it
// at the end proves the page followed the changes in place.
const mark = `(window.__harpMark = window.__harpMark || 'loaded once', window.__harpMark)`

// marked reads that value, "" once the page has been reloaded.
const marked = `window.__harpMark || ''`

// TestStatusPage loads the gateway's /status in headless Chromium and watches, without a
// reload, one backend go down and come back: the page's rows follow the server-sent events, and
// the state changes are listed with their reasons. A screenshot goes to the test's log.
func TestStatusPage(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser for several seconds")
	}
	a, urlA := backend(t)
	_, urlB := backend(t)
	admin := startGateway(t, [2]string{urlA, urlB})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bctx := New(ctx, t)

	wait := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		var got string
		for time.Now().Before(deadline) {
			var err error
			if got, err = chromedp.Run(bctx, chromedp.Evaluate[string](stateOf(urlA))); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if got == want {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: the page shows %s as %q, want %q", what, urlA, got, want)
	}
	start := time.Now()
	if err := chromedp.Do(bctx, chromedp.Navigate(admin+"/status"), chromedp.WaitVisible(chromedp.CSS("#pools table"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[string](mark)); err != nil {
		t.Fatal(err)
	}
	wait("at first", "healthy")
	a.down.Store(true)
	downAt := time.Now()
	wait("after the backend went down", "down")
	t.Logf("the page showed the backend down %v after it failed", time.Since(downAt).Round(time.Millisecond))
	a.down.Store(false)
	upAt := time.Now()
	wait("after the backend came back", "healthy")
	t.Logf("and healthy again %v after it recovered", time.Since(upAt).Round(time.Millisecond))

	events, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#events")))
	if err != nil {
		t.Fatal(err)
	}
	still, err := chromedp.Run(bctx, chromedp.Evaluate[string](marked))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if still == "" {
		t.Error("the page was reloaded: it must follow the changes in place")
	}
	if !strings.Contains(events, urlA) || !strings.Contains(events, "down") || !strings.Contains(events, "healthy") {
		t.Errorf("the state changes listed on the page do not show %s going down and back:\n%s", urlA, events)
	}
	dir := os.Getenv("HARP_SCREENSHOTS") // where the screenshot goes; the system's temp dir if unset
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "harp-gateway-status.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the status page (%d bytes) written to %s; the whole run took %v",
		len(shot), path, time.Since(start).Round(time.Millisecond))
}
