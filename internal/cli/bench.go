package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/loadgen"
)

var benchCommand = &Command{
	Name: "bench",
	Args: "URL [URL...]",
	Summary: "Drive bounded load at a server (or a cluster of several) and print a latency histogram.\n\n" +
		"Call -method on the server at URL from many goroutines for a while, then print the\n" +
		"rate and a latency histogram (p50/p90/p99/max). Several URLs are called through a cluster\n" +
		"client (balanced by -policy, with health checks and failover). The run is bounded by\n" +
		"-duration and, when set, -requests; when it ends or is interrupted, no new call starts and\n" +
		"the calls in flight may finish (for up to 1s), so no server sees a request cut short.\n" +
		"It exits 1 when any call failed. --output json prints the report as one JSON object on\n" +
		"stdout (the progress goes to stderr).\n\n" +
		"-args holds the method's arguments separated by spaces, each read as harp call reads its\n" +
		"ARGS; -arg adds one argument that may hold spaces.\n\n" + argHelp,
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		var conn connFlags
		conn.register(fs)
		registerJSONRPC(fs, &conn.jsonRPC, true)
		var opts benchOptions
		opts.output = registerOutput(fs, "what to print", "text", "json")
		fs.StringVar(&opts.method, "method", cluster.DefaultCheckMethod, "the method to call")
		argsFlag := fs.String("args", "", "the method's arguments, separated by spaces")
		var one headerList
		fs.Var(&one, "arg", "one more argument, which may hold spaces (repeatable)")
		fs.IntVar(&opts.concurrency, "concurrency", 16, "goroutines calling at once")
		fs.DurationVar(&opts.duration, "duration", 10*time.Second, "how long to run")
		fs.Uint64Var(&opts.requests, "requests", 0, "stop after this many calls (0: only -duration bounds the run)")
		opts.cluster.register(fs)
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) == 0 {
				return usagef("want at least one URL")
			}
			params, err := parseArgs(append(strings.Fields(*argsFlag), one...))
			if err != nil {
				return err
			}
			opts.params, opts.urls, opts.conn = params, args, &conn
			return runBench(ctx, env, &opts)
		}
	},
}

// benchOptions are harp bench's settings.
type benchOptions struct {
	urls        []string
	method      string
	params      []any
	concurrency int
	duration    time.Duration
	requests    uint64
	cluster     clusterFlags
	output      *outputFormat
	conn        *connFlags
}

// pool keeps as many idle connections per server as goroutines call, so that no call of the run
// pays for a new connection once each goroutine has one.
func (o *benchOptions) pool() client.Option {
	return client.WithMaxIdleConnsPerHost(max(o.concurrency, client.DefaultMaxIdleConnsPerHost))
}

// errCallsFailed reports a bench or demo run in which calls failed.
var errCallsFailed = errors.New("calls failed")

// stopGrace is how long the calls in flight when a run ends may take to finish before they are
// cancelled: a call cancelled mid-request leaves its server a truncated body to log.
const stopGrace = time.Second

