package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/supervisord"
)

// statusJSON is one host in harp fleet status --output json.
type statusJSON struct {
	Host      string        `json:"host"`
	URL       string        `json:"url"`
	OK        bool          `json:"ok"`
	State     string        `json:"supervisord_state,omitempty"`
	Error     string        `json:"error,omitempty"`
	ElapsedMS int64         `json:"elapsed_ms"`
	Processes []processJSON `json:"processes"`
}

type processJSON struct {
	Name        string `json:"name"`
	Group       string `json:"group"`
	State       string `json:"state"`
	StateCode   int    `json:"statecode"`
	UptimeS     int64  `json:"uptime_s"`
	PID         int    `json:"pid"`
	ExitStatus  int    `json:"exitstatus"`
	Description string `json:"description"`
	SpawnErr    string `json:"spawnerr,omitempty"`
}

func fleetStatus(ctx context.Context, env *Env, o *fleetOptions, hosts []*fleet.Host) error {
	sts := fleet.Status(ctx, hosts, o.parallel)
	if o.output.value == "json" {
		if err := printStatusJSON(env, sts); err != nil {
			return err
		}
	} else {
		printStatusTable(env, o, sts)
	}
	down := 0
	for _, st := range sts {
		if st.Err != nil {
			down++
		}
	}
	if down > 0 {
		return &fleetError{err: fmt.Errorf("%d of %d hosts did not answer", down, len(sts))}
	}
	return nil
}

func printStatusJSON(env *Env, sts []fleet.HostStatus) error {
	out := make([]statusJSON, len(sts))
	for i, st := range sts {
		s := statusJSON{Host: st.Host.Name, URL: st.Host.URL, OK: st.Err == nil, ElapsedMS: st.Elapsed.Milliseconds(), Processes: []processJSON{}}
		if st.Err != nil {
			s.Error = st.Err.Error()
		} else {
			s.State = st.State.Name
		}
		for _, p := range st.Processes {
			s.Processes = append(s.Processes, processJSON{
				Name: p.FullName(), Group: p.Group, State: p.State.String(), StateCode: int(p.State),
				UptimeS: int64(p.Uptime() / time.Second), PID: p.PID, ExitStatus: p.ExitStatus,
				Description: p.Description, SpawnErr: p.SpawnErr,
			})
		}
		out[i] = s
	}
	b, err := toJSON(out)
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(b)
	return err
}

func printStatusTable(env *Env, o *fleetOptions, sts []fleet.HostStatus) {
	color := o.colorOn(env.Stdout)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPROGRAM\tSTATE\tUPTIME\tPID\tEXIT\tDESCRIPTION")
	for _, st := range sts {
		if st.Err != nil {
			// The colour codes go around the padded cell so that tabwriter's columns stay put.
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t-\t-\t%s\n", st.Host.Name, paint(color, "DOWN", "DOWN"), oneLine(st.Err.Error()))
			continue
		}
		if len(st.Processes) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\tno processes\n", st.Host.Name)
		}
		for _, p := range st.Processes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Host.Name, p.FullName(),
				paint(color, p.State.String(), p.State.String()), uptime(p), pid(p), exitStatus(p), p.Description)
		}
	}
	tw.Flush()
}

func uptime(p supervisord.ProcessInfo) string {
	if p.State != supervisord.Running {
		return "-"
	}
	return fmtDuration(p.Uptime())
}

func pid(p supervisord.ProcessInfo) string {
	if p.PID == 0 {
		return "-"
	}
	return strconv.Itoa(p.PID)
}

func exitStatus(p supervisord.ProcessInfo) string {
	if p.State.Running() || p.Stop == 0 {
		return "-"
	}
	return strconv.Itoa(p.ExitStatus)
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
