package supervisord_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/supervisord"
)

func TestStdinEventsGroupsAndAll(t *testing.T) {
	cat := peertest.SupervisordProgram{Name: "cat", Command: "/bin/cat", StartSecs: 0, AutoStart: true}
	_, c := start(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{cat, peertest.FineProgram("web")}})
	x := ctx(t)
	waitState(t, c, "cat", supervisord.Running)
	if err := c.SendProcessStdin(x, "cat", "hello from harp\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := c.ReadProcessStdoutLog(x, "cat", 0, 100)
		if err == nil && strings.Contains(s, "hello from harp") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cat's log: %q, %v", s, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.SendRemoteCommEvent(x, "harp-test", "data"); err != nil {
		t.Errorf("SendRemoteCommEvent: %v", err)
	}
	waitState(t, c, "web", supervisord.Running)
	rs, err := c.SignalProcessGroup(x, "web", "CONT")
	if err != nil || len(rs) != 1 || rs[0].Err() != nil {
		t.Errorf("SignalProcessGroup = %+v, %v", rs, err)
	}
	rs, err = c.SignalAllProcesses(x, "CONT")
	if err != nil || len(rs) != 2 {
		t.Errorf("SignalAllProcesses = %+v, %v", rs, err)
	}
	if _, err := c.SignalProcessGroup(x, "nosuch", "CONT"); !errors.Is(err, supervisord.BadName) {
		t.Errorf("signal an unknown group: %v", err)
	}
	rs, err = c.ClearAllProcessLogs(x)
	if err != nil || len(rs) != 2 {
		t.Errorf("ClearAllProcessLogs = %+v, %v", rs, err)
	}
	if rs, err = c.StopAllProcesses(x, true); err != nil || len(rs) != 2 {
		t.Fatalf("StopAllProcesses = %+v, %v", rs, err)
	}
	if rs, err = c.StartAllProcesses(x, true); err != nil || len(rs) != 2 || rs[0].Err() != nil || rs[1].Err() != nil {
		t.Fatalf("StartAllProcesses = %+v, %v", rs, err)
	}
	if err := c.ClearLog(x); err != nil {
		t.Errorf("ClearLog: %v", err)
	}
}

func TestRestartAndShutdown(t *testing.T) {
	sv, c := start(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{peertest.FineProgram("web")}})
	x := ctx(t)
	if err := c.Restart(x); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.GetState(x)
		if err == nil && st.Code == supervisord.SupervisorRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %+v, %v", st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pid, err := c.GetPID(x); err != nil || pid != sv.PID() {
		t.Errorf("supervisord restarts in place: pid %d, %v; want %d", pid, err, sv.PID())
	}
	if err := c.Shutdown(x); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, err := c.GetState(x)
		var te *client.TransportError
		if errors.As(err, &te) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still answering after shutdown: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
