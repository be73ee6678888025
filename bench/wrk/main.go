// Command wrk serves the two sides of the server load benchmark: the harp server answering
// XML-RPC add(2,3) ("harp", add registered as a typed rpc.Func2; "harpreflect", as a plain function
// bound by reflection), and the ceiling, a raw net/http handler returning a fixed 150-byte body
// ("raw"). run.sh drives both with wrk. "harpjson" is the same harp server, for json.sh,
// which loads it with JSON-RPC add(2,3) beside "harp" loaded with XML-RPC.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// rawBody is 150 bytes: about the size of harp's add(2,3) response.
var rawBody = []byte(`<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>` +
	strings.Repeat(" ", 150-113))

func main() {
	mode := flag.String("mode", "harp", "harp, harpreflect (add registered as a plain function), harpjson, raw, rawread (raw, reading the request body first), or a stage of the harp server's work (stage-timeouts, stage-read, stage-decode, stage-call, stage-encode; see stages.go)")
	addr := flag.String("addr", "127.0.0.1:8088", "listen address")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file until interrupted")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	switch *mode {
	case "raw", "rawread":
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if *mode == "rawread" { // what any server that reads its request pays in net/http
				var buf [512]byte
				for {
					if _, err := r.Body.Read(buf[:]); err != nil {
						break
					}
				}
			}
			w.Header().Set("Content-Type", "text/xml")
			_, _ = w.Write(rawBody)
		})
		hs := &http.Server{Handler: h, ReadHeaderTimeout: server.DefaultConfig().ReadHeaderTimeout}
		go func() { <-ctx.Done(); _ = hs.Close() }()
		fmt.Println("raw listening on", ln.Addr())
		_ = hs.Serve(ln)
	case "harp", "harpreflect", "harpjson": // one server speaks both; the load generator picks the protocol
		reg, err := rpc.NewRegistry(nil)
		if err != nil {
			log.Fatal(err)
		}
		if *mode == "harpreflect" { // a plain function, bound by reflection
			reg.MustRegister("add", func(a, b int) int { return a + b }, "Adds two integers.")
		} else { // a typed rpc.Func: no reflection per call
			reg.MustRegister("add", rpc.Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil }), "Adds two integers.")
		}
		cfg := server.DefaultConfig()
		cfg.Logger = slog.New(slog.DiscardHandler)
		s, err := server.New(reg, cfg)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(*mode, "listening on", ln.Addr())
		if err := s.Serve(ctx, ln); err != nil {
			log.Print(err)
		}
	default:
		stage, ok := stages[*mode]
		if !ok {
			log.Fatalf("unknown mode %q", *mode)
		}
		hs := stageServer(stage)
		go func() { <-ctx.Done(); _ = hs.Close() }()
		fmt.Println(*mode, "listening on", ln.Addr())
		_ = hs.Serve(ln)
	}
}
