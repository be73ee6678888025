package fleet

import (
	"context"
	"fmt"

	"github.com/harp-rpc/harp/supervisord"
)

// HostPlan is what a rollout would do on one host, as read from it now without changing it.
type HostPlan struct {
	Host  string   `json:"host"`
	Batch int      `json:"batch"`
	Steps []Change `json:"steps,omitempty"`
	Err   error    `json:"-"` // the host could not be read, or the target matches nothing there
}

// Plan is a dry run: every host in rollout order with the steps a rollout would take there.
type Plan struct {
	Action  Action     `json:"action"`
	Target  Target     `json:"target,omitempty"`
	Batches int        `json:"batches"`
	Hosts   []HostPlan `json:"hosts"`
}

// MakePlan asks each host (at most parallel at once) what cfg's rollout would do there, changing
// nothing: the processes the target matches and their states, or for Update the groups
// reloadConfig reports added, changed and removed (reloadConfig rereads the configuration and
// applies none of it).
func MakePlan(ctx context.Context, hosts []*Host, cfg *RolloutConfig, parallel int) (*Plan, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	batches := cfg.Batch.Batches(hosts)
	pl := &Plan{Action: cfg.Action, Target: cfg.Target, Batches: len(batches)}
	if cfg.Action == Update {
		pl.Target = ""
	}
	for bi, b := range batches {
		for _, h := range b {
			pl.Hosts = append(pl.Hosts, HostPlan{Host: h.Name, Batch: bi + 1})
		}
	}
	each(ctx, hosts, parallel, func(ctx context.Context, i int, h *Host) {
		pl.Hosts[i].Steps, pl.Hosts[i].Err = planHost(ctx, h, cfg)
	})
	return pl, nil
}

func planHost(ctx context.Context, h *Host, cfg *RolloutConfig) ([]Change, error) {
	c, err := h.Dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := hostContext(ctx, h)
	defer cancel()
	if cfg.Action == Update {
		ch, err := c.ReloadConfig(ctx)
		if err != nil {
			return nil, err
		}
		var steps []Change
		for _, g := range ch.Removed {
			steps = append(steps, Change{Process: g, Step: "stop and remove"})
		}
		for _, g := range ch.Changed {
			steps = append(steps, Change{Process: g, Step: "stop, remove and add again"})
		}
		for _, g := range ch.Added {
			steps = append(steps, Change{Process: g, Step: "add"})
		}
		return steps, nil
	}
	ps, err := c.GetAllProcessInfo(ctx)
	if err != nil {
		return nil, err
	}
	matched := cfg.Target.Match(ps)
	if len(matched) == 0 {
		return nil, fmt.Errorf("%w %q on host %s", ErrNoProcess, cfg.Target, h.Name)
	}
	steps := make([]Change, 0, len(matched))
	for _, p := range matched {
		steps = append(steps, Change{Process: p.FullName(), Step: planStep(cfg, p), Before: p.State, PID: p.PID})
	}
	return steps, nil
}

// planStep says what the action would do to p.
func planStep(cfg *RolloutConfig, p supervisord.ProcessInfo) string {
	switch {
	case cfg.Action == Signal:
		return "signal " + cfg.Signal
	case cfg.Action == Start && p.State == supervisord.Running:
		return "start (already running: nothing)"
	case cfg.Action == Stop && p.State.Stopped():
		return "stop (already stopped: nothing)"
	case cfg.Action == Restart && p.State.Stopped():
		return "start (stopped now)"
	}
	return string(cfg.Action)
}
