// Command revproxy is Go's httputil.ReverseProxy round-robin over backends, the baseline of the
// gateway's benchmark (examples/gateway/bench.sh): a proxy that moves bytes and knows no call.
//
//	revproxy -addr 127.0.0.1:9001 http://127.0.0.1:8001 http://127.0.0.1:8002
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "listen address")
	flag.Parse()
	var targets []*url.URL
	for _, a := range flag.Args() {
		u, err := url.Parse(a)
		if err != nil {
			log.Fatal(err)
		}
		targets = append(targets, u)
	}
	if len(targets) == 0 {
		log.Fatal("revproxy: want backend URLs")
	}
	var n atomic.Uint64
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	rp := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[n.Add(1)%uint64(len(targets))])
		},
	}
	log.Fatal(http.ListenAndServe(*addr, rp))
}
