package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/internal/budget"
	"github.com/harp-rpc/harp/server"
)

// Serve opens the configured listeners (and the admin listener), serves until ctx ends, then
// stops accepting, lets the calls in flight finish (at most Limits.ShutdownTimeout) and closes
// the pools. Listeners stay open across Apply and Reload. ready, when not nil, is called with the
// bound addresses (calls first, admin last) once every listener is open.
//
// The call listeners are served by server.NewHandler, so that the plain POSTs nearly every
// caller sends take the server package's fast connections (read and answered without net/http's
// per-request work) and every other request, TLS included, net/http.
func (g *Gateway) Serve(ctx context.Context, ready func(addrs []net.Addr)) error {
	cfg := g.Config()
	var srvs []*server.Server
	var lns []net.Listener
	closeAll := func() {
		for _, l := range lns {
			l.Close()
		}
	}
	for i, l := range cfg.Listeners {
		srv, ln, err := g.callListener(l, cfg.Limits)
		if err != nil {
			closeAll()
			return fmt.Errorf("gateway: listeners[%d] %s: %w", i, l.Address, err)
		}
		lns = append(lns, ln)
		srvs = append(srvs, srv)
	}
	var admin *http.Server
	if cfg.Admin.Address != "" {
		ln, err := listen(cfg.Admin.Address, cfg.Limits, g.peers, &g.refusedConns)
		if err != nil {
			closeAll()
			return fmt.Errorf("gateway: admin %s: %w", cfg.Admin.Address, err)
		}
		lns = append(lns, ln)
		admin = g.httpServer(g.AdminHandler(), cfg.Limits)
	}
	if ready != nil {
		addrs := make([]net.Addr, len(lns))
		for i, l := range lns {
			addrs[i] = l.Addr()
		}
		ready(addrs)
	}
	stop := make(chan struct{})
	defer close(stop)
	go g.reclaim(stop)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(lns))
	for i, srv := range srvs {
		go func() { errc <- srv.Serve(sctx, lns[i]) }()
	}
	if admin != nil {
		go func() { errc <- admin.Serve(lns[len(lns)-1]) }()
	}
	var err error
	left := len(lns)
	select {
	case <-ctx.Done():
	case err = <-errc: // a listener failed: stop them all
		left--
	}
	cancel() // the call listeners drain (each within ShutdownTimeout) while the admin stops
	if admin != nil {
		actx, acancel := context.WithTimeout(context.Background(), cfg.Limits.ShutdownTimeout)
		admin.Shutdown(actx)
		acancel()
	}
	for range left {
		if e := <-errc; err == nil && !errors.Is(e, server.ErrShutdownTimeout) {
			err = e // a drain that ran out of time is not a failure to serve
		}
	}
	g.Close()
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, server.ErrShutdownTimeout) {
		err = nil
	}
	return err
}

// callListener opens the listener l within the limits and the server.Server that serves calls
// on it (TLS terminated by the server).
func (g *Gateway) callListener(l Listener, lim Limits) (*server.Server, net.Listener, error) {
	scfg := server.DefaultConfig()
	scfg.MaxConns, scfg.PeerShare = 0, 0 // the listener's own limits, over every listener, apply
	scfg.ReadHeaderTimeout, scfg.BodyStallTimeout = lim.ReadHeaderTimeout, lim.BodyStallTimeout
	scfg.WriteTimeout, scfg.WriteStallTimeout = lim.WriteTimeout, lim.WriteStallTimeout
	scfg.IdleTimeout, scfg.MaxHeaderBytes = lim.IdleTimeout, lim.MaxHeaderSize
	scfg.ShutdownTimeout, scfg.Logger, scfg.ConnContext = lim.ShutdownTimeout, g.log, connContext
	if l.TLS != nil {
		tc, err := tlsConfig(l.TLS)
		if err != nil {
			return nil, nil, err
		}
		scfg.TLSConfig = tc
	}
	srv, err := server.NewHandler(g.Handler(), scfg)
	if err != nil {
		return nil, nil, err
	}
	ln, err := listen(l.Address, lim, g.peers, &g.refusedConns)
	return srv, ln, err
}

func (g *Gateway) httpServer(h http.Handler, lim Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderSize,
		ConnContext:       connContext,
	}
}

// listen opens a TCP (host:port) or unix (unix:/path) listener within the connection limits,
// its connections counted in peers. A stale unix socket file is removed first.
func listen(addr string, lim Limits, peers *budget.Peers, refused *atomic.Int64) (net.Listener, error) {
	var ln net.Listener
	var err error
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if fi, serr := os.Stat(path); serr == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(path)
		}
		ln, err = net.Listen("unix", path)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	return limitListener(ln, lim.MaxConns, peers, refused), nil
}

func tlsConfig(t *TLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	if t.ClientCA != "" {
		pem, err := os.ReadFile(t.ClientCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", t.ClientCA)
		}
		tc.ClientCAs = pool
		switch t.ClientAuth {
		case "request":
			tc.ClientAuth = tls.VerifyClientCertIfGiven
		case "none":
			tc.ClientAuth = tls.NoClientCert
		default:
			tc.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return tc, nil
}

// Watch re-reads Options.ConfigFile whenever its modification time or size changes, checking
// every interval until ctx ends. An invalid file is refused (logged, and reported by the status)
// and the running configuration goes on.
func (g *Gateway) Watch(ctx context.Context, interval time.Duration) {
	if g.opts.ConfigFile == "" {
		return
	}
	stamp := func() (time.Time, int64) {
		fi, err := os.Stat(g.opts.ConfigFile)
		if err != nil {
			return time.Time{}, -1
		}
		return fi.ModTime(), fi.Size()
	}
	mt, size := stamp()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, s := stamp()
		if s < 0 || m.Equal(mt) && s == size {
			continue
		}
		mt, size = m, s
		g.Reload()
	}
}
