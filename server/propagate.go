package server

import (
	"context"
	"net/http"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// callContext returns the context a request's calls run under: its own, with the deadline the
// caller sent in rpc.TimeoutHeader and the id it sent in rpc.RequestIDHeader. A request with
// neither (every peer but harp's own clients) gets r.Context() unchanged and a nil cancel. A
// timeout header that cannot be read is ignored, as is an id that rpc.ValidRequestID refuses:
// neither is a reason to refuse a call.
func callContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx := r.Context()
	tv, idv := r.Header[rpc.TimeoutHeader], r.Header[rpc.RequestIDHeader] // one lookup each
	if tv == nil && idv == nil {
		return ctx, nil
	}
	var cancel context.CancelFunc
	if len(tv) > 0 {
		if d, err := rpc.ParseTimeout(tv[0]); err == nil {
			// Lazy: most handlers never wait on their context, so most calls need no timer.
			ctx, cancel = rpc.WithLazyDeadline(ctx, time.Now().Add(d))
		}
	}
	if len(idv) > 0 && rpc.ValidRequestID(idv[0]) {
		ctx = rpc.WithRequestID(ctx, idv[0])
	}
	return ctx, cancel
}
