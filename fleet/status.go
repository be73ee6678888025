package fleet

import (
	"context"
	"errors"
	"time"

	"github.com/harp-rpc/harp/supervisord"
)

// HostStatus is one host's answer to Status: supervisord's own state and its processes, or the
// error that kept it from answering within its timeout.
type HostStatus struct {
	Host      *Host
	State     supervisord.State
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
		out[i].State, out[i].Processes, out[i].Err = hostStatus(ctx, h)
		out[i].Elapsed = since(start)
	})
	return out
}

// hostStatus asks getState and getAllProcessInfo in one system.multicall.
func hostStatus(ctx context.Context, h *Host) (supervisord.State, []supervisord.ProcessInfo, error) {
	var st supervisord.State
	var ps []supervisord.ProcessInfo
	c, err := h.Dial()
	if err != nil {
		return st, nil, err
	}
	defer c.Close()
	ctx, cancel := hostContext(ctx, h)
	defer cancel()
	calls := []*supervisord.Call{
		{Method: "supervisor.getState", Reply: &st},
		{Method: "supervisor.getAllProcessInfo", Reply: &ps},
	}
	if err := c.Multicall(ctx, calls...); err != nil {
		return st, nil, err
	}
	return st, ps, errors.Join(calls[0].Err, calls[1].Err)
}
