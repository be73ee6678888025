package client

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// supervisordConf is a minimal supervisord configuration: its XML-RPC interface on a unix socket
// in dir, and one test program.
const supervisordConf = `[unix_http_server]
file=%(here)s/supervisor.sock

[supervisord]
nodaemon=true
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
user=root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:sleeper]
command=/bin/sleep 600
autostart=true
startsecs=1
stopwaitsecs=5
`

// processInfo is the part of supervisor.getProcessInfo's answer the test reads.
type processInfo struct {
	Name      string `xmlrpc:"name"`
	StateName string `xmlrpc:"statename"`
	PID       int    `xmlrpc:"pid"`
}

// TestAgainstSupervisord drives a real supervisord over its unix socket, as deployment tools do:
// read its state, list its processes, stop and start a program.
func TestAgainstSupervisord(t *testing.T) {
	bin := peertest.Command(t, "supervisord")
	dir := t.TempDir()
	conf := supervisordConf
	if os.Geteuid() != 0 {
		conf = strings.Replace(conf, "user=root\n", "", 1)
	}
	if err := os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-c", filepath.Join(dir, "supervisord.conf"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-waited
		}
	})

	c := newClient(t, "unix://"+filepath.Join(dir, "supervisor.sock"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Wait for the socket: until then calls fail, provably unsent.
	var state struct {
		Code int    `xmlrpc:"statecode"`
		Name string `xmlrpc:"statename"`
	}
	for {
		err := c.Call(ctx, "supervisor.getState", &state)
		if err == nil {
			break
		}
		var te *TransportError
		if !errors.As(err, &te) || !te.NotSent() || ctx.Err() != nil {
			t.Fatalf("supervisor.getState: %v\nsupervisord output:\n%s", err, out.String())
		}
		select {
		case err := <-waited:
			t.Fatalf("supervisord exited: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if state.Code != 1 || state.Name != "RUNNING" {
		t.Fatalf("supervisor.getState = %+v, want 1 RUNNING", state)
	}

	waitState := func(want string) processInfo {
		t.Helper()
		for {
			var infos []processInfo
			if err := c.Call(ctx, "supervisor.getAllProcessInfo", &infos); err != nil {
				t.Fatal(err)
			}
			if len(infos) != 1 || infos[0].Name != "sleeper" {
				t.Fatalf("getAllProcessInfo = %+v, want the one program", infos)
			}
			if infos[0].StateName == want {
				return infos[0]
			}
			if ctx.Err() != nil {
				t.Fatalf("sleeper is %s, want %s", infos[0].StateName, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	first := waitState("RUNNING")
	if first.PID <= 0 {
		t.Fatalf("running program has pid %d", first.PID)
	}

	var ok bool
	if err := c.Call(ctx, "supervisor.stopProcess", &ok, "sleeper"); err != nil || !ok {
		t.Fatalf("stopProcess: %v, %v", ok, err)
	}
	waitState("STOPPED")
	// Stopping it again is a fault (NOT_RUNNING, code 70), not a transport error.
	err := c.Call(ctx, "supervisor.stopProcess", &ok, "sleeper")
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != 70 {
		t.Fatalf("stopping a stopped program: %v", err)
	}
	if err := c.Call(ctx, "supervisor.startProcess", &ok, "sleeper"); err != nil || !ok {
		t.Fatalf("startProcess: %v, %v", ok, err)
	}
	second := waitState("RUNNING")
	if second.PID == first.PID {
		t.Fatalf("restarted program kept pid %d", first.PID)
	}

	// supervisord serves system.multicall too.
	var pid int
	var version string
	calls := []*Call{NewCall("supervisor.getPID", &pid), NewCall("supervisor.getSupervisorVersion", &version), NewCall("supervisor.nope", nil)}
	if err := c.MultiCall(ctx, calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || pid != cmd.Process.Pid || calls[1].Err != nil || version == "" || !errors.As(calls[2].Err, &f) {
		t.Fatalf("multicall: pid %d (%v), version %q (%v), %v", pid, calls[0].Err, version, calls[1].Err, calls[2].Err)
	}
}
