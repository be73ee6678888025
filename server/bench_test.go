package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// discardWriter is a minimal http.ResponseWriter, so the benchmark measures the handler alone. It
// accepts read deadlines, as net/http's writer does.
type discardWriter struct{ h http.Header }

func (d *discardWriter) SetReadDeadline(time.Time) error { return nil }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkServeHTTPAddProtocols measures the handler's own cost for add(2,3) in each protocol,
// side by side, without the network: the JSON-RPC call must cost no more than the XML-RPC one.
func BenchmarkServeHTTPAddProtocols(b *testing.B) {
	benchAddProtocols(b, testRegistry(b, nil))
}

// BenchmarkServeHTTPAddTyped is BenchmarkServeHTTPAddProtocols with add registered as a typed
// rpc.Func2, as bench/wrk's server has it: the handler's cost without reflection, in the
// instructions valgrind --tool=callgrind counts (two -benchtime Nx runs subtracted).
func BenchmarkServeHTTPAddTyped(b *testing.B) {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		b.Fatal(err)
	}
	reg.MustRegister("add", rpc.Func2(func(_ context.Context, x, y int) (int, error) { return x + y, nil }), "Adds two integers.")
	benchAddProtocols(b, reg)
}

func benchAddProtocols(b *testing.B, reg *rpc.Registry) {
	s, _ := newServer(b, reg, nil)
	for _, p := range []struct{ name, ct, body string }{
		{"xmlrpc", "text/xml", string(mustMarshalCall(b, "add", 2, 3))},
		{"jsonrpc", "application/json", `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`},
	} {
		b.Run(p.name, func(b *testing.B) {
			body := []byte(p.body)
			req, _ := http.NewRequest("POST", "/RPC2", nil)
			req.Header.Set("Content-Type", p.ct)
			rd := bytes.NewReader(body)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				clear(w.h)
				s.ServeHTTP(w, req)
			}
		})
	}
}
