// Command fleet drives the supervisord hosts of a fleet file with the fleet and supervisord
// packages: it prints every host's processes, then restarts one program across the hosts in
// batches of half of them, waiting for each process to be RUNNING past its startsecs, and prints
// what changed where. harp fleet does the same and more from the command line:
//
//	go run ./examples/fleet FLEET.yaml PROGRAM
//	harp fleet --fleet FLEET.yaml status
//	harp fleet --fleet FLEET.yaml --batch 50% restart PROGRAM
//
// fleet.yaml in this directory shows the file's format.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/supervisord"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: fleet FLEET.yaml PROGRAM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, os.Args[1], os.Args[2]); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, file, program string) error {
	fl, err := fleet.Load(file)
	if err != nil {
		return err // a *fleet.FileError says file:line:column
	}
	for _, st := range fleet.Status(ctx, fl.Hosts, 0) {
		if st.Err != nil {
			fmt.Fprintf(w, "%s: down: %v\n", st.Host.Name, st.Err)
			continue
		}
		for _, p := range st.Processes {
			fmt.Fprintf(w, "%s: %s %s\n", st.Host.Name, p.FullName(), p.State)
		}
	}
	cfg := fleet.DefaultRolloutConfig()
	cfg.Action, cfg.Target, cfg.Batch = fleet.Restart, fleet.Target(program), fleet.BatchSize{N: 50, Percent: true}
	rep, err := fleet.Rollout(ctx, fl.Hosts, cfg)
	if err != nil {
		return err
	}
	for _, h := range rep.Hosts {
		fmt.Fprintf(w, "%s: %s in batch %d:", h.Host, h.Outcome, h.Batch)
		for _, c := range h.Changes {
			fmt.Fprintf(w, " %s %s", c.Step, c.After)
		}
		fmt.Fprintln(w)
	}
	if err := rep.Err(); err != nil {
		var f *supervisord.Fault
		if errors.As(err, &f) {
			fmt.Fprintf(w, "supervisord said %s (code %d)\n", f.Code, int(f.Code))
		}
		return fmt.Errorf("%w; resume with the hosts %v", err, rep.Remaining())
	}
	return nil
}
