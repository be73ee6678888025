package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/harp-rpc/harp/fleet"
)

// planJSON is harp fleet --dry-run --output json.
type planJSON struct {
	*fleet.Plan
	DryRun bool           `json:"dry_run"`
	Hosts  []hostPlanJSON `json:"hosts"`
}

type hostPlanJSON struct {
	fleet.HostPlan
	Steps []changeJSON `json:"steps"`
	Error string       `json:"error,omitempty"`
}

// fleetPlan prints what the rollout would do, batch by batch, and changes nothing. A host that
// cannot be read, or where the target matches nothing, makes it fail as the rollout would.
func fleetPlan(ctx context.Context, env *Env, o *fleetOptions, hosts []*fleet.Host, cfg *fleet.RolloutConfig) error {
	pl, err := fleet.MakePlan(ctx, hosts, cfg, o.parallel)
	if err != nil {
		return err
	}
	if o.output.value == "json" {
		out := planJSON{Plan: pl, DryRun: true}
		for _, h := range pl.Hosts {
			hj := hostPlanJSON{HostPlan: h, Steps: changesJSON(h.Steps)}
			if h.Err != nil {
				hj.Error = h.Err.Error()
			}
			out.Hosts = append(out.Hosts, hj)
		}
		b, err := toJSON(out)
		if err != nil {
			return err
		}
		if _, err := env.Stdout.Write(b); err != nil {
			return err
		}
	} else {
		printPlan(env, cfg, pl)
	}
	for _, h := range pl.Hosts {
		if h.Err != nil {
			return &fleetError{err: fmt.Errorf("host %s: %w", h.Host, h.Err), fault: isServiceFailure(h.Err)}
		}
	}
	return nil
}

func printPlan(env *Env, cfg *fleet.RolloutConfig, pl *fleet.Plan) {
	w := env.Stdout
	what := string(pl.Action)
	if pl.Target != "" {
		what += " " + string(pl.Target)
	}
	fmt.Fprintf(w, "dry run: %s on %d hosts in %d batches of %s", what, len(pl.Hosts), pl.Batches, cfg.Batch)
	if cfg.Pause > 0 {
		fmt.Fprintf(w, ", pausing %s between them", cfg.Pause)
	}
	if cfg.Health != nil {
		fmt.Fprint(w, ", each host's health checked before the next batch")
	}
	fmt.Fprintln(w, "; nothing is changed")
	batch := 0
	for _, h := range pl.Hosts {
		if h.Batch != batch {
			batch = h.Batch
			fmt.Fprintf(w, "batch %d:\n", batch)
		}
		if h.Err != nil {
			fmt.Fprintf(w, "  %-12s cannot plan: %s\n", h.Host, oneLine(h.Err.Error()))
			continue
		}
		var steps []string
		for _, s := range h.Steps {
			desc := s.Process + ": " + s.Step
			if pl.Action != fleet.Update {
				desc += fmt.Sprintf(" (now %s", s.Before)
				if s.PID != 0 {
					desc += fmt.Sprintf(", pid %d", s.PID)
				}
				desc += ")"
			}
			steps = append(steps, desc)
		}
		if len(steps) == 0 {
			steps = []string{"nothing to do"}
		}
		fmt.Fprintf(w, "  %-12s %s\n", h.Host, strings.Join(steps, "; "))
	}
}
