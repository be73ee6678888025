package server_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// discardWriter is a minimal http.ResponseWriter, so the benchmark measures the handler alone. It
// accepts read deadlines, as net/http's writer does.
type discardWriter struct{ h http.Header }

func (d *discardWriter) SetReadDeadline(time.Time) error { return nil }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkServeHTTPAdd measures the handler's own cost for add(2,3), without the network.
func BenchmarkServeHTTPAdd(b *testing.B) {
	s, _ := newServer(b, testRegistry(b, nil), nil)
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	req, _ := http.NewRequest("POST", "/RPC2", nil)
	req.Header.Set("Content-Type", "text/xml")
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
}
