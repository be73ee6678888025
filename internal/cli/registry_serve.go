package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/harp-rpc/harp/registry"
	"github.com/harp-rpc/harp/server"
)

func init() { registerServeExtra(registryServeExtra) }

// registryFlags are the announcement flags of harp serve and harp state serve.
type registryFlags struct {
	url      *string
	self     *string
	service  *string
	zone     *string
	weight   *int
	meta     *string
	beat     *time.Duration
	ttl      *time.Duration
	replicas *int
}

func (f *registryFlags) declare(fs *flag.FlagSet, service string) {
	f.url = fs.String("register", "", "announce this server in the registry on the NATS server at `URL`")
	f.self = fs.String("register-url", "", "the `URL` to announce (default: the listener's, which must then not be 0.0.0.0 for others to reach it)")
	f.service = fs.String("register-service", service, "service name to announce under")
	f.zone = fs.String("register-zone", "", "zone to announce")
	f.weight = fs.Int("register-weight", 1, "weight to announce")
	f.meta = fs.String("register-meta", "", "metadata to announce: `k=v,k=v`")
	f.beat = fs.Duration("register-beat", registry.DefaultConfig().Beat, "heartbeat period")
	f.ttl = fs.Duration("register-ttl", registry.DefaultConfig().TTL, "announcement TTL without a heartbeat")
	f.replicas = fs.Int("register-replicas", 1, "replicas of the registry bucket when this server creates it (3 on a three-node NATS cluster)")
}

// announcement builds the announcement of a server at url, or a usage error.
func (f *registryFlags) announcement(url, protocol, role string) (registry.Announcement, *registry.Config, error) {
	if *f.self != "" {
		url = *f.self
	}
	a := registry.Announcement{Service: *f.service, URL: url, Protocol: protocol, Weight: *f.weight, Zone: *f.zone, Role: role}
	if *f.meta != "" {
		a.Metadata = map[string]string{}
		for _, kv := range strings.Split(*f.meta, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return a, nil, usagef("--register-meta: %q is not k=v", kv)
			}
			a.Metadata[k] = v
		}
	}
	cfg := registry.DefaultConfig()
	cfg.Beat, cfg.TTL, cfg.Replicas = *f.beat, *f.ttl, *f.replicas
	if err := registry.VerifyConfig(cfg); err != nil {
		return a, nil, usagef("%v", err)
	}
	return a, cfg, nil
}

// announce connects to the registry and announces a; the returned function removes the
// announcement and closes the connection.
func (f *registryFlags) announce(ctx context.Context, env *Env, a registry.Announcement, cfg *registry.Config) (*registry.Announcer, func() error, error) {
	js, closeNC, err := connectJetStream(*f.url)
	if err != nil {
		return nil, nil, err
	}
	an, err := registry.Announce(ctx, js, a, cfg)
	if err != nil {
		closeNC()
		return nil, nil, err
	}
	got := an.Announcement()
	fmt.Fprintf(env.Stderr, "harp: announced %s/%s at %s in the registry on %s\n", got.Service, got.ID, got.URL, *f.url)
	return an, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.OpTimeout)
		defer cancel()
		err := an.Close(ctx)
		closeNC()
		return err
	}, nil
}

// registryServeExtra is harp serve --register URL.
func registryServeExtra(fs *flag.FlagSet) serveExtraRun {
	var f registryFlags
	f.declare(fs, "demo")
	return func(ctx context.Context, env *Env, srv *server.Server, url string) (func() error, error) {
		if *f.url == "" {
			return nil, nil
		}
		a, cfg, err := f.announcement(url, "", "")
		if err != nil {
			return nil, err
		}
		_, remove, err := f.announce(ctx, env, a, cfg)
		if err != nil {
			return nil, err
		}
		return func() error {
			<-ctx.Done()
			return remove()
		}, nil
	}
}
