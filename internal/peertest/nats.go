package peertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/natsd"
)

// natsNodeEnv, when set in a test binary's environment, makes the binary run one embedded NATS
// node (its JSON natsNodeSpec) instead of its tests: the fallback when Debian's nats-server is
// not installed, so that a node is still a process of its own that can be SIGKILLed.
const natsNodeEnv = "HARP_PEERTEST_NATS_NODE"

// NATSServerEnv, set to "embedded", makes StartNATSCluster run embedded nodes even when
// Debian's nats-server is installed.
const NATSServerEnv = "HARP_NATS_SERVER"

// natsNodeSpec is what a node process is started with.
type natsNodeSpec struct {
	Name, Dir         string
	Port, ClusterPort int
	Routes            []string
}

func init() {
	if spec := os.Getenv(natsNodeEnv); spec != "" {
		os.Exit(runNATSNode(spec))
	}
}

// runNATSNode runs the embedded node spec describes until SIGTERM or SIGINT.
func runNATSNode(spec string) int {
	var s natsNodeSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, "peertest: nats node spec:", err)
		return 2
	}
	cfg := natsd.DefaultConfig()
	cfg.Name, cfg.Port, cfg.StoreDir = s.Name, s.Port, s.Dir
	cfg.ClusterName, cfg.ClusterPort, cfg.Routes = "harp-test", s.ClusterPort, s.Routes
	srv, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peertest: nats node:", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return 1
	}
	return 0
}

// NATSNode is one node of a NATSCluster: a process of its own on 127.0.0.1.
type NATSNode struct {
	Name      string
	ClientURL string // nats://127.0.0.1:PORT
	RouteURL  string // nats-route://127.0.0.1:PORT
	// Embedded reports that the node is this package's embedded server in a process of its own,
	// not Debian's nats-server.
	Embedded bool
	spec     natsNodeSpec
	bin      string
	cmd      *exec.Cmd
	done     chan struct{}
	log      *os.File
}

// NATSCluster is a JetStream cluster of separate NATS server processes with routes between
// them, started by StartNATSCluster and stopped when its test ends.
type NATSCluster struct {
	Nodes []*NATSNode
}

