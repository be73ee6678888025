package client

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// The client's performance target: 64 goroutines sharing one client reach at least 85% of the
// calls per second of a minimal hand-written net/http POST loop against the same server. Each is
// measured against two servers: a harp server with add registered, and a fixed-answer server
// that does not parse, so client costs dominate.
//
//	go test -run '^$' -bench 'Parallel64' -benchtime 3s ./client/

const benchGoroutines = 64

// fixedServer answers every POST with the response to add(2,3), after reading the request.
func fixedServer(b *testing.B) *httptest.Server {
	resp, err := xmlrpc.MarshalResponse(5)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Write(resp)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// harpServer serves add on harp's server.
func harpServer(b *testing.B) *httptest.Server {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		b.Fatal(err)
	}
	reg.MustRegister("add", func(x, y int) int { return x + y }, "")
	cfg := server.DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(reg, cfg)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	return ts
}

var benchServers = []struct {
	name  string
	start func(*testing.B) *httptest.Server
}{{"harp", harpServer}, {"fixed", fixedServer}}

func parallel64(b *testing.B) {
	p := (benchGoroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	b.SetParallelism(p)
}

// BenchmarkClientParallel64 measures Client.Call("add", 2, 3) from 64 goroutines.
func BenchmarkClientParallel64(b *testing.B) {
	for _, bs := range benchServers {
		b.Run(bs.name, func(b *testing.B) {
			srv := bs.start(b)
			c, err := New(srv.URL, WithMaxIdleConnsPerHost(benchGoroutines))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			parallel64(b)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var sum int
				for pb.Next() {
					if err := c.Call(ctx, "add", &sum, 2, 3); err != nil || sum != 5 {
						b.Errorf("add: %d, %v", sum, err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkRawHTTPParallel64 is the ceiling: a minimal net/http POST loop sending a pre-encoded
// add(2,3) call and reading the answer without decoding it, over a pool of the same size.
func BenchmarkRawHTTPParallel64(b *testing.B) {
	body, err := xmlrpc.MarshalCall("add", 2, 3)
	if err != nil {
		b.Fatal(err)
	}
	for _, bs := range benchServers {
		b.Run(bs.name, func(b *testing.B) {
			srv := bs.start(b)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchGoroutines}}
			defer hc.CloseIdleConnections()
			url := srv.URL + "/RPC2"
			parallel64(b)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := hc.Post(url, "text/xml", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("status %d, %v", resp.StatusCode, err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCallSequential measures one goroutine's round trip, and the client's allocations.
func BenchmarkCallSequential(b *testing.B) {
	srv := fixedServer(b)
	c, err := New(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	var sum int
	for b.Loop() {
		if err := c.Call(ctx, "add", &sum, 2, 3); err != nil {
			b.Fatal(err)
		}
	}
}
