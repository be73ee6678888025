package server_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// TestMisbehavingHandlersHurtOnlyThemselves runs handlers that panic and handlers stuck past their
// deadline alongside well-behaved calls: each bad call gets its own internal-error fault, every good
// call is answered correctly and promptly.
func TestMisbehavingHandlersHurtOnlyThemselves(t *testing.T) {
	reg := testRegistry(t, nil)
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	reg.MustRegister("stuck", func() bool { <-stuck; return true }, "Ignores its context.")
	cfg := server.DefaultConfig()
	cfg.CallTimeout = 300 * time.Millisecond
	_, url := newServer(t, reg, cfg)

	var wg sync.WaitGroup
	bad := func(method string, wantMsg string) {
		defer wg.Done()
		f := faultOf(t, call(t, url, method, nil))
		if f.Code != rpc.CodeInternalError || !strings.Contains(f.String, wantMsg) {
			t.Errorf("%s: fault %v", method, f)
		}
	}
	for range 8 {
		wg.Add(2)
		go bad("stuck", "did not finish")
		go bad("panic", "internal error")
	}
	var slowest time.Duration
	var mu sync.Mutex
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			var sum int
			if err := call(t, url, "add", &sum, i, 1); err != nil || sum != i+1 {
				t.Errorf("add(%d, 1) = %d, %v", i, sum, err)
			}
			mu.Lock()
			slowest = max(slowest, time.Since(start))
			mu.Unlock()
		}()
	}
	wg.Wait()
	if slowest > cfg.CallTimeout*raceSlowdown {
		t.Errorf("a good call took %v, as long as the stuck ones", slowest)
	}
}
