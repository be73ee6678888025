package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// httpServer returns an http.Server running s with the configured timeouts; with a watchdog, that
// enforces the write and idle timeouts instead of net/http.
func (s *Server) httpServer(ctx context.Context, wd *watchdog) *http.Server {
	hs := &http.Server{
		Handler:           s,
		TLSConfig:         s.cfg.TLSConfig.Clone(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		// Equal to ReadHeaderTimeout, so net/http sets one read deadline per request instead of
		// two, and that deadline also bounds the first read of the body: the handler's
		// deadlineReader takes over from the second read on (a small body needs none).
		ReadTimeout:    s.cfg.ReadHeaderTimeout,
		WriteTimeout:   s.cfg.WriteTimeout,
		IdleTimeout:    s.cfg.IdleTimeout,
		MaxHeaderBytes: s.cfg.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelInfo),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if tc, ok := c.(*tls.Conn); ok {
				c = tc.NetConn()
			}
			wc, _ := c.(*watchedConn)
			if s.cfg.ConnContext != nil && wc != nil {
				ctx = s.cfg.ConnContext(ctx, wc.Conn)
			}
			return context.WithValue(ctx, ownServerKey{}, wc)
		},
	}
	if hs.IdleTimeout == 0 {
		hs.IdleTimeout = -1 // none; net/http would take ReadTimeout for 0
	}
	if wd != nil && s.cfg.TLSConfig == nil {
		hs.WriteTimeout, hs.IdleTimeout = 0, -1
		hs.ConnState = wd.connState
	}
	return hs
}

// ListenAndServe listens on the TCP address addr and serves until ctx is done; see Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves connections from ln (over TLS when Config.TLSConfig is set) until ctx is done, then
// shuts down gracefully: it stops accepting, lets the calls in flight finish within
// Config.ShutdownTimeout, and closes what remains. It returns nil after a complete drain,
// ErrShutdownTimeout if calls had to be cut, or the error that stopped serving. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var wd *watchdog
	if s.cfg.TLSConfig == nil {
		wd = newWatchdog(s.cfg.WriteTimeout, s.cfg.IdleTimeout, s.cfg.WriteStallTimeout)
	} else {
		wd = newWatchdog(0, 0, s.cfg.WriteStallTimeout) // net/http bounds the rest over TLS
	}
	hs := s.httpServer(ctx, wd)
	ln = watchedListener{Listener: ln, wd: wd, peers: s.peers, refused: &s.refused, firstByte: s.cfg.IdleTimeout,
		bodyGrace: s.cfg.BodyStallTimeout}
	var fc *fastConns // nil: net/http serves every connection
	if s.useFastConns() {
		fc = newFastConns(s, context.WithoutCancel(ctx), hs, wd)
		ln = newHandoffListener(ln, fc)
	}
	stop := make(chan struct{})
	defer close(stop)
	if wd != nil {
		go wd.run(stop)
	}
	go s.reclaim(stop, time.Second)
	s.mu.Lock()
	s.https[hs] = fc
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.https, hs)
		s.mu.Unlock()
	}()
	errc := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			// The certificates come from TLSConfig; ServeTLS adds HTTP/2 and wraps ln.
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(hs, fc, errc)
}

func (s *Server) shutdown(hs *http.Server, fc *fastConns, errc <-chan error) error {
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if s.custom {
		s.log.Info("server: shutting down") // the handler's calls are its own to count
	} else {
		s.log.Info("server: shutting down", "in_flight", s.InFlight())
	}
	err := shutdownBoth(sctx, hs, fc)
	<-errc
	if err != nil {
		_ = hs.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			return ErrShutdownTimeout
		}
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// Shutdown gracefully stops every Serve and ListenAndServe of s, as if their contexts were done,
// and waits for the drain within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	hss := make(map[*http.Server]*fastConns, len(s.https))
	for hs, fc := range s.https {
		hss[hs] = fc
	}
	s.mu.Unlock()
	var errs []error
	for hs, fc := range hss {
		if err := shutdownBoth(ctx, hs, fc); err != nil {
			_ = hs.Close()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// shutdownBoth shuts down hs and the connections fc serves (nil: none) within ctx: fc stops
// handing connections over first, since net/http takes no more once its Shutdown begins.
func shutdownBoth(ctx context.Context, hs *http.Server, fc *fastConns) error {
	if fc == nil {
		return hs.Shutdown(ctx)
	}
	fc.mu.Lock()
	fc.beginClose()
	fc.mu.Unlock()
	err := hs.Shutdown(ctx)
	if ferr := fc.shutdown(ctx); err == nil {
		err = ferr
	}
	return err
}
