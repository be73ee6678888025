package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"sync"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// stages lists the modes of stageServer, each doing one more of the harp server's steps than the
// one before, so that their costs under load can be told apart.
var stages = map[string]int{"stage-timeouts": 0, "stage-read": 1, "stage-decode": 2, "stage-call": 3, "stage-encode": 4}

// stageServer returns an http.Server with the harp server's net/http timeouts whose handler does
// the harp server's work up to a stage for XML-RPC add(2,3) (add registered as an rpc.Func2):
// stage-timeouts answers rawBody without reading the request (the ceiling under harp's net/http
// settings), stage-read reads the body first, stage-decode also decodes the call, stage-call also
// runs it through the registry, stage-encode answers the encoded result instead of rawBody. The harp
// server does all of that plus its own plumbing (limits, deadlines, protocol choice, gzip checks).
func stageServer(stage int) *http.Server {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		log.Fatal(err)
	}
	reg.MustRegister("add", rpc.Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil }), "")
	proto := &rpc.Protocol{Name: "xmlrpc"}
	var (
		dec   xmlrpc.DecodeOptions
		enc   xmlrpc.EncodeOptions
		bufs  = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
		calls = sync.Pool{New: func() any { return new(xmlrpc.Call) }}
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := rawBody
		if stage >= 1 {
			bp := bufs.Get().(*[]byte)
			defer bufs.Put(bp)
			b := (*bp)[:0]
			for {
				n, err := r.Body.Read(b[len(b):cap(b)])
				b = b[:len(b)+n]
				if err == io.EOF {
					break
				}
				if err != nil || len(b) == cap(b) {
					http.Error(w, "bad body", http.StatusBadRequest)
					return
				}
			}
			if stage >= 2 {
				c := calls.Get().(*xmlrpc.Call)
				defer calls.Put(c)
				if err := dec.DecodeCallTo(c, b); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				if stage >= 3 {
					res, err := reg.Call(r.Context(), proto, c.Method, c)
					if err != nil {
						http.Error(w, err.Error(), http.StatusBadRequest)
						return
					}
					if stage >= 4 {
						ob := bufs.Get().(*[]byte)
						defer bufs.Put(ob)
						if *ob, err = enc.AppendResponse((*ob)[:0], res); err != nil {
							log.Fatal(err)
						}
						out = *ob
					}
				}
			}
		}
		_, _ = w.Write(out) // no headers: net/http sniffs text/xml; charset=utf-8, as for harp's answers
	})
	// harp's Serve sets these; its write and idle timeouts come from a coarse watchdog (not here)
	cfg := server.DefaultConfig()
	return &http.Server{Handler: h, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadHeaderTimeout, IdleTimeout: -1}
}
