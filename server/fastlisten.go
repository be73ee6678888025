package server

import (
	"net"
	"sync"
	"time"
)

// handoffListener is the listener net/http serves under fastConns: it accepts from the real
// listener itself, gives each connection to fastConns, and returns to net/http the connections
// fastConns hands over.
type handoffListener struct {
	net.Listener // the watchedListener
	f            *fastConns
	errc         chan error
	closeOnce    sync.Once
	closed       chan struct{}
}

func newHandoffListener(ln net.Listener, f *fastConns) *handoffListener {
	l := &handoffListener{Listener: ln, f: f, errc: make(chan error), closed: make(chan struct{})}
	go l.acceptLoop()
	return l
}

// acceptLoop accepts connections for fastConns until the listener closes. An accept error goes
// to net/http's Accept, which waits and calls again for a temporary one (too many open files)
// and stops serving for any other; the loop stops at the listener's close.
func (l *handoffListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			select {
			case l.errc <- err:
			case <-l.closed:
				return
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			select { // a temporary error: net/http waits before its next Accept
			case <-l.closed:
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		l.f.start(c.(*watchedConn))
	}
}

// Accept returns the next connection fastConns hands to net/http, or the accept loop's error.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.f.handoff:
		return c, nil
	case err := <-l.errc:
		return nil, err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close closes the real listener and ends Accept.
func (l *handoffListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.closed)
		err = l.Listener.Close()
	})
	return err
}
