//go:build !unix

package gateway

// alive reports whether an idle connection may be reused; without a non-blocking peek the
// first read tells.
func alive(bc *bconn) bool { return bc.br.Buffered() == 0 }

// peeker is nothing without a non-blocking peek.
type peeker struct{}