// StartNATSCluster starts n NATS server processes clustered with routes and JetStream, each
// with its own store under t.TempDir(): Debian's nats-server when installed (unless
// HARP_NATS_SERVER=embedded), else the embedded nats-server/v2 of package natsd in a copy of
// the test binary. It returns once every node accepts clients and JetStream answers; the nodes
// are killed when t ends.
func StartNATSCluster(t testing.TB, n int) *NATSCluster {
	t.Helper()
	if os.Getenv(natsNodeEnv) != "" {
		t.Fatal("peertest: a NATS node process ran tests")
	}
	bin, embedded := natsBinary(t)
	ports, err := freePorts(2 * n)
	if err != nil {
		t.Fatal(err)
	}
	c := &NATSCluster{}
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[n+i]))
	}
	root := t.TempDir()
	for i := range n {
		nd := &NATSNode{
			Name: fmt.Sprintf("n%d", i), Embedded: embedded, bin: bin,
			ClientURL: fmt.Sprintf("nats://127.0.0.1:%d", ports[i]), RouteURL: routes[i],
			spec: natsNodeSpec{Name: fmt.Sprintf("n%d", i), Dir: filepath.Join(root, fmt.Sprint("n", i)),
				Port: ports[i], ClusterPort: ports[n+i], Routes: routes},
		}
		c.Nodes = append(c.Nodes, nd)
		t.Cleanup(func() { nd.Kill() })
		if err := nd.start(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, nd := range c.Nodes {
		if err := nd.waitClients(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.WaitJetStream(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// natsBinary picks the server program: Debian's, or the test binary itself.
func natsBinary(t testing.TB) (string, bool) {
	if os.Getenv(NATSServerEnv) != "embedded" {
		if p, err := exec.LookPath("nats-server"); err == nil {
			return p, false
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self, true
}

// URLs returns every node's client URL, comma-separated, as nats.Connect takes them.
func (c *NATSCluster) URLs() string {
	var u []string
	for _, n := range c.Nodes {
		u = append(u, n.ClientURL)
	}
	return strings.Join(u, ",")
}

// WaitJetStream waits until JetStream answers on every live node (a meta leader is elected)
// and can place a stream replicated on all of them.
func (c *NATSCluster) WaitJetStream(ctx context.Context) error {
	var alive []*NATSNode
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		if err := n.waitJetStream(ctx); err != nil {
			return err
		}
		alive = append(alive, n)
	}
	if len(alive) == 0 {
		return nil
	}
	return alive[0].waitPlacement(ctx, len(alive))
}

// waitPlacement waits until JetStream can place a stream of the given replicas: answering
// account requests, the meta group may not yet count every node as a peer, and a stream
// created then fails with "no suitable peers for placement". It creates a probe stream, then
// deletes it.
func (n *NATSNode) waitPlacement(ctx context.Context, replicas int) error {
	nc, js, err := n.jetStream()
	if err != nil {
		return err
	}
	defer nc.Close()
	cfg := jetstream.StreamConfig{Name: "PEERTEST_PLACEMENT", Subjects: []string{"peertest.placement"},
		Replicas: replicas, Storage: jetstream.MemoryStorage}
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := js.CreateOrUpdateStream(actx, cfg)
		if err == nil {
			err = js.DeleteStream(actx, cfg.Name)
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peertest: JetStream placement of %d replicas: %w (last: %v)", replicas, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (n *NATSNode) start() error {
	if err := os.MkdirAll(n.spec.Dir, 0o755); err != nil {
		return err
	}
	var cmd *exec.Cmd
	if n.Embedded {
		b, _ := json.Marshal(n.spec)
		cmd = exec.Command(n.bin, "-test.run=^$")
		cmd.Env = append(os.Environ(), natsNodeEnv+"="+string(b))
	} else {
		cmd = exec.Command(n.bin, "-n", n.spec.Name, "-a", "127.0.0.1", "-p", strconv.Itoa(n.spec.Port),
			"-js", "-sd", n.spec.Dir, "--cluster_name", "harp-test",
			"--cluster", fmt.Sprintf("nats://127.0.0.1:%d", n.spec.ClusterPort),
			"--routes", strings.Join(n.spec.Routes, ","))
	}
	log, err := os.Create(filepath.Join(n.spec.Dir, "..", n.spec.Name+".log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("peertest: start %s: %w", n.Name, err)
	}
	n.cmd, n.log, n.done = cmd, log, make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(n.done) }()
	return nil
}

// Alive reports whether the node's process is running.
func (n *NATSNode) Alive() bool {
	if n.done == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// Kill SIGKILLs the node's process (no goodbye to its peers or clients) and waits for it.
func (n *NATSNode) Kill() {
	if !n.Alive() {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.done
}

// Restart starts a killed node again on its ports and store, and waits until it takes clients.
func (n *NATSNode) Restart(ctx context.Context) error {
	n.Kill()
	if err := n.start(); err != nil {
		return err
	}
	return n.waitClients(ctx)
}

// Log returns what the node wrote so far, for a failing test.
func (n *NATSNode) Log() string {
	b, _ := os.ReadFile(filepath.Join(n.spec.Dir, "..", n.spec.Name+".log"))
	return string(b)
}

func (n *NATSNode) waitClients(ctx context.Context) error {
	addr := strings.TrimPrefix(n.ClientURL, "nats://")
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if !n.Alive() {
			return fmt.Errorf("peertest: NATS node %s exited: %s", n.Name, n.Log())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peertest: NATS node %s not accepting clients: %w", n.Name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// jetStream connects to the node and returns the connection, to close, and its JetStream.
func (n *NATSNode) jetStream() (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(n.ClientURL)
	if err != nil {
		return nil, nil, fmt.Errorf("peertest: NATS node %s: %w", n.Name, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

func (n *NATSNode) waitJetStream(ctx context.Context) error {
	nc, js, err := n.jetStream()
	if err != nil {
		return err
	}
	defer nc.Close()
	for {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := js.AccountInfo(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peertest: JetStream on %s: %w (last: %v)", n.Name, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
