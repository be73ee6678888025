package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/supervisord"
)

func init() { register(fleetCommand) }

// fleetHelp is the long help of harp fleet.
const fleetHelp = `Drive the supervisord hosts of a fleet file (see 'go doc github.com/harp-rpc/harp/fleet'
for its format): --fleet FILE, else $HARP_FLEET, else ./fleet.yaml.

  status [SELECTOR]                   every process on every host, in one table
  start|stop|restart TARGET [SELECTOR] rolling, in --batch sized batches
  signal SIGNAL TARGET [SELECTOR]     rolling signalProcess
  update [SELECTOR]                   reloadConfig, then add, remove and restart changed groups
  tail [-f] PROGRAM [SELECTOR]        the program's log on every host, merged with a host prefix

SELECTOR is all (the default), or host names, group names and patterns (web*), comma-separated.
TARGET is PROGRAM, GROUP:*, GROUP:NAME or all. A rollout stops at the first batch in which a
host fails (a process that does not reach RUNNING past its startsecs, a refused step, a failed
--health check, an unreachable host), leaves the later hosts untouched, and prints what changed
where and how to resume. --dry-run prints the plan and changes nothing.

Exit codes: 0 every host answered (status) or the rollout completed; 1 a host refused a step, a
process failed or a health check failed; 2 usage; 3 a host could not be reached, or the rollout
was interrupted.`

// fleetOptions are harp fleet's flags.
type fleetOptions struct {
	file         string
	output       *outputFormat
	parallel     int
	hostTimeout  time.Duration
	batch        string
	pause        time.Duration
	startTimeout time.Duration
	dryRun       bool
	health       bool
	healthURL    string
	healthMethod string
	healthJSON   bool
	healthWait   time.Duration
	follow       bool
	stderr       bool
	bytes        int
	color        string
	progress     bool
	signal       string // the signal of a signal rollout, for the resume hint
}

var fleetCommand = &Command{
	Name:    "fleet",
	Args:    "status|start|stop|restart|signal|update|tail ARGS...",
	Summary: "Drive a fleet of supervisord hosts: status, rolling restarts, update, merged tail.\n" + fleetHelp,
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		o := &fleetOptions{}
		fs.StringVar(&o.file, "fleet", "", "the fleet file (default $HARP_FLEET, else fleet.yaml)")
		o.output = registerOutput(fs, "what to print", "text", "json")
		fs.IntVar(&o.parallel, "parallel", fleet.DefaultParallel, "hosts asked at once by status, plans and tail")
		fs.DurationVar(&o.hostTimeout, "host-timeout", 0, "bound each call to a host (default: the fleet file's timeout, else 10s)")
		fs.StringVar(&o.batch, "batch", "1", "hosts changed at once: a count or a percentage (25%)")
		fs.DurationVar(&o.pause, "pause", 0, "wait between batches")
		fs.DurationVar(&o.startTimeout, "start-timeout", 60*time.Second, "how long a process may take to be RUNNING past its startsecs")
		fs.BoolVar(&o.dryRun, "dry-run", false, "print the rollout's plan and change nothing")
		fs.BoolVar(&o.health, "health", false, "check each host's health entry after its steps, before the next batch")
		fs.StringVar(&o.healthURL, "health-url", "", "check this URL instead (implies --health; {host} and {name} are replaced)")
		fs.StringVar(&o.healthMethod, "health-method", "", "make the check an XML-RPC call of this method (implies --health)")
		fs.BoolVar(&o.healthJSON, "health-jsonrpc", false, "make --health-method a JSON-RPC 2.0 call")
		fs.DurationVar(&o.healthWait, "health-timeout", 30*time.Second, "how long a health check may keep failing")
		fs.BoolVar(&o.follow, "f", false, "tail: keep following the logs (until interrupted)")
		fs.BoolVar(&o.stderr, "stderr", false, "tail: the stderr log instead of stdout")
		fs.IntVar(&o.bytes, "bytes", 1600, "tail: how many bytes of each log's end to show first")
		fs.StringVar(&o.color, "color", "auto", "colour states: auto (on a terminal), always, never")
		fs.BoolVar(&o.progress, "progress", false, "print rollout progress on stderr even when it is not a terminal")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) == 0 {
				return usagef("want a subcommand: status, start, stop, restart, signal, update or tail")
			}
			return runFleet(ctx, env, o, args[0], args[1:])
		}
	},
}

