package statetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/registry"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/state"
)

// instanceEnv, when set, makes the test binary run one state instance (its JSON instanceSpec)
// instead of its tests.
const instanceEnv = "HARP_STATETEST_INSTANCE"

// instanceSpec is what an instance process is started with.
type instanceSpec struct {
	ID       string
	NATS     string // comma-separated client URLs
	Replicas int
	Beat     time.Duration
	TTL      time.Duration
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(instanceEnv); spec != "" {
		os.Exit(runInstance(spec))
	}
	code := m.Run()
	peertest.Report()
	os.Exit(code)
}

// runInstance serves one state instance over HTTP on a free port, announced in the registry
// with its role, until SIGTERM. It prints "READY url" once serving.
func runInstance(specJSON string) int {
	var sp instanceSpec
	if err := json.Unmarshal([]byte(specJSON), &sp); err != nil {
		fmt.Fprintln(os.Stderr, "instance spec:", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	nc, err := nats.Connect(sp.NATS, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats:", err)
		return 1
	}
	defer nc.Close()
	cfg := state.DefaultConfig()
	cfg.ID, cfg.Replicas, cfg.Beat, cfg.TTL = sp.ID, sp.Replicas, sp.Beat, sp.TTL
	cfg.OpTimeout = min(cfg.OpTimeout, sp.TTL/2)
	svc, err := state.New(ctx, nc, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "state:", err)
		return 1
	}
	reg, _ := rpc.NewRegistry(nil)
	if err := svc.Register(reg, ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	reg.MustRegister("stats", func() (state.Stats, error) { return svc.Stats(), nil }, "the instance's counters")
	srv, _ := server.New(reg, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	url := "http://" + ln.Addr().String() + "/RPC2"
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	js, _ := jetstream.New(nc)
	rcfg := registry.DefaultConfig()
	rcfg.Replicas = sp.Replicas
	an, err := registry.Announce(ctx, js, registry.Announcement{Service: "state", ID: sp.ID, URL: url, Role: registry.RoleStandby}, rcfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "announce:", err)
		return 1
	}
	fmt.Printf("READY %s\n", url)
	el := svc.Election()
	role := registry.RoleStandby
	for {
		st := el.Status()
		now := registry.RoleStandby
		if st.Master {
			now = registry.RoleMaster
		}
		if now != role {
			role = now
			fmt.Fprintf(os.Stderr, "%s %s is %s (term %d)\n", time.Now().Format("15:04:05.000"), sp.ID, role, st.Token)
			rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
			_ = an.Update(rctx, func(a *registry.Announcement) { a.Role, a.Term = role, st.Token })
			rcancel()
		}
		select {
		case <-ctx.Done():
			an.Close(context.Background())
			svc.Close(context.Background())
			hs.Close()
			return 0
		case <-el.Changes():
		}
	}
}

// instance is a state instance process started by a test.
type instance struct {
	spec instanceSpec
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startInstance starts an instance process and waits until it serves.
func startInstance(t testing.TB, sp instanceSpec) *instance {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(sp)
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), instanceEnv+"="+string(b))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, _ := cmd.StdoutPipe()
	logf, err := os.Create(fmt.Sprintf("%s/%s-%d.log", t.TempDir(), sp.ID, time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{spec: sp, cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- u
			}
		}
	}()
	go func() { cmd.Wait(); logf.Close(); close(in.done) }()
	t.Cleanup(in.kill)
	select {
	case in.url = <-ready:
		return in
	case <-in.done:
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("instance %s exited: %s", sp.ID, b)
	case <-time.After(30 * time.Second):
		t.Fatalf("instance %s not ready", sp.ID)
	}
	return nil
}

// kill sends SIGKILL (to a stopped process too) and waits for it to end.
func (in *instance) kill() {
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Kill()
	<-in.done
}
