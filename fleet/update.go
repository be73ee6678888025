package fleet

import (
	"context"
	"errors"

	"github.com/harp-rpc/harp/supervisord"
)

// update rereads the host's configuration and applies it as supervisorctl update does: each
// removed group is stopped and removed, each changed group stopped, removed and added again,
// each added group added; then every autostart process of an added or changed group must be
// RUNNING past its startsecs.
func (r *hostRun) update(ctx context.Context) error {
	var ch supervisord.ConfigChanges
	err := r.call(ctx, func(ctx context.Context) (err error) { ch, err = r.c.ReloadConfig(ctx); return })
	if err != nil {
		return err
	}
	for _, g := range ch.Removed {
		if err := r.removeGroup(ctx, g); err != nil {
			return err
		}
	}
	for _, g := range ch.Changed {
		if err := r.removeGroup(ctx, g); err != nil {
			return err
		}
		if err := r.addGroup(ctx, g); err != nil {
			return err
		}
	}
	for _, g := range ch.Added {
		if err := r.addGroup(ctx, g); err != nil {
			return err
		}
	}
	return r.waitGroups(ctx, append(append([]string(nil), ch.Changed...), ch.Added...))
}

// removeGroup stops a group's processes and removes the group.
func (r *hostRun) removeGroup(ctx context.Context, g string) error {
	sctx, cancel := context.WithTimeout(ctx, r.cfg.StartTimeout)
	rs, err := r.c.StopProcessGroup(sctx, g, true)
	cancel()
	if err == nil {
		for _, pr := range rs {
			if e := pr.Err(); e != nil && !errors.Is(e, supervisord.NotRunning) {
				err = e
				break
			}
		}
	}
	r.record(Change{Process: g, Step: "stop group", Err: err})
	if err != nil {
		return err
	}
	err = r.call(ctx, func(ctx context.Context) error { return r.c.RemoveProcessGroup(ctx, g) })
	r.record(Change{Process: g, Step: "remove", Err: err})
	return err
}

// addGroup adds a group (supervisord starts its autostart processes).
func (r *hostRun) addGroup(ctx context.Context, g string) error {
	err := r.call(ctx, func(ctx context.Context) error { return r.c.AddProcessGroup(ctx, g) })
	r.record(Change{Process: g, Step: "add", Err: err})
	return err
}

// waitGroups waits for the autostart processes of the groups to be RUNNING past startsecs.
func (r *hostRun) waitGroups(ctx context.Context, groups []string) error {
	if len(groups) == 0 {
		return nil
	}
	var cs []supervisord.ConfigInfo
	err := r.call(ctx, func(ctx context.Context) (err error) { cs, err = r.c.GetAllConfigInfo(ctx); return })
	if err != nil {
		return err
	}
	r.startsecs = map[string]int{}
	for _, ci := range cs {
		r.startsecs[ci.FullName()] = ci.StartSecs
	}
	for _, ci := range cs {
		if !ci.Autostart || !contains(groups, ci.Group) {
			continue
		}
		p, err := r.waitRunning(ctx, ci.FullName())
		r.record(Change{Process: ci.FullName(), Step: "running", After: p.State, PID: p.PID, Err: err})
		if err != nil {
			return err
		}
	}
	return nil
}
