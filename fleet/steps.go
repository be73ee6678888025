package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/supervisord"
)

// hostRun carries out a rollout's steps on one host.
type hostRun struct {
	h   *Host
	cfg *RolloutConfig
	res *HostResult
	c   *supervisord.Client
	// startsecs of each process by full name, read once from getAllConfigInfo.
	startsecs map[string]int
}

// run does every step on the host, then the health check.
func (r *hostRun) run(ctx context.Context) error {
	c, err := r.h.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	r.c = c
	if r.cfg.Action == Update {
		err = r.update(ctx)
	} else {
		err = r.actions(ctx)
	}
	if err != nil {
		return err
	}
	if r.cfg.Health != nil {
		return r.cfg.Health.Check(ctx, r.h)
	}
	return nil
}

// call bounds one call by the host's timeout.
func (r *hostRun) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := hostContext(ctx, r.h)
	defer cancel()
	return fn(ctx)
}

// actions applies start, stop, restart or signal to the target's processes, one at a time.
func (r *hostRun) actions(ctx context.Context) error {
	var ps []supervisord.ProcessInfo
	err := r.call(ctx, func(ctx context.Context) (err error) { ps, err = r.c.GetAllProcessInfo(ctx); return })
	if err != nil {
		return err
	}
	matched := r.cfg.Target.Match(ps)
	if len(matched) == 0 {
		return fmt.Errorf("%w %q on host %s", ErrNoProcess, r.cfg.Target, r.h.Name)
	}
	for _, p := range matched {
		if err := r.act(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (r *hostRun) act(ctx context.Context, p supervisord.ProcessInfo) error {
	switch r.cfg.Action {
	case Start:
		return r.start(ctx, p)
	case Stop:
		return r.stop(ctx, p)
	case Restart:
		if err := r.stop(ctx, p); err != nil {
			return err
		}
		return r.start(ctx, p)
	}
	name := p.FullName()
	err := r.call(ctx, func(ctx context.Context) error { return r.c.SignalProcess(ctx, name, r.cfg.Signal) })
	r.record(Change{Process: name, Step: "signal " + r.cfg.Signal, Before: p.State, After: p.State, PID: p.PID, Err: err})
	return err
}

// record appends a change to the host's result.
func (r *hostRun) record(ch Change) {
	if ch.Err != nil && ch.Note == "" {
		ch.Note = ch.Err.Error()
	}
	r.res.Changes = append(r.res.Changes, ch)
}

// stop stops a process and waits until it is stopped; one already stopped is left as it is.
func (r *hostRun) stop(ctx context.Context, p supervisord.ProcessInfo) error {
	name := p.FullName()
	if p.State.Stopped() {
		r.record(Change{Process: name, Step: "stop", Before: p.State, After: p.State, Note: "already stopped"})
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, r.cfg.StartTimeout)
	defer cancel()
	err := r.c.StopProcess(sctx, name, true)
	if errors.Is(err, supervisord.NotRunning) {
		// Already stopping (or stopped since it was read): wait until it is down.
		now, err := r.waitStopped(ctx, name)
		r.record(Change{Process: name, Step: "stop", Before: p.State, After: now.State, Note: "was not running", Err: err})
		return err
	}
	r.record(Change{Process: name, Step: "stop", Before: p.State, After: supervisord.Stopped, Err: err})
	return err
}

// start starts a process and waits until it is RUNNING past its startsecs.
func (r *hostRun) start(ctx context.Context, p supervisord.ProcessInfo) error {
	name := p.FullName()
	err := r.call(ctx, func(ctx context.Context) error { return r.c.StartProcess(ctx, name, false) })
	if errors.Is(err, supervisord.AlreadyStarted) {
		err = nil
	}
	// SPAWN_ERROR: it was spawned and died before startsecs, and supervisord is retrying it
	// (BACKOFF, then FATAL at startretries) as when it dies a moment later: wait for the outcome.
	if errors.Is(err, supervisord.SpawnError) {
		err = nil
	}
	if err != nil {
		r.record(Change{Process: name, Step: "start", Before: p.State, Err: err})
		return err
	}
	now, err := r.waitRunning(ctx, name)
	r.record(Change{Process: name, Step: "start", Before: p.State, After: now.State, PID: now.PID, Err: err})
	return err
}

// startSecs returns a process's startsecs from getAllConfigInfo, read once per host.
func (r *hostRun) startSecs(ctx context.Context, name string) (int, error) {
	if r.startsecs == nil {
		var cs []supervisord.ConfigInfo
		err := r.call(ctx, func(ctx context.Context) (err error) { cs, err = r.c.GetAllConfigInfo(ctx); return })
		if err != nil {
			return 0, err
		}
		r.startsecs = map[string]int{}
		for _, ci := range cs {
			r.startsecs[ci.FullName()] = ci.StartSecs
		}
	}
	return r.startsecs[name], nil
}

// waitRunning polls the process until it is RUNNING and has run at least its startsecs, and
// fails when it ends in FATAL, EXITED or STOPPED or the start timeout passes first. BACKOFF is
// waited through: supervisord is retrying.
func (r *hostRun) waitRunning(ctx context.Context, name string) (supervisord.ProcessInfo, error) {
	secs, err := r.startSecs(ctx, name)
	if err != nil {
		return supervisord.ProcessInfo{}, err
	}
	deadline := time.Now().Add(r.cfg.StartTimeout)
	for {
		var p supervisord.ProcessInfo
		err := r.call(ctx, func(ctx context.Context) (err error) { p, err = r.c.GetProcessInfo(ctx, name); return })
		if err != nil {
			return p, err
		}
		pe := &ProcessError{Host: r.h.Name, Process: name, State: p.State, ExitStatus: p.ExitStatus, SpawnErr: p.SpawnErr}
		switch {
		case p.State == supervisord.Running && p.Now-p.Start >= int64(secs):
			return p, nil
		case p.State == supervisord.Fatal || p.State == supervisord.Exited || p.State == supervisord.Stopped:
			pe.Msg = "did not stay running"
			return p, pe
		case time.Now().After(deadline):
			pe.Msg = fmt.Sprintf("not RUNNING past its startsecs (%ds) within %v", secs, r.cfg.StartTimeout)
			return p, pe
		}
		if err := sleep(ctx, r.cfg.PollInterval); err != nil {
			return p, err
		}
	}
}

// waitStopped polls a process until it is in a stopped state, within the start timeout.
func (r *hostRun) waitStopped(ctx context.Context, name string) (supervisord.ProcessInfo, error) {
	deadline := time.Now().Add(r.cfg.StartTimeout)
	for {
		var p supervisord.ProcessInfo
		err := r.call(ctx, func(ctx context.Context) (err error) { p, err = r.c.GetProcessInfo(ctx, name); return })
		switch {
		case err != nil:
			return p, err
		case p.State.Stopped():
			return p, nil
		case time.Now().After(deadline):
			return p, &ProcessError{Host: r.h.Name, Process: name, State: p.State, Msg: fmt.Sprintf("not stopped within %v", r.cfg.StartTimeout)}
		}
		if err := sleep(ctx, r.cfg.PollInterval); err != nil {
			return p, err
		}
	}
}
