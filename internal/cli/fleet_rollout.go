package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/harp-rpc/harp/fleet"
)

// rolloutConfig builds the fleet package's configuration from the flags.
func (o *fleetOptions) rolloutConfig(action fleet.Action, target, signal string) (*fleet.RolloutConfig, error) {
	cfg := fleet.DefaultRolloutConfig()
	cfg.Action, cfg.Target, cfg.Signal = action, fleet.Target(target), signal
	b, err := fleet.ParseBatchSize(o.batch)
	if err != nil {
		return nil, usagef("--batch: %v", err)
	}
	cfg.Batch, cfg.Pause, cfg.StartTimeout = b, o.pause, o.startTimeout
	if o.health || o.healthURL != "" || o.healthMethod != "" {
		hc := fleet.DefaultHealthCheck()
		hc.URL, hc.Method, hc.JSONRPC, hc.Timeout = o.healthURL, o.healthMethod, o.healthJSON, o.healthWait
		cfg.Health = hc
	}
	if err := cfg.Verify(); err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	return cfg, nil
}

func fleetRollout(ctx context.Context, env *Env, o *fleetOptions, hosts []*fleet.Host, action fleet.Action, target, signal string) error {
	cfg, err := o.rolloutConfig(action, target, signal)
	if err != nil {
		return err
	}
	o.signal = signal
	if cfg.Health != nil {
		for _, h := range hosts {
			if _, _, _, err := cfg.Health.Target(h); err != nil {
				return &UsageError{Msg: err.Error()}
			}
		}
	}
	if o.dryRun {
		return fleetPlan(ctx, env, o, hosts, cfg)
	}
	tty := isTerminal(env.Stderr)
	if o.progress || tty {
		cfg.Progress = progressPrinter(env.Stderr, tty)
	}
	rep, err := fleet.Rollout(ctx, hosts, cfg)
	if cfg.Progress != nil && tty {
		fmt.Fprint(env.Stderr, "\r\x1b[K") // the report and summary replace the progress line
	}
	if err != nil {
		return err
	}
	if o.output.value == "json" {
		if err := printReportJSON(env, rep); err != nil {
			return err
		}
	} else {
		printReport(env.Stdout, o, rep, o.colorOn(env.Stdout))
	}
	if err := rep.Err(); err != nil {
		return &fleetError{err: err, fault: isServiceFailure(err)}
	}
	return nil
}

// progressPrinter shows batches and hosts as they finish: on a terminal one line rewritten in
// place (cleared when the rollout ends), elsewhere a line per event.
func progressPrinter(w io.Writer, tty bool) func(fleet.Progress) {
	return func(p fleet.Progress) {
		line := fmt.Sprintf("batch %d/%d, hosts %d/%d done, %s", p.Batch, p.Batches, p.HostsDone, p.Hosts, p.Elapsed.Round(100*time.Millisecond))
		if p.Event == "host" {
			line += fmt.Sprintf(" (%s %s)", p.Host, p.Outcome)
		}
		if p.Event == "pause" {
			line += " (pausing)"
		}
		if tty {
			fmt.Fprintf(w, "\r\x1b[K%s", line)
			return
		}
		fmt.Fprintln(w, "harp fleet: "+line)
	}
}

// printReport prints what changed on each host, a summary and, when the rollout stopped, how to
// resume it.
func printReport(w io.Writer, o *fleetOptions, rep *fleet.Report, color bool) {
	for _, h := range rep.Hosts {
		fmt.Fprintf(w, "%-12s %s", h.Host, paint(color, string(h.Outcome), fmt.Sprintf("%-9s", h.Outcome)))
		var steps []string
		for _, c := range h.Changes {
			steps = append(steps, describeChange(c))
		}
		if len(steps) > 0 {
			fmt.Fprintf(w, " %s", strings.Join(steps, "; "))
		}
		if h.Err != nil && !changesMention(h.Changes, h.Err) {
			fmt.Fprintf(w, " error: %s", oneLine(h.Err.Error()))
		}
		fmt.Fprintln(w)
	}
	what := string(rep.Action)
	if rep.Target != "" {
		what += " " + string(rep.Target)
	}
	if rep.Completed {
		fmt.Fprintf(w, "%s: %d of %d hosts done in %d batches, %s\n", what, len(rep.Hosts), len(rep.Hosts), rep.Batches, rep.Elapsed.Round(time.Millisecond))
		return
	}
	fmt.Fprintf(w, "%s stopped: %d done, %d failed, %d untouched, %s\n", what,
		rep.Count(fleet.Done), rep.Count(fleet.Failed), rep.Count(fleet.Untouched), rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "resume with: %s\n", resumeCommand(o, rep))
}

