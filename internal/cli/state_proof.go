package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/harp-rpc/harp/internal/statetest"
)

// stateProof checks harp state proof's flags and runs it.
func stateProof(ctx context.Context, env *Env, increments, clients, instances int, beat, ttl time.Duration, logs string) error {
	switch {
	case increments < 100 || increments > 1_000_000:
		return usagef("--increments must be 100 to 1,000,000")
	case clients < 1 || clients > 256:
		return usagef("--clients must be 1 to 256")
	case instances < 2 || instances > 3:
		return usagef("--instances must be 2 or 3")
	case ttl < time.Second || ttl < 2*beat:
		return usagef("--ttl must be at least 1s and twice --beat")
	}
	return runStateProof(ctx, env, increments, clients, instances, beat, ttl, logs)
}

func runStateProof(ctx context.Context, env *Env, increments, clients, instances int, beat, ttl time.Duration, logs string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir := logs
	if dir == "" {
		if dir, err = os.MkdirTemp("", "harp-state-proof"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	nodes, urls, err := startProofBrokers(ctx, self, dir)
	defer func() {
		for _, n := range nodes {
			n.Kill()
		}
	}()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "harp: NATS cluster of 3 harp broker processes on %s\n", urls)
	p := &statetest.Proof{
		Nodes: nodes, NATS: urls, Instances: instances, Clients: clients, Increments: increments, TTL: ttl,
		Budget: 30 * time.Second,
		Logf:   func(f string, a ...any) { fmt.Fprintf(env.Stderr, "harp: "+f+"\n", a...) },
		Launch: func(ctx context.Context, id string) (statetest.Instance, error) {
			return startProofInstance(ctx, self, dir, id, urls, beat, ttl)
		},
	}
	r, err := p.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, r)
	if !r.OK() {
		return fmt.Errorf("%w: the proof found %d problems", errCallsFailed, len(r.Problems))
	}
	return nil
}

// proc is a child process of the proof: a broker node or a state instance.
type proc struct {
	name string
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) Name() string               { return p.name }
func (p *proc) ID() string                 { return p.name }
func (p *proc) URL() string                { return p.url }
func (p *proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill sends SIGKILL (which ends a stopped process too) and waits for the process to end.
func (p *proc) Kill() {
	if p.Alive() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// Alive reports whether the process is running.
func (p *proc) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// startProc starts bin with args, logging to dir/name.log, and waits until a line of its
// stdout or stderr (as from says) matches re; the first submatch is the process's URL.
func startProc(ctx context.Context, bin, dir, name string, re *regexp.Regexp, fromStderr bool, args ...string) (*proc, error) {
	log, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano())))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	if fromStderr {
		cmd.Stdout, cmd.Stderr = log, io.MultiWriter(log, pw)
	} else {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(log, pw), log
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { cmd.Wait(); pw.Close(); log.Close(); close(p.done) }()
	select {
	case p.url = <-found:
		go io.Copy(io.Discard, pr) // keep the pipe drained
		return p, nil
	case <-p.done:
		b, _ := os.ReadFile(log.Name())
		return nil, fmt.Errorf("%s exited: %s", name, strings.TrimSpace(string(b)))
	case <-time.After(30 * time.Second):
		p.Kill()
		return nil, fmt.Errorf("%s not ready within 30s", name)
	case <-ctx.Done():
		p.Kill()
		return nil, ctx.Err()
	}
}

// startProofBrokers starts three clustered harp broker processes on free loopback ports.
func startProofBrokers(ctx context.Context, self, dir string) ([]statetest.Node, string, error) {
	ports, err := freeLoopbackPorts(6)
	if err != nil {
		return nil, "", err
	}
	var routes, urls []string
	for i := range 3 {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(ports[3+i]))
		urls = append(urls, "nats://127.0.0.1:"+strconv.Itoa(ports[i]))
	}
	var nodes []statetest.Node
	for i := range 3 {
		name := fmt.Sprintf("n%d", i)
		p, err := startProc(ctx, self, dir, name, regexp.MustCompile(`^(nats://\S+)`), false,
			"broker", "--name", name, "--listen", "127.0.0.1:"+strconv.Itoa(ports[i]),
			"--store", filepath.Join(dir, name), "--cluster-name", "harp-proof",
			"--cluster-listen", "127.0.0.1:"+strconv.Itoa(ports[3+i]), "--routes", strings.Join(routes, ","))
		if err != nil {
			return nodes, "", err
		}
		nodes = append(nodes, p)
	}
	for _, u := range urls {
		if err := waitJetStream(ctx, u); err != nil {
			return nodes, "", err
		}
	}
	return nodes, strings.Join(urls, ","), nil
}

// waitJetStream waits up to 30 s until JetStream answers on the node at url (the cluster has
// elected its meta leader).
func waitJetStream(ctx context.Context, url string) error {
	js, closeNC, err := connectJetStream(url)
	if err != nil {
		return err
	}
	defer closeNC()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		actx, acancel := context.WithTimeout(ctx, time.Second)
		_, err := js.AccountInfo(actx)
		acancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("JetStream on %s: %w (last: %v)", url, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// startProofInstance starts one harp state serve process on the brokers.
func startProofInstance(ctx context.Context, self, dir, id, urls string, beat, ttl time.Duration) (statetest.Instance, error) {
	p, err := startProc(ctx, self, dir, id, regexp.MustCompile(`serving on (http://\S+)`), true,
		"state", "serve", "--nats", urls, "--replicas", "3", "--addr", "127.0.0.1:0", "--id", id,
		"--beat", beat.String(), "--ttl", ttl.String(), "--register", urls, "--register-replicas", "3")
	if err != nil {
		return nil, err
	}
	return p, nil
}

// freeLoopbackPorts returns n ports free on 127.0.0.1 a moment ago.
func freeLoopbackPorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
