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
	sc, ok := bc.c.(syscall.Conn)
	if !ok {
		return true // TLS: the first read will tell
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	ok = true
	var b [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case n > 0: // stray bytes
			ok = false
		case n == 0 && err == nil: // the peer's FIN
			ok = false
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
		default:
			ok = false
		}
		return true
	})
	return ok
}

var _ net.Conn = (*net.TCPConn)(nil)
