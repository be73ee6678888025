package fleet

import (
	"context"
	"time"

	"github.com/harp-rpc/harp/supervisord"
)

// HostStatus is one host's answer to Status: its processes, or the error that kept it from
// answering within its timeout.
type HostStatus struct {
	Host      *Host
	Processes []supervisord.ProcessInfo
	Err       error
	Elapsed   time.Duration
}

// Status asks every host for all its processes, at most parallel hosts at once (0 means
// DefaultParallel), each bounded by its own timeout, and returns one HostStatus per host in the
// order given. A host that does not answer in time has Err set; it never holds up the others
// beyond its timeout.
func Status(ctx context.Context, hosts []*Host, parallel int) []HostStatus {
	out := make([]HostStatus, len(hosts))
	each(ctx, hosts, parallel, func(ctx context.Context, i int, h *Host) {
		start := time.Now()
		out[i] = HostStatus{Host: h}
		out[i].Processes, out[i].Err = hostStatus(ctx, h)
		out[i].Elapsed = since(start)
	})
	return out
}

func hostStatus(ctx context.Context, h *Host) ([]supervisord.ProcessInfo, error) {
	c, err := h.Dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := hostContext(ctx, h)
	defer cancel()
	return c.GetAllProcessInfo(ctx)
}