func describeChange(c fleet.Change) string {
	s := c.Process + ": " + c.Step
	switch {
	case c.Err != nil:
		s += " FAILED (" + oneLine(c.Err.Error()) + ")"
	case c.Note != "":
		s += " (" + c.Note + ")"
	case c.PID != 0 && (c.Step == "start" || c.Step == "running"):
		s += fmt.Sprintf(" -> %s pid %d", c.After, c.PID)
	}
	return s
}

func changesMention(cs []fleet.Change, err error) bool {
	for _, c := range cs {
		if c.Err != nil && errors.Is(err, c.Err) {
			return true
		}
	}
	return false
}

// resumeCommand is the harp fleet command line that does the remaining hosts.
func resumeCommand(o *fleetOptions, rep *fleet.Report) string {
	parts := []string{"harp fleet"}
	if o.file != "" {
		parts = append(parts, "--fleet", o.file)
	}
	if o.batch != "1" {
		parts = append(parts, "--batch", o.batch)
	}
	if o.health {
		parts = append(parts, "--health")
	}
	if o.healthURL != "" {
		parts = append(parts, "--health-url", o.healthURL)
	}
	if o.healthMethod != "" {
		parts = append(parts, "--health-method", o.healthMethod)
	}
	parts = append(parts, string(rep.Action))
	if rep.Action == fleet.Signal {
		parts = append(parts, o.signal)
	}
	if rep.Target != "" {
		parts = append(parts, string(rep.Target))
	}
	parts = append(parts, strings.Join(rep.Remaining(), ","))
	return strings.Join(parts, " ")
}

// reportJSON is harp fleet's --output json of a rollout.
type reportJSON struct {
	*fleet.Report
	Hosts     []hostResultJSON `json:"hosts"`
	ElapsedMS int64            `json:"elapsed_ms"`
	Error     string           `json:"error,omitempty"`
	Remaining []string         `json:"remaining"`
}

type hostResultJSON struct {
	fleet.HostResult
	Changes []changeJSON `json:"changes"`
	Error   string       `json:"error,omitempty"`
}

type changeJSON struct {
	fleet.Change
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	Error  string `json:"error,omitempty"`
}

func printReportJSON(env *Env, rep *fleet.Report) error {
	out := reportJSON{Report: rep, ElapsedMS: rep.Elapsed.Milliseconds(), Remaining: rep.Remaining()}
	if out.Remaining == nil {
		out.Remaining = []string{}
	}
	if err := rep.Err(); err != nil {
		out.Error = err.Error()
	}
	for _, h := range rep.Hosts {
		hj := hostResultJSON{HostResult: h, Changes: changesJSON(h.Changes)}
		if h.Err != nil {
			hj.Error = h.Err.Error()
		}
		out.Hosts = append(out.Hosts, hj)
	}
	b, err := toJSON(out)
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(b)
	return err
}

func changesJSON(cs []fleet.Change) []changeJSON {
	out := []changeJSON{}
	for _, c := range cs {
		cj := changeJSON{Change: c}
		switch {
		case c.Step == "running":
			cj.After = c.After.String()
		case c.Step != "add" && c.Step != "remove" && !strings.HasPrefix(c.Step, "stop "):
			cj.Before, cj.After = c.Before.String(), c.After.String()
		}
		if c.Err != nil {
			cj.Error = c.Err.Error()
		}
		out = append(out, cj)
	}
	return out
}
