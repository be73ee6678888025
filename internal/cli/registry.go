package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/registry"
)

func init() { register(registryCommand) }

var registryCommand = &Command{
	Name: "registry",
	Args: "ls|watch",
	Summary: "List (ls) or follow (watch) the servers announced in the registry on NATS JetStream.\n" +
		"Each line is one instance: service, id, role, URL, protocol, weight, zone and the age of its\n" +
		"last heartbeat; watch then prints every join, change, leave and expiry as it happens, until\n" +
		"interrupted. --service narrows to one service; --output json prints JSON (one object per\n" +
		"line for watch).",
	Flags: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		natsURL := fs.String("nats", nats.DefaultURL, "NATS server `URL`")
		service := fs.String("service", "", "only this service")
		bucket := fs.String("bucket", registry.DefaultConfig().Bucket, "registry KV bucket")
		output := registerOutput(fs, "what to print", "text", "json")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 || args[0] != "ls" && args[0] != "watch" {
				return usagef("want ls or watch")
			}
			cfg := registry.DefaultConfig()
			cfg.Bucket = *bucket
			if err := registry.VerifyConfig(cfg); err != nil {
				return usagef("%v", err)
			}
			js, closeNC, err := connectJetStream(*natsURL)
			if err != nil {
				return err
			}
			defer closeNC()
			w, err := registry.NewWatcher(ctx, js, *service, nil, cfg)
			if err != nil {
				return err
			}
			defer w.Close()
			if args[0] == "ls" {
				return printEntries(env.Stdout, w.Entries(), output.value == "json")
			}
			return watchRegistry(ctx, env, w, output.value == "json")
		}
	},
}

// connectJetStream connects to the NATS server at url and returns its JetStream and a function
// that closes the connection.
func connectJetStream(url string) (jetstream.JetStream, func(), error) {
	nc, err := nats.Connect(url, nats.Name("harp"), nats.Timeout(3*time.Second), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc.Close, nil
}

// entryJSON is one announcement as --output json prints it.
type entryJSON struct {
	registry.Announcement
	Revision uint64 `json:"revision"`
}

func printEntries(w io.Writer, entries []registry.Announcement, asJSON bool) error {
	if asJSON {
		out := make([]entryJSON, len(entries))
		for i, a := range entries {
			out[i] = entryJSON{a, a.Revision}
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tID\tROLE\tURL\tPROTOCOL\tWEIGHT\tZONE\tBEAT")
	for _, a := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s ago\n", a.Service, a.ID, dash(a.Role), a.URL,
			dash(a.Protocol), max(a.Weight, 1), dash(a.Zone), time.Since(a.Beat).Round(time.Millisecond))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// watchRegistry prints the current entries, then every event until ctx ends.
func watchRegistry(ctx context.Context, env *Env, w *registry.Watcher, asJSON bool) error {
	events, stop := w.Subscribe(1024)
	defer stop()
	if !asJSON {
		if err := printEntries(env.Stdout, w.Entries(), false); err != nil {
			return err
		}
	} else {
		for _, a := range w.Entries() {
			printEvent(env.Stdout, registry.Event{Time: time.Now(), Kind: "present", Announcement: a}, true)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			printEvent(env.Stdout, ev, asJSON)
		}
	}
}

func printEvent(w io.Writer, ev registry.Event, asJSON bool) {
	a := ev.Announcement
	if asJSON {
		b, _ := json.Marshal(struct {
			Time  time.Time          `json:"time"`
			Event registry.EventKind `json:"event"`
			Entry entryJSON          `json:"entry"`
		}{ev.Time.UTC(), ev.Kind, entryJSON{a, a.Revision}})
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	extra := []string{}
	if a.Role != "" {
		extra = append(extra, "role="+a.Role)
	}
	if a.Zone != "" {
		extra = append(extra, "zone="+a.Zone)
	}
	fmt.Fprintf(w, "%s %-7s %s/%s %s %s\n", ev.Time.Format("15:04:05.000"), ev.Kind, a.Service, a.ID, a.URL, strings.Join(extra, " "))
}
