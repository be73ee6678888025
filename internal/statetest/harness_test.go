package statetest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// natsNode adapts a peertest node to Node.
type natsNode struct{ n *peertest.NATSNode }

func (n natsNode) Name() string { return n.n.Name }
func (n natsNode) Kill()        { n.n.Kill() }

// Instance methods of a test's instance process.
func (in *instance) ID() string                 { return in.spec.ID }
func (in *instance) URL() string                { return in.url }
func (in *instance) Signal(sig os.Signal) error { return in.cmd.Process.Signal(sig) }
func (in *instance) Kill()                      { in.kill() }
func (in *instance) Alive() bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// newProof starts a three-node cluster of embedded NATS processes and returns a Proof whose
// instances are copies of the test binary, with the given lease.
func newProof(t testing.TB, beat, ttl time.Duration) *Proof {
	t.Helper()
	t.Setenv(peertest.NATSServerEnv, "embedded") // Debian's nats-server 2.9 has no atomic batches
	c := peertest.StartNATSCluster(t, 3)
	p := &Proof{NATS: c.URLs(), Instances: 3, Clients: 16, Increments: total(), TTL: ttl, Budget: 30 * time.Second, Logf: t.Logf, Verbose: os.Getenv("HARP_STATETEST_VERBOSE") != ""}
	for _, n := range c.Nodes {
		p.Nodes = append(p.Nodes, natsNode{n})
	}
	spec := instanceSpec{NATS: c.URLs(), Replicas: 3, Beat: beat, TTL: ttl}
	p.Launch = func(ctx context.Context, id string) (Instance, error) {
		sp := spec
		sp.ID = id
		return startInstance(t, sp), nil
	}
	return p
}

func total() int {
	if s := os.Getenv("HARP_NOLOSS_INCR"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	if testing.Short() {
		return 2000
	}
	return 20000
}
