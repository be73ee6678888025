//go:build unix

package gateway

import (
	"net"
	"syscall"
)

// alive reports whether an idle connection is still open: nothing unread is buffered, and a
// non-blocking peek at the socket finds neither the peer's close nor stray bytes. A backend that
// closed an idle connection is found here, before a request is written to it, so that the
// request is not lost in a connection that cannot answer (and need not count as sent).
func alive(bc *bconn) bool {
	if bc.br.Buffered() > 0 {
		return false
	}
	return bc.peek.alive(bc.c)
}

// peeker peeks at one connection's socket; made on first use and kept with the connection, so
// that a peek costs no allocation.
type peeker struct {
	rc   syscall.RawConn // nil until the first peek
	none bool            // not a socket (TLS): the first read will tell
	ok   bool
	fn   func(fd uintptr) bool
	buf  [1]byte
}

func (p *peeker) alive(c net.Conn) bool {
	if p.rc == nil && !p.none {
		sc, ok := c.(syscall.Conn)
		if !ok {
			p.none = true
			return true
		}
		rc, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		p.rc, p.fn = rc, p.peek
	}
	if p.none {
		return true
	}
	p.ok = true
	if err := p.rc.Read(p.fn); err != nil {
		return false
	}
	return p.ok
}

// peek is the RawConn.Read callback: it never waits.
func (p *peeker) peek(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case n > 0: // stray bytes
		p.ok = false
	case n == 0 && err == nil: // the peer's FIN
		p.ok = false
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
	default:
		p.ok = false
	}
	return true
}

var _ net.Conn = (*net.TCPConn)(nil)
