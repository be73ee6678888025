package peertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// rabbitScript is Debian's RabbitMQ start script run directly (not /usr/sbin's wrapper, which
// switches to the rabbitmq user and logs to /var/log).
const rabbitScript = "/usr/lib/rabbitmq/bin/rabbitmq-server"

// rabbitCtl is the matching rabbitmqctl.
const rabbitCtl = "/usr/lib/rabbitmq/bin/rabbitmqctl"

// RabbitStartTimeout bounds how long StartRabbit waits for the broker to accept AMQP logins.
// RabbitMQ takes 8-19 s to start on a loaded two-core machine.
const RabbitStartTimeout = 90 * time.Second

// Rabbit is a private RabbitMQ node on 127.0.0.1: its own AMQP, distribution and epmd ports,
// node name, data and log directories, started and stopped by PID. Its user is guest/guest.
type Rabbit struct {
	// URL is the broker's AMQP URL, as in amqp://guest:guest@127.0.0.1:PORT/.
	URL string
	// Node is the Erlang node name, for rabbitmqctl -n.
	Node string
	// Dir holds the node's data (mnesia), logs and Erlang cookie.
	Dir string

	epmdPort int
	server   *proc
	epmd     *proc
	stopOnce sync.Once
	stopErr  error
}

// StartRabbit starts a private RabbitMQ node with its files under dir (created if needed) and
// returns once it accepts AMQP logins, or fails after RabbitStartTimeout or when ctx ends. Its own
// epmd listens on 127.0.0.1 only, on a port of its own. The caller must Stop it.
func StartRabbit(ctx context.Context, dir string) (*Rabbit, error) {
	if _, err := os.Stat(rabbitScript); err != nil {
		return nil, fmt.Errorf("peertest: rabbitmq-server not installed: %w", err)
	}
	epmdPath, err := exec.LookPath("epmd")
	if err != nil {
		return nil, fmt.Errorf("peertest: epmd not found: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"mnesia", "log", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("peertest: %w", err)
		}
	}
	r := &Rabbit{
		URL:      fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", ports[0]),
		Node:     fmt.Sprintf("harp%d@localhost", ports[0]),
		Dir:      dir,
		epmdPort: ports[2],
	}
	epmd := exec.Command(epmdPath, "-address", "127.0.0.1", "-port", strconv.Itoa(r.epmdPort))
	if r.epmd, err = startProc(epmd); err != nil {
		return nil, fmt.Errorf("peertest: start epmd: %w", err)
	}
	server := exec.Command(rabbitScript)
	server.Env = append(r.env(),
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		"RABBITMQ_NODE_PORT="+strconv.Itoa(ports[0]),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(ports[1]),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq"),
		// The distribution port listens on 127.0.0.1 only, like AMQP.
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
	)
	out, err := os.Create(filepath.Join(dir, "log", "startup.log"))
	if err != nil {
		r.Stop()
		return nil, fmt.Errorf("peertest: %w", err)
	}
	defer out.Close()
	server.Stdout, server.Stderr = out, out
	if err := os.WriteFile(filepath.Join(dir, "enabled_plugins"), []byte("[].\n"), 0o644); err != nil {
		r.Stop()
		return nil, fmt.Errorf("peertest: %w", err)
	}
	if r.server, err = startProc(server); err != nil {
		r.Stop()
		return nil, fmt.Errorf("peertest: start rabbitmq-server: %w", err)
	}
	if err := r.waitReady(ctx); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// env is the environment both the node and rabbitmqctl run with: a private HOME (the Erlang
// cookie) and the private epmd.
func (r *Rabbit) env() []string {
	env := append(os.Environ(), "RABBITMQ_NODENAME="+r.Node, "ERL_EPMD_ADDRESS=127.0.0.1")
	if r.Dir != "" {
		env = append(env, "HOME="+filepath.Join(r.Dir, "home"))
	}
	if r.epmdPort != 0 { // else ERL_EPMD_PORT as inherited, for a broker HARP_RABBIT_URL names
		env = append(env, "ERL_EPMD_PORT="+strconv.Itoa(r.epmdPort))
	}
	return env
}

// waitReady polls until an AMQP login succeeds.
func (r *Rabbit) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, RabbitStartTimeout)
	defer cancel()
	exited := r.server.done
	var last error
	for {
		conn, err := amqp.Dial(r.URL)
		if err == nil {
			return conn.Close()
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("peertest: rabbitmq-server not ready (see %s): %w: %v",
				filepath.Join(r.Dir, "log"), ctx.Err(), last)
		case <-exited:
			return fmt.Errorf("peertest: rabbitmq-server exited early (see %s)", filepath.Join(r.Dir, "log"))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Ctl runs rabbitmqctl against the node with args and returns its standard output.
func (r *Rabbit) Ctl(ctx context.Context, args ...string) ([]byte, error) {
	if r.Node == "" {
		return nil, errors.New("peertest: no node name for rabbitmqctl")
	}
	cmd := exec.CommandContext(ctx, rabbitCtl, append([]string{"-q", "-n", r.Node}, args...)...)
	cmd.Env = r.env()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out, fmt.Errorf("peertest: rabbitmqctl %v: %w: %s", args, err, ee.Stderr)
		}
		return out, fmt.Errorf("peertest: rabbitmqctl %v: %w", args, err)
	}
	return out, nil
}

