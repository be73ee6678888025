package cluster

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// DefaultCheckMethod is the method DefaultCheck calls.
const DefaultCheckMethod = "system.listMethods"

// DefaultCheck calls system.listMethods through the endpoint's Caller, ignoring the result. A
// fault (for instance "method not found" from a server without introspection) still proves the
// endpoint answers, so it counts as healthy.
func DefaultCheck(ctx context.Context, _ Endpoint, c Caller) error {
	return c.Call(ctx, DefaultCheckMethod, nil)
}

// MethodCheck returns a check that calls method with args through the endpoint's Caller,
// ignoring the result; a fault counts as healthy, like any answer.
func MethodCheck(method string, args ...any) func(context.Context, Endpoint, Caller) error {
	return func(ctx context.Context, _ Endpoint, c Caller) error {
		return c.Call(ctx, method, nil, args...)
	}
}

// HTTPCheck returns a check that sends GET to the endpoint's URL with its path replaced by path
// (kept when path is empty) using hc (http.DefaultClient when nil), healthy on any 2xx or 3xx
// answer. It suits servers with a separate health URL.
func HTTPCheck(hc *http.Client, path string) func(context.Context, Endpoint, Caller) error {
	if hc == nil {
		hc = http.DefaultClient
	}
	return func(ctx context.Context, ep Endpoint, _ Caller) error {
		u, err := url.Parse(ep.URL)
		if err != nil {
			return err
		}
		if path != "" {
			u.Path, u.RawPath = path, ""
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return &HTTPStatusError{Code: resp.StatusCode}
		}
		return nil
	}
}

// HTTPStatusError reports an HTTPCheck answer of 400 or more.
type HTTPStatusError struct{ Code int }

// Error names the status.
func (e *HTTPStatusError) Error() string {
	return "cluster: health check: HTTP " + strconv.Itoa(e.Code)
}

// StatusCode returns the HTTP status.
func (e *HTTPStatusError) StatusCode() int { return e.Code }

// checkLoop runs m's active health checks until ctx is done.
func (c *Cluster) checkLoop(ctx context.Context, m *EndpointState) {
	defer c.wg.Done()
	hc := &c.cfg.Health
	check := hc.Check
	if check == nil {
		check = DefaultCheck
	}
	// the first check comes at a random point of the first interval, so checks spread out
	wait := time.Duration(rand.Int64N(int64(hc.Interval)) + 1)
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, hc.Timeout)
		err := check(cctx, m.Endpoint(), m.caller)
		cancel()
		o := Classify(ctx, err)
		if o == OutcomeCancelled {
			return
		}
		next := c.healthResult(m, !o.Failed(), c.now())
		t.Reset(jitter(next, hc.Jitter, rand.Float64()))
	}
}

// jitter spreads d within ±j of itself, r being uniform in [0, 1).
func jitter(d time.Duration, j, r float64) time.Duration {
	return time.Duration(float64(d) * (1 + j*(2*r-1)))
}
