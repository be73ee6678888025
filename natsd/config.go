package natsd

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"
)

// ErrInvalidConfig reports a Config that Verify refuses; errors of Verify and Start wrap it.
var ErrInvalidConfig = errors.New("natsd: invalid config")

// Config configures an embedded NATS server. Start from DefaultConfig and change what you need.
type Config struct {
	// Name names the server in the cluster and in its logs; "" lets nats-server pick its id.
	// Clustered JetStream needs a stable, unique name per node.
	Name string
	// Host and Port are where clients connect. Port 0 picks a free port (see Server.ClientURL).
	Host string
	Port int
	// JetStream turns on JetStream (streams, KV), stored in StoreDir.
	JetStream bool
	// StoreDir is the JetStream store directory; it is required when JetStream is on.
	StoreDir string
	// MaxPayload bounds one message's payload, in bytes.
	MaxPayload int32
	// MaxConnections bounds the client connections at once.
	MaxConnections int
	// MaxMemoryStore and MaxFileStore bound what JetStream keeps in memory and on disk, in bytes.
	MaxMemoryStore int64
	MaxFileStore   int64
	// ClusterName, when not "", makes the server a cluster node listening for routes on
	// ClusterHost:ClusterPort (0: a free port) and connecting to Routes (nats-route://host:port,
	// retried until the peer is up). With JetStream, Routes must not be empty: list every
	// node's route, this one's included (nats-server ignores a route to itself), so that
	// nodes may start in any order.
	ClusterName string
	ClusterHost string
	ClusterPort int
	Routes      []string
	// StartTimeout bounds how long Start waits for the server to accept connections (and, with
	// JetStream, for JetStream to be ready), unless the context given to Start ends first.
	StartTimeout time.Duration
	// Logger receives the server's log lines (Debug for its debug and trace lines); nil means
	// nothing is logged.
	Logger *slog.Logger
}

// DefaultConfig returns a single node with JetStream on 127.0.0.1:4222, 1 MiB payloads,
// 10,000 connections, 256 MiB of memory store, 1 GiB of file store and a 10 s start timeout.
// StoreDir is empty: set it before Start.
func DefaultConfig() *Config {
	return &Config{
		Host:           "127.0.0.1",
		Port:           4222,
		JetStream:      true,
		MaxPayload:     1 << 20,
		MaxConnections: 10000,
		MaxMemoryStore: 256 << 20,
		MaxFileStore:   1 << 30,
		ClusterHost:    "127.0.0.1",
		StartTimeout:   10 * time.Second,
	}
}

// Verify reports whether c is usable, with an error wrapping ErrInvalidConfig if not.
func (c *Config) Verify() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c == nil:
		return bad("nil config")
	case c.Host == "":
		return bad("empty host")
	case c.Port < 0 || c.Port > 65535:
		return bad("port %d out of range", c.Port)
	case c.JetStream && c.StoreDir == "":
		return bad("JetStream needs a store directory")
	case c.MaxPayload <= 0:
		return bad("max payload %d must be positive", c.MaxPayload)
	case c.MaxConnections <= 0:
		return bad("max connections %d must be positive", c.MaxConnections)
	case c.JetStream && (c.MaxMemoryStore <= 0 || c.MaxFileStore <= 0):
		return bad("JetStream store limits must be positive")
	case c.StartTimeout <= 0:
		return bad("start timeout %v must be positive", c.StartTimeout)
	case c.ClusterPort < 0 || c.ClusterPort > 65535:
		return bad("cluster port %d out of range", c.ClusterPort)
	case c.ClusterName == "" && len(c.Routes) > 0:
		return bad("routes need a cluster name")
	case c.ClusterName != "" && c.JetStream && len(c.Routes) == 0:
		return bad("clustered JetStream needs routes (list every node, this one included)")
	case c.ClusterName != "" && c.ClusterHost == "":
		return bad("a cluster needs a cluster host")
	}
	for _, r := range c.Routes {
		if _, err := parseRoute(r); err != nil {
			return bad("route %q: %v", r, err)
		}
	}
	return nil
}

// parseRoute reads a route URL, nats-route://host:port (nats:// is accepted too).
func parseRoute(r string) (*url.URL, error) {
	u, err := url.Parse(r)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "nats-route" && u.Scheme != "nats" {
		return nil, errors.New("scheme must be nats-route")
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return nil, err
	}
	return u, nil
}