// Stop ends the node and its epmd: SIGTERM to each process group it started, SIGKILL after 20 s.
// It is safe to call more than once.
func (r *Rabbit) Stop() error {
	r.stopOnce.Do(func() {
		r.stopErr = errors.Join(stopGroup(r.server, 20*time.Second), stopGroup(r.epmd, 5*time.Second))
	})
	return r.stopErr
}

// proc is a process started as the leader of its own process group, reaped by one goroutine.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has exited and been reaped
}

// startProc starts cmd in a process group of its own.
func startProc(cmd *exec.Cmd) (*proc, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stopGroup ends the process group led by p: SIGTERM, then SIGKILL after grace.
func stopGroup(p *proc, grace time.Duration) error {
	if p == nil {
		return nil
	}
	pid := p.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-p.done
	}
	// Whatever is left of the group (beam's children) goes too.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return nil
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("peertest: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

var shared struct {
	once sync.Once
	r    *Rabbit
	dir  string
	err  error
}

// RabbitEnv names the environment variable that points the tests at an already running broker
// (an AMQP URL) instead of starting one; HARP_RABBIT_NODE and HARP_RABBIT_HOME then name its
// node and HOME for rabbitmqctl, if it is to be used.
const RabbitEnv = "HARP_RABBIT_URL"

// SharedRabbit returns the test binary's one private RabbitMQ node, started at the first call
// (or the broker HARP_RABBIT_URL names), or skips/fails t as Missing does when it cannot start.
// A package that uses it calls StopSharedRabbit from TestMain after m.Run.
func SharedRabbit(t testing.TB) *Rabbit {
	t.Helper()
	shared.once.Do(func() {
		if r := rabbitFromEnv(); r != nil {
			shared.r = r
			return
		}
		if _, err := os.Stat(rabbitScript); err != nil {
			shared.err = errors.New("rabbitmq-server not installed (apt-get install rabbitmq-server)")
			return
		}
		dir, err := os.MkdirTemp("", "harp-rabbit-")
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		shared.r, shared.err = StartRabbit(context.Background(), dir)
	})
	if shared.err != nil {
		Missing(t, shared.err.Error())
	}
	return shared.r
}

// StopSharedRabbit stops the node SharedRabbit started, if any, and removes its files.
func StopSharedRabbit() {
	if shared.r != nil && shared.dir != "" {
		shared.r.Stop()
		os.RemoveAll(shared.dir)
	}
}

// RabbitFor returns a RabbitMQ node for t alone, stopped by t's cleanup (or the broker
// HARP_RABBIT_URL names), or skips/fails t as Missing does. It is for packages whose TestMain
// cannot call StopSharedRabbit; it costs a broker start (about 6 s) per test.
func RabbitFor(t testing.TB) *Rabbit {
	t.Helper()
	if r := rabbitFromEnv(); r != nil {
		return r
	}
	if _, err := os.Stat(rabbitScript); err != nil {
		Missing(t, "rabbitmq-server not installed (apt-get install rabbitmq-server)")
	}
	r, err := StartRabbit(context.Background(), t.TempDir())
	if err != nil {
		Missing(t, err.Error())
	}
	t.Cleanup(func() { r.Stop() })
	return r
}

// rabbitFromEnv returns the broker HARP_RABBIT_URL names, or nil.
func rabbitFromEnv() *Rabbit {
	u := os.Getenv(RabbitEnv)
	if u == "" {
		return nil
	}
	r := &Rabbit{URL: u, Node: os.Getenv("HARP_RABBIT_NODE")}
	if h := os.Getenv("HARP_RABBIT_HOME"); h != "" {
		r.Dir = filepath.Dir(h)
	}
	return r
}
