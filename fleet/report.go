package fleet

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harp-rpc/harp/supervisord"
)

// Action is what a rollout does on each host.
type Action string

// The actions.
const (
	Start   Action = "start"
	Stop    Action = "stop"
	Restart Action = "restart"
	Signal  Action = "signal"
	Update  Action = "update" // reloadConfig, then add, remove and restart the changed groups
)

// Outcome is what became of one host in a rollout.
type Outcome string

// The outcomes.
const (
	Done      Outcome = "done"      // every step succeeded (and the health check, when asked)
	Failed    Outcome = "failed"    // a step or the health check failed; the rollout stopped
	Untouched Outcome = "untouched" // the rollout stopped before reaching the host
)

// Change is one step a rollout took (or, in a plan, would take) on a process or group.
type Change struct {
	Process string                   `json:"process"` // "group:name", or a group for update
	Step    string                   `json:"step"`    // stop, start, signal HUP, add, remove, ...
	Before  supervisord.ProcessState `json:"-"`
	After   supervisord.ProcessState `json:"-"`
	PID     int                      `json:"pid,omitempty"` // the process's PID after the step
	Note    string                   `json:"note,omitempty"`
	Err     error                    `json:"-"`
}

// HostResult is one host's part of a rollout.
type HostResult struct {
	Host    string        `json:"host"`
	Batch   int           `json:"batch"` // 1-based
	Outcome Outcome       `json:"outcome"`
	Changes []Change      `json:"changes,omitempty"`
	Err     error         `json:"-"`
	Elapsed time.Duration `json:"-"`
}

// Report is the outcome of a rollout: every host in rollout order with what changed there.
type Report struct {
	Action    Action        `json:"action"`
	Target    Target        `json:"target,omitempty"`
	Batches   int           `json:"batches"`
	Hosts     []HostResult  `json:"hosts"`
	Completed bool          `json:"completed"`
	Elapsed   time.Duration `json:"-"`
	// Interrupted says the context ended the rollout (at a batch boundary or mid-batch).
	Interrupted bool `json:"interrupted,omitempty"`
}

// Remaining returns the hosts a resumed rollout must still do: the failed ones and the untouched
// ones, in rollout order.
func (r *Report) Remaining() []string {
	var out []string
	for _, h := range r.Hosts {
		if h.Outcome != Done {
			out = append(out, h.Host)
		}
	}
	return out
}

// Count returns how many hosts had the outcome.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, h := range r.Hosts {
		if h.Outcome == o {
			n++
		}
	}
	return n
}

// Err returns nil when the rollout completed, else a *RolloutError for its first failed host
// (or the context's error when it was interrupted with none failed).
func (r *Report) Err() error {
	if r.Completed {
		return nil
	}
	for _, h := range r.Hosts {
		if h.Outcome == Failed {
			return &RolloutError{Host: h.Host, Batch: h.Batch, Err: h.Err, Remaining: r.Remaining()}
		}
	}
	return &RolloutError{Err: errInterrupted, Remaining: r.Remaining()}
}

var errInterrupted = errors.New("fleet: rollout interrupted")

// RolloutError says a rollout stopped: where it failed and which hosts remain. Err is the
// failure itself: a *supervisord.Fault when supervisord refused a step, a *ProcessError when a
// process did not reach RUNNING, a *HealthError when the health check failed, or a transport
// error when the host could not be reached.
type RolloutError struct {
	Host      string
	Batch     int
	Err       error
	Remaining []string
}

// Error says where the rollout stopped and why.
func (e *RolloutError) Error() string {
	if e.Host == "" {
		return fmt.Sprintf("%v; %d hosts remain", e.Err, len(e.Remaining))
	}
	return fmt.Sprintf("fleet: rollout stopped at host %s (batch %d): %s", e.Host, e.Batch, strings.TrimPrefix(e.Err.Error(), "fleet: "))
}

// Unwrap returns the failure.
func (e *RolloutError) Unwrap() error { return e.Err }

// ProcessError says a process did not get to where a step wanted it: RUNNING past its startsecs
// within the start timeout, say.
type ProcessError struct {
	Host       string
	Process    string
	State      supervisord.ProcessState
	ExitStatus int
	SpawnErr   string
	Msg        string
}

// Error describes the process's state: "fleet: host h3: web: did not stay running (FATAL:
// Exited too quickly ...)".
func (e *ProcessError) Error() string {
	s := fmt.Sprintf("fleet: host %s: %s: %s (%s", e.Host, e.Process, e.Msg, e.State)
	if e.State == supervisord.Exited {
		s += fmt.Sprintf(", exit status %d", e.ExitStatus)
	}
	if e.SpawnErr != "" {
		s += ": " + e.SpawnErr
	}
	return s + ")"
}

// HealthError says a host's health check did not pass within its timeout.
type HealthError struct {
	Host string
	URL  string
	Err  error
}

// Error names the check and its last failure.
func (e *HealthError) Error() string {
	return fmt.Sprintf("fleet: %s: health check %s failed: %v", e.Host, e.URL, e.Err)
}

// Unwrap returns the last failure of the check.
func (e *HealthError) Unwrap() error { return e.Err }
