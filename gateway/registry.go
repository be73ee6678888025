package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/registry"
)

// RegistrySource takes a pool's backends from the registry (package registry) on NATS
// JetStream instead of a list: the instances of Service that announce themselves there, as they
// join, change and leave. A joining instance takes traffic as soon as the watcher sees it
// (through the pool's slow start); one that dies leaves rotation by the pool's own failure
// detection or when its entry expires, whichever is first.
type RegistrySource struct {
	// NATS is the URL of a NATS server of the registry, e.g. nats://127.0.0.1:4222.
	NATS string `yaml:"nats"`
	// Service is the announced service whose instances are the pool's backends.
	Service string `yaml:"service"`
	// Bucket is the registry's KV bucket; registry.DefaultConfig's when empty.
	Bucket string `yaml:"bucket"`
	// MasterOnly routes to the instance announced as master only (registry.MasterOnly): the
	// master/standby routing of a service with an elected master.
	MasterOnly bool `yaml:"master_only"`
}

// registryDialTimeout bounds connecting to the registry and loading its entries when a pool
// starts.
const registryDialTimeout = 10 * time.Second

// source is a running RegistrySource: its connection and watcher, and the cluster it feeds.
type source struct {
	nc   *nats.Conn
	w    *registry.Watcher
	stop func()
}

// openSource connects to src's registry and loads its entries; follow then feeds a cluster.
func openSource(src *RegistrySource) (*source, []cluster.Endpoint, error) {
	nc, err := nats.Connect(src.NATS, nats.Name("harp gateway"), nats.MaxReconnects(-1), nats.Timeout(registryDialTimeout))
	if err != nil {
		return nil, nil, fmt.Errorf("registry %s: %w", src.NATS, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("registry %s: %w", src.NATS, err)
	}
	cfg := registry.DefaultConfig()
	if src.Bucket != "" {
		cfg.Bucket = src.Bucket
	}
	var filter registry.Filter
	if src.MasterOnly {
		filter = registry.MasterOnly
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryDialTimeout)
	defer cancel()
	w, err := registry.NewWatcher(ctx, js, src.Service, filter, cfg)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("registry %s, service %s: %w", src.NATS, src.Service, err)
	}
	eps, err := w.Resolve(ctx)
	if err != nil {
		w.Close()
		nc.Close()
		return nil, nil, err
	}
	return &source{nc: nc, w: w}, eps, nil
}

// follow makes c follow the registry's membership.
func (s *source) follow(c *cluster.Cluster) { s.stop = s.w.Follow(c) }

// close stops following and closes the watcher and the connection.
func (s *source) close() {
	if s.stop != nil {
		s.stop()
	}
	s.w.Close()
	s.nc.Close()
}