func runFleet(ctx context.Context, env *Env, o *fleetOptions, sub string, args []string) error {
	if o.color != "auto" && o.color != "always" && o.color != "never" {
		return usagef("--color: want auto, always or never")
	}
	if o.parallel < 1 || o.bytes < 0 || o.hostTimeout < 0 {
		return usagef("--parallel must be positive, --bytes and --host-timeout not negative")
	}
	switch sub {
	case "status":
		return withFleet(o, args, 0, func(hosts []*fleet.Host, _ []string) error { return fleetStatus(ctx, env, o, hosts) })
	case "start", "stop", "restart":
		return withFleet(o, args, 1, func(hosts []*fleet.Host, pos []string) error {
			return fleetRollout(ctx, env, o, hosts, fleet.Action(sub), pos[0], "")
		})
	case "signal":
		return withFleet(o, args, 2, func(hosts []*fleet.Host, pos []string) error {
			return fleetRollout(ctx, env, o, hosts, fleet.Signal, pos[1], pos[0])
		})
	case "update":
		return withFleet(o, args, 0, func(hosts []*fleet.Host, _ []string) error {
			return fleetRollout(ctx, env, o, hosts, fleet.Update, "", "")
		})
	case "tail":
		return withFleet(o, args, 1, func(hosts []*fleet.Host, pos []string) error { return fleetTail(ctx, env, o, hosts, pos[0]) })
	}
	return usagef("unknown fleet subcommand %q: want status, start, stop, restart, signal, update or tail", sub)
}

// withFleet loads the fleet file, takes want positional arguments and an optional selector
// after them, and runs fn with the selected hosts.
func withFleet(o *fleetOptions, args []string, want int, fn func([]*fleet.Host, []string) error) error {
	if len(args) < want || len(args) > want+1 {
		return usagef("want %d argument(s) and an optional SELECTOR, got %d", want, len(args))
	}
	path := o.file
	if path == "" {
		path = os.Getenv("HARP_FLEET")
	}
	if path == "" {
		path = "fleet.yaml"
	}
	fl, err := fleet.Load(path)
	if err != nil {
		var fe *fleet.FileError
		if errors.As(err, &fe) || errors.Is(err, os.ErrNotExist) {
			return &UsageError{Msg: err.Error(), Hint: "Run 'go doc github.com/harp-rpc/harp/fleet' for the fleet file's format."}
		}
		return err
	}
	selector := ""
	if len(args) > want {
		selector = args[want]
	}
	hosts, err := fl.Select(selector)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if o.hostTimeout > 0 {
		for _, h := range hosts {
			h.Timeout = o.hostTimeout
		}
	}
	return fn(hosts, args[:want])
}

// fleetError is a fleet command's failure: Fault says whether it is the hosts' or services'
// own answer (exit 1) rather than a host that could not be reached or an interruption (exit 3).
type fleetError struct {
	err   error
	fault bool
}

func (e *fleetError) Error() string { return e.err.Error() }

// Unwrap makes errCallsFailed part of the chain of a fault, which exitCode maps to ExitFault.
func (e *fleetError) Unwrap() []error {
	if e.fault {
		return []error{errCallsFailed, e.err}
	}
	return []error{e.err}
}

// isServiceFailure reports whether err is a host's or service's answer: a supervisord fault, a
// process that did not run, a failed health check, a target that matches nothing.
func isServiceFailure(err error) bool {
	var pe *fleet.ProcessError
	var he *fleet.HealthError
	return supervisord.IsFault(err) || errors.As(err, &pe) || errors.As(err, &he) || errors.Is(err, fleet.ErrNoProcess)
}

// colorOn reports whether to colour output written to w.
func (o *fleetOptions) colorOn(w io.Writer) bool {
	return o.color == "always" || (o.color == "auto" && isTerminal(w) && os.Getenv("NO_COLOR") == "")
}

// paint wraps s in the ANSI colour of a state name when on.
func paint(on bool, state, s string) string {
	if !on {
		return s
	}
	code := "39" // the default colour: every cell carries a code, so columns stay aligned
	switch state {
	case "RUNNING", "done":
		code = "32" // green
	case "STARTING", "BACKOFF", "STOPPING", "untouched":
		code = "33" // yellow
	case "FATAL", "EXITED", "UNKNOWN", "DOWN", "failed":
		code = "31" // red
	case "STOPPED":
		code = "90" // grey
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// fmtDuration prints an uptime as supervisorctl does, H:MM:SS, with days when over a day.
func fmtDuration(d time.Duration) string {
	s := int64(d / time.Second)
	days, h, m, sec := s/86400, s%86400/3600, s%3600/60, s%60
	if days > 0 {
		return fmt.Sprintf("%dd %d:%02d:%02d", days, h, m, sec)
	}
	return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
}
