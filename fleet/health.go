package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/rpc"
)

// HealthCheck is a check of the service a host runs, made after its steps in a rollout: an HTTP
// GET that must answer 2xx, or an XML-RPC or JSON-RPC call that must answer without a fault.
type HealthCheck struct {
	// URL is a template of the URL to check: {host} is replaced by the host name of the host's
	// supervisord URL (localhost for a unix socket), {name} by the host's name in the fleet
	// file. "" means each host's own health entry.
	URL string
	// Method, when not "", makes the check an RPC call of that method (no arguments) instead of
	// a GET; JSONRPC makes it JSON-RPC 2.0. "" means each host's own health_method entry.
	Method  string
	JSONRPC bool
	// Timeout is how long the check may keep failing before the host fails; Interval how long
	// it waits between tries.
	Timeout  time.Duration
	Interval time.Duration
}

// DefaultHealthCheck returns a check of each host's own health entry, retried every 500ms for
// up to 30 seconds.
func DefaultHealthCheck() *HealthCheck {
	return &HealthCheck{Timeout: 30 * time.Second, Interval: 500 * time.Millisecond}
}

// Verify reports a check that cannot run.
func (hc *HealthCheck) Verify() error {
	if hc.Timeout <= 0 || hc.Interval <= 0 {
		return errors.New("fleet: health check Timeout and Interval must be positive")
	}
	return nil
}

// Target returns the URL, method and protocol of the check for h, or an error when neither the
// check nor the host gives a URL.
func (hc *HealthCheck) Target(h *Host) (rawURL, method string, jsonrpc bool, err error) {
	rawURL, method, jsonrpc = h.Health, h.HealthMethod, h.HealthJSONRPC
	if hc.URL != "" {
		rawURL = strings.NewReplacer("{host}", h.Hostname(), "{name}", h.Name).Replace(hc.URL)
	}
	if hc.Method != "" {
		method, jsonrpc = hc.Method, hc.JSONRPC
	}
	if rawURL == "" {
		return "", "", false, fmt.Errorf("fleet: %s: a health check needs a URL (--health-url or the host's health entry)", h.Name)
	}
	return rawURL, method, jsonrpc, nil
}

// Hostname returns the host name of h's supervisord URL, "localhost" for a unix socket.
func (h *Host) Hostname() string {
	u, err := url.Parse(h.URL)
	if err != nil || u.Scheme == "unix" || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// Check runs the check for h until it passes, Timeout passes or ctx ends.
func (hc *HealthCheck) Check(ctx context.Context, h *Host) error {
	rawURL, method, jsonrpc, err := hc.Target(h)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, hc.Timeout)
	defer cancel()
	try := func(ctx context.Context) error { return httpCheck(ctx, rawURL) }
	if method != "" {
		var opts []client.Option
		if jsonrpc {
			opts = append(opts, client.WithJSONRPC())
		}
		c, err := client.New(rawURL, opts...)
		if err != nil {
			return &HealthError{Host: h.Name, URL: rawURL, Err: err}
		}
		defer c.Close()
		try = func(ctx context.Context) error { return c.Call(ctx, method, nil) }
	}
	var last error
	for {
		err := try(ctx)
		if err == nil {
			return nil
		}
		cut := rpc.Late(ctx) != nil // by the clock too: the client may report the deadline first
		if last == nil || !cut {
			last = err // a try cut short by the check's own deadline does not hide the one before
		}
		if cut || sleep(ctx, hc.Interval) != nil {
			return &HealthError{Host: h.Name, URL: rawURL, Err: last}
		}
	}
}

// httpCheck GETs rawURL and wants a 2xx answer.
func httpCheck(ctx context.Context, rawURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: %s", rawURL, resp.Status)
	}
	return nil
}