func runBench(ctx context.Context, env *Env, o *benchOptions) error {
	if o.concurrency < 1 || o.duration <= 0 {
		return usagef("-concurrency and -duration must be positive")
	}
	if err := checkPolicy(o.cluster.policy); err != nil {
		return err
	}
	var (
		call    func(ctx context.Context, method string, reply any, args ...any) error
		clu     *cluster.Cluster
		closeFn func() error
	)
	if len(o.urls) == 1 {
		c, err := o.conn.client(o.urls[0], o.pool())
		if err != nil {
			return err
		}
		call, closeFn = c.Call, c.Close
	} else {
		c, err := o.cluster.newCluster(o.urls, o.method, o.conn, o.pool())
		if err != nil {
			return err
		}
		clu, call, closeFn = c, c.Call, c.Close
	}
	defer closeFn()

	asJSON := o.output.value == "json"
	out := env.Stdout
	if asJSON {
		out = env.Stderr // the progress: stdout holds the report alone
	}
	pr := newProgress(out)
	fmt.Fprintf(out, "harp bench: %s on %s, %d goroutines, %v", o.method, strings.Join(o.urls, " "), o.concurrency, o.duration)
	if o.requests > 0 {
		fmt.Fprintf(out, " or %d calls", o.requests)
	}
	fmt.Fprintln(out)
	var grace graceful
	defer grace.stop()
	res, err := loadgen.Run(ctx, loadgen.Config{
		Concurrency: o.concurrency, Duration: o.duration, MaxCalls: o.requests, Interval: pr.interval(),
		Progress: func(s loadgen.Snapshot) { pr.status(loadgen.ProgressLine(s, o.duration), s.Done) },
	}, func(rctx context.Context, _ int) error {
		cctx, cancel := grace.context(rctx), context.CancelFunc(nil)
		if o.conn.timeout > 0 {
			cctx, cancel = context.WithTimeout(cctx, o.conn.timeout)
			defer cancel()
		}
		return groupable(call(cctx, o.method, nil, o.params...))
	})
	if err != nil {
		return err
	}
	if asJSON {
		err = writeBenchJSON(env.Stdout, o, res, clu)
	} else {
		loadgen.WriteReport(env.Stdout, res)
		if clu != nil {
			writeShares(env.Stdout, clu.Stats())
		}
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d of %d %w", res.Errors, res.Calls, errCallsFailed)
	}
	return nil
}

// graceful gives a run's calls a context that outlives the run's by stopGrace: when the run ends
// (its duration, or an interrupt), the load generator starts no new call, and the calls in
// flight finish instead of being cut mid-request. The context is made on the first call, since
// the load generator hands every call the same run context; a call pays nothing more for it.
type graceful struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
}

// context returns the calls' context for the run context rctx.
func (g *graceful) context(rctx context.Context) context.Context {
	g.once.Do(func() {
		g.ctx, g.cancel = context.WithCancel(context.WithoutCancel(rctx))
		cancel := g.cancel
		context.AfterFunc(rctx, func() { time.AfterFunc(stopGrace, cancel) })
	})
	return g.ctx
}

// stop cancels what is left once the run is over.
func (g *graceful) stop() {
	g.once.Do(func() {})
	if g.cancel != nil {
		g.cancel()
	}
}

// writeShares writes each endpoint's share of a cluster's attempts and its figures.
func writeShares(w io.Writer, st cluster.Stats) {
	var total int64
	for _, e := range st.Endpoints {
		total += e.Calls
	}
	fmt.Fprintf(w, "cluster: %d calls, %d retries (%d refused by the retry budget)\n", st.Calls, st.Retries, st.BudgetRefused)
	for _, e := range st.Endpoints {
		share := 0.0
		if total > 0 {
			share = 100 * float64(e.Calls) / float64(total)
		}
		fmt.Fprintf(w, "  %-32s %5.1f%% of attempts  %-10s failures %-5d ejections %-3d availability %.4f  p50 %v  p99 %v\n",
			e.Endpoint.URL, share, e.State, e.Failures, e.Ejections, e.Availability, loadgen.Round(e.P50), loadgen.Round(e.P99))
	}
}

// progress shows a run's progress: on a terminal one status line rewritten in place, with
// permanent lines (events) printed above it; otherwise every status is a line of its own. It is
// safe for concurrent use.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	line string // the status line shown on a terminal
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTerminal(w)} }

// interval returns how often the status should be refreshed.
func (p *progress) interval() time.Duration {
	if p.tty {
		return 250 * time.Millisecond
	}
	return time.Second
}

// status shows line as the current status; final ends the status line.
func (p *progress) status(line string, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	line = fitLine(line, termWidth(p.w))
	p.line = line
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	if final {
		fmt.Fprintln(p.w)
		p.line = ""
	}
}

// printf prints a permanent line.
func (p *progress) printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintf(p.w, format+"\n", a...)
	if p.tty && p.line != "" {
		fmt.Fprint(p.w, p.line)
	}
}

// fitLine cuts line to fewer than width runes: a status line that wrapped could not be
// rewritten in place.
func fitLine(line string, width int) string {
	n := 0
	for i := range line {
		if n == width-1 {
			return line[:i]
		}
		n++
	}
	return line
}
