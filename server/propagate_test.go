package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// TestPropagatedDeadlineAndID: a call's Harp-Timeout header bounds its handler's context (the
// earlier of it and CallTimeout holds) and its X-Request-Id reaches the handler, over both
// protocols; a request with neither gets no deadline and no id, as before.
func TestPropagatedDeadlineAndID(t *testing.T) {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("probe", func(ctx context.Context) string {
		left := "none"
		if dl, ok := ctx.Deadline(); ok {
			left = time.Until(dl).Round(time.Second).String()
		}
		return left + "|" + rpc.RequestID(ctx)
	}, "")
	cfg := server.DefaultConfig()
	cfg.CallTimeout = time.Minute
	srv, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	bodies := map[string]string{
		"text/xml":         `<methodCall><methodName>probe</methodName></methodCall>`,
		"application/json": `{"jsonrpc":"2.0","method":"probe","id":1}`,
	}
	cases := []struct{ timeout, id, want string }{
		{"5S", "abc-123", "5s|abc-123"},
		{"3000m", "", "3s|"},
		{"", "only-id", "1m0s|only-id"},
		{"2H", "", "1m0s|"},         // the call timeout is earlier
		{"junk", "bad id", "1m0s|"}, // unreadable headers are ignored
	}
	for ct, body := range bodies {
		for _, tc := range cases {
			req, _ := http.NewRequest("POST", ts.URL+"/RPC2", strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			if tc.timeout != "" {
				req.Header.Set(rpc.TimeoutHeader, tc.timeout)
			}
			if tc.id != "" {
				req.Header.Set(rpc.RequestIDHeader, tc.id)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			resp.Body.Close()
			if !strings.Contains(b.String(), tc.want) {
				t.Errorf("%s with timeout %q id %q: %s, want %s", ct, tc.timeout, tc.id, b.String(), tc.want)
			}
		}
	}
}

// TestHeaderNamesCanonical: the propagation headers index an http.Header as net/http stores it.
func TestHeaderNamesCanonical(t *testing.T) {
	for _, h := range []string{rpc.TimeoutHeader, rpc.RequestIDHeader} {
		if c := http.CanonicalHeaderKey(h); c != h {
			t.Errorf("%q is not canonical (%q)", h, c)
		}
	}
}
