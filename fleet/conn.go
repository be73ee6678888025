package fleet

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/supervisord"
)

// Dial returns a supervisord client for h, whose calls are bounded by h.Timeout.
func (h *Host) Dial() (*supervisord.Client, error) {
	cfg := supervisord.DefaultConfig()
	cfg.Username, cfg.Password = h.Username, h.Password
	if h.Timeout > 0 {
		cfg.Timeout = h.Timeout
		cfg.DialTimeout = min(h.Timeout, cfg.DialTimeout)
	}
	if h.CA != "" {
		pem, err := os.ReadFile(h.CA)
		if err != nil {
			return nil, fmt.Errorf("fleet: host %s: %w", h.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("fleet: host %s: %s holds no PEM certificate", h.Name, h.CA)
		}
		cfg.Options = append(cfg.Options, client.WithRootCAs(pool))
	}
	c, err := supervisord.New(h.URL, cfg)
	if err != nil {
		return nil, fmt.Errorf("fleet: host %s: %w", h.Name, err)
	}
	return c, nil
}

// DefaultParallel is how many hosts status, plans and tails ask at once by default.
const DefaultParallel = 16

// each runs fn for every host, at most parallel at once, and returns when all have returned or
// ctx is done (fn is given ctx and must honour it).
func each(ctx context.Context, hosts []*Host, parallel int, fn func(ctx context.Context, i int, h *Host)) {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, h := range hosts {
		sem <- struct{}{} // once ctx is done, each fn returns at once and frees its slot
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(ctx, i, h)
		}()
	}
	wg.Wait()
}

// hostContext bounds ctx by the host's timeout.
func hostContext(ctx context.Context, h *Host) (context.Context, context.CancelFunc) {
	d := h.Timeout
	if d <= 0 {
		d = DefaultHostTimeout
	}
	return context.WithTimeout(ctx, d)
}

// since returns the time elapsed since t, rounded for reports.
func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
