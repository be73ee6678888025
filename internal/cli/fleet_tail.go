package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/harp-rpc/harp/fleet"
)

func fleetTail(ctx context.Context, env *Env, o *fleetOptions, hosts []*fleet.Host, program string) error {
	cfg := fleet.DefaultTailConfig(program)
	cfg.Follow, cfg.Stderr, cfg.Initial = o.follow, o.stderr, o.bytes
	if err := cfg.Verify(); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	width := 0
	for _, h := range hosts {
		width = max(width, len(h.Name))
	}
	jsonOut := o.output.value == "json"
	var werr error
	emit := func(l fleet.Line) {
		if werr != nil {
			return
		}
		if jsonOut {
			b, err := json.Marshal(l)
			if err == nil {
				_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
			}
			werr = err
			return
		}
		if l.Note {
			fmt.Fprintf(env.Stderr, "%-*s | %s\n", width, l.Host, l.Text)
			return
		}
		_, werr = fmt.Fprintf(env.Stdout, "%-*s | %s\n", width, l.Host, strings.TrimSuffix(l.Text, "\r"))
	}
	err := fleet.Follow(ctx, hosts, cfg, emit)
	if werr != nil {
		return werr
	}
	if err != nil {
		return &fleetError{err: err, fault: isServiceFailure(err)}
	}
	return nil
}
