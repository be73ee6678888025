package client

import (
	"context"
	"net/http"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// propagate adds to req what is left of ctx's deadline (rpc.TimeoutHeader, the client's own
// timeout already applied) and ctx's request id (rpc.RequestIDHeader), so that a harp server
// bounds its handler by the caller's budget and logs the same id. req's header map is the
// client's shared template: it is copied before anything is added, and only then.
func propagate(ctx context.Context, req *http.Request) {
	dl, hasDeadline := ctx.Deadline()
	id := rpc.RequestID(ctx)
	if !hasDeadline && id == "" {
		return
	}
	h := make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		h[k] = v
	}
	if hasDeadline {
		h[rpc.TimeoutHeader] = []string{rpc.FormatTimeout(time.Until(dl))}
	}
	if id != "" && rpc.ValidRequestID(id) {
		h[rpc.RequestIDHeader] = []string{id}
	}
	req.Header = h
}
