package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harp-rpc/harp/rpc"
)

// refusal is a caller's transport error that knows whether it sent the request, as a
// middleware refusing before sending, or a broker bridge's "no responders", does.
type refusal struct{ notSent bool }

func (r refusal) Error() string { return fmt.Sprintf("refused (not sent: %v)", r.notSent) }
func (r refusal) NotSent() bool { return r.notSent }

// TestCustomTransportNotSentDecides: with a RoundTripper of the caller's, an error in its chain
// with NotSent() decides, either way, before the dial-error fallback; and every call shape keeps it.
func TestCustomTransportNotSentDecides(t *testing.T) {
	ctx := context.Background()
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	cases := []struct {
		name    string
		err     error
		notSent bool
	}{
		{"not sent", fmt.Errorf("middleware: %w", refusal{notSent: true}), true},
		{"sent", refusal{notSent: false}, false},
		{"sent, over a dial error", fmt.Errorf("%w: %w", refusal{notSent: false}, dialErr), false},
		{"dial error alone", dialErr, true},
		{"opaque", errors.New("broken pipe"), false},
	}
	for _, tc := range cases {
		for _, json := range []bool{false, true} {
			opts := []Option{WithTransport(opaqueTransport{tc.err})}
			if json {
				opts = append(opts, WithJSONRPC())
			}
			c := newClient(t, "http://127.0.0.1:1/", opts...)
			_, rawErr := c.CallRaw(ctx, "m")
			_, rtErr := c.RoundTrip(ctx, &rpc.Request{Protocol: "xmlrpc", Method: "m", Body: []byte("<x/>")}, nil)
			shapes := map[string]error{
				"Call": c.Call(ctx, "m", nil), "CallNamed": c.CallNamed(ctx, "m", nil, struct{}{}),
				"CallRaw": rawErr, "Batch": c.Batch(ctx, NewCall("m", nil)),
				"MultiCall": c.MultiCall(ctx, NewCall("m", nil)), "RoundTrip": rtErr,
			}
			if json {
				shapes["Notify"] = c.Notify(ctx, "m")
			}
			for shape, err := range shapes {
				var te *TransportError
				if !errors.As(err, &te) || te.NotSent() != tc.notSent || !errors.Is(err, tc.err) {
					t.Errorf("%s, json %v, %s: %v (want NotSent %v)", tc.name, json, shape, err, tc.notSent)
				}
			}
		}
	}
}

// TestJSONErrorWithStatus: an error object a JSON-RPC server sends with a 4xx status is the
// answer; 503 stays a StatusError, refused before running anything.
func TestJSONErrorWithStatus(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusBadRequest
		if r.URL.Path == "/busy" {
			code = http.StatusServiceUnavailable
		}
		w.WriteHeader(code)
		w.Write([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad"}}`))
	}))
	defer ts.Close()
	ctx := context.Background()
	err := newClient(t, ts.URL, WithJSONRPC()).Call(ctx, "m", nil)
	var fc interface{ FaultCode() int }
	if !errors.As(err, &fc) || fc.FaultCode() != -32600 {
		t.Errorf("400 with an error object: %v", err)
	}
	var se *StatusError
	if err := newClient(t, ts.URL+"/busy", WithJSONRPC()).Call(ctx, "m", nil); !errors.As(err, &se) || !se.NotSent() {
		t.Errorf("503: %v", err)
	}
	if err := newClient(t, ts.URL).Call(ctx, "m", nil); !errors.As(err, &se) || se.Code != http.StatusBadRequest {
		t.Errorf("XML-RPC 400: %v", err)
	}
}
