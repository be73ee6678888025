package supervisord_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/supervisord"
	"github.com/harp-rpc/harp/xmlrpc"
)

func start(t *testing.T, cfg peertest.SupervisordConfig) (*peertest.Supervisord, *supervisord.Client) {
	t.Helper()
	sv := peertest.StartSupervisord(t, cfg)
	c, err := supervisord.New(sv.URL, &supervisord.Config{
		Username: cfg.Username, Password: cfg.Password, Timeout: 20 * time.Second,
		DialTimeout: time.Second, MaxLogRead: 1 << 16,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return sv, c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestStateVersionsAndSystem(t *testing.T) {
	sv, c := start(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{peertest.FineProgram("web")},
		Username: "u", Password: "p"})
	x := ctx(t)
	st, err := c.GetState(x)
	if err != nil || st.Code != supervisord.SupervisorRunning || st.Name != "RUNNING" {
		t.Fatalf("GetState = %+v, %v", st, err)
	}
	if v, err := c.GetAPIVersion(x); err != nil || v == "" {
		t.Errorf("GetAPIVersion = %q, %v", v, err)
	}
	if v, err := c.GetSupervisorVersion(x); err != nil || !strings.Contains(v, ".") {
		t.Errorf("GetSupervisorVersion = %q, %v", v, err)
	}
	if pid, err := c.GetPID(x); err != nil || pid != sv.PID() {
		t.Errorf("GetPID = %d, %v, want %d", pid, err, sv.PID())
	}
	if id, err := c.GetIdentification(x); err != nil || id == "" {
		t.Errorf("GetIdentification = %q, %v", id, err)
	}
	ms, err := c.ListMethods(x)
	if err != nil || !slices.Contains(ms, "supervisor.tailProcessStdoutLog") || !slices.Contains(ms, "system.multicall") {
		t.Fatalf("ListMethods = %v, %v", ms, err)
	}
	if h, err := c.MethodHelp(x, "supervisor.getState"); err != nil || h == "" {
		t.Errorf("MethodHelp = %q, %v", h, err)
	}
	sig, err := c.MethodSignature(x, "supervisor.getProcessInfo")
	if err != nil || len(sig) != 1 || sig[0][0] != "struct" {
		t.Errorf("MethodSignature = %v, %v", sig, err)
	}
	if log, err := c.ReadLog(x, -200, 0); err != nil || !strings.Contains(log, "supervisord started") {
		t.Errorf("ReadLog = %q, %v", log, err)
	}
}

func TestWrongPasswordIsNotAFault(t *testing.T) {
	sv := peertest.StartSupervisord(t, peertest.SupervisordConfig{Username: "u", Password: "p"})
	c, err := supervisord.New(sv.URL, &supervisord.Config{Username: "u", Password: "wrong", Timeout: 5 * time.Second, MaxLogRead: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.GetState(ctx(t))
	var se *client.StatusError
	if !errors.As(err, &se) || se.StatusCode() != 401 || supervisord.IsFault(err) {
		t.Fatalf("err = %v, want a 401 StatusError and no fault", err)
	}
}

func TestProcessLifecycleAndFaults(t *testing.T) {
	_, c := start(t, peertest.SupervisordConfig{HTTP: true, Programs: []peertest.SupervisordProgram{
		peertest.FineProgram("web"), peertest.ExitingProgram("bad"),
	}})
	x := ctx(t)
	waitState(t, c, "web", supervisord.Running)
	p, err := c.GetProcessInfo(x, "web")
	if err != nil || p.PID == 0 || p.StateName != "RUNNING" || p.FullName() != "web" {
		t.Fatalf("GetProcessInfo = %+v, %v", p, err)
	}
	err = c.StartProcess(x, "web", true)
	var f *supervisord.Fault
	if !errors.Is(err, supervisord.AlreadyStarted) || !errors.As(err, &f) || f.Method != "supervisor.startProcess" || f.Detail != "web" {
		t.Errorf("start a started process: %v", err)
	}
	var wire *xmlrpc.Fault
	if !errors.As(err, &wire) || wire.Code != 60 {
		t.Errorf("the wire fault is not reachable: %v", err)
	}
	if _, err := c.GetProcessInfo(x, "nosuch"); !errors.Is(err, supervisord.BadName) {
		t.Errorf("unknown process: %v", err)
	}
	if err := c.StartProcess(x, "bad", true); !errors.Is(err, supervisord.AbnormalTermination) && !errors.Is(err, supervisord.SpawnError) {
		t.Errorf("start of a program that exits at once: %v", err)
	}
	if err := c.SignalProcess(x, "web", "NOSUCH"); !errors.Is(err, supervisord.BadSignal) {
		t.Errorf("bad signal: %v", err)
	}
	if err := c.SignalProcess(x, "web", "CONT"); err != nil {
		t.Errorf("SignalProcess: %v", err)
	}
	if err := c.StopProcess(x, "web", true); err != nil {
		t.Fatalf("StopProcess: %v", err)
	}
	if err := c.StopProcess(x, "web", true); !errors.Is(err, supervisord.NotRunning) {
		t.Errorf("stop a stopped process: %v", err)
	}
	rs, err := c.StartProcessGroup(x, "web", true)
	if err != nil || len(rs) != 1 || rs[0].Err() != nil || rs[0].Name != "web" {
		t.Errorf("StartProcessGroup = %+v, %v", rs, err)
	}
	rs, err = c.StopAllProcesses(x, true)
	if err != nil || len(rs) != 1 {
		t.Errorf("StopAllProcesses = %+v, %v", rs, err)
	}
	cfgs, err := c.GetAllConfigInfo(x)
	if err != nil || len(cfgs) != 2 {
		t.Fatalf("GetAllConfigInfo = %+v, %v", cfgs, err)
	}
	for _, ci := range cfgs {
		if ci.Name == "web" && (ci.StartSecs != 1 || !ci.Autostart || !strings.Contains(ci.Command, "line")) {
			t.Errorf("config of web: %+v", ci)
		}
	}
}

func waitState(t *testing.T, c *supervisord.Client, name string, want supervisord.ProcessState) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p, err := c.GetProcessInfo(ctx(t), name)
		if err == nil && p.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: state %v (%v), want %v", name, p.State, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestLogsAndTail(t *testing.T) {
	web := peertest.FineProgram("web")
	web.Extra = map[string]string{"stderr_logfile": "NONE"}
	_, c := start(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{web}})
	x := ctx(t)
	waitState(t, c, "web", supervisord.Running)
	time.Sleep(300 * time.Millisecond)
	tl, err := c.TailProcessStdoutLog(x, "web", 0, 0)
	if err != nil || tl.Offset == 0 || tl.Data != "" {
		t.Fatalf("tail for the size = %+v, %v", tl, err)
	}
	s, err := c.ReadProcessStdoutLog(x, "web", 0, int(tl.Offset))
	if err != nil || !strings.HasPrefix(s, "web line 1\n") || len(s) != int(tl.Offset) {
		t.Fatalf("ReadProcessStdoutLog = %q, %v", s, err)
	}
	time.Sleep(300 * time.Millisecond)
	tl2, err := c.TailProcessStdoutLog(x, "web", tl.Offset, 4)
	if err != nil || !tl2.Overflow || len(tl2.Data) != 4 || tl2.Offset <= tl.Offset {
		t.Fatalf("tail past 4 bytes = %+v, %v", tl2, err)
	}
	if _, err := c.ReadProcessStdoutLog(x, "web", 0, 1<<20); err == nil || supervisord.IsFault(err) {
		t.Errorf("a read over MaxLogRead was sent: %v", err)
	}
	if _, err := c.ReadProcessStdoutLog(x, "web", 0, 0); err == nil {
		t.Error("an unbounded read was sent")
	}
	if _, err := c.TailProcessStdoutLog(x, "nosuch", 0, 10); !errors.Is(err, supervisord.BadName) {
		t.Errorf("tail of an unknown process: %v", err)
	}
	if s, err := c.ReadProcessStderrLog(x, "web", 0, 10); !errors.Is(err, supervisord.NoFile) {
		t.Errorf("stderr log never configured: %q, %v", s, err)
	}
	if err := c.ClearProcessLogs(x, "web"); err != nil {
		t.Fatal(err)
	}
	if tl, err := c.TailProcessStdoutLog(x, "web", 0, 0); err != nil || tl.Offset > 100 {
		t.Errorf("after clearing: %+v, %v", tl, err)
	}
}

func TestReloadAddRemove(t *testing.T) {
	sv, c := start(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{peertest.FineProgram("web")}})
	x := ctx(t)
	if ch, err := c.ReloadConfig(x); err != nil || !ch.Empty() {
		t.Fatalf("ReloadConfig unchanged = %+v, %v", ch, err)
	}
	sv.SetPrograms([]peertest.SupervisordProgram{peertest.FineProgram("api")})
	ch, err := c.ReloadConfig(x)
	if err != nil || !slices.Equal(ch.Added, []string{"api"}) || !slices.Equal(ch.Removed, []string{"web"}) || len(ch.Changed) != 0 {
		t.Fatalf("ReloadConfig = %+v, %v", ch, err)
	}
	if err := c.RemoveProcessGroup(x, "web"); !errors.Is(err, supervisord.StillRunning) {
		t.Errorf("removing a running group: %v", err)
	}
	if _, err := c.StopProcessGroup(x, "web", true); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveProcessGroup(x, "web"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddProcessGroup(x, "api"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddProcessGroup(x, "api"); !errors.Is(err, supervisord.AlreadyAdded) {
		t.Errorf("adding twice: %v", err)
	}
	waitState(t, c, "api", supervisord.Running)
}

func TestMulticallPositional(t *testing.T) {
	_, c := start(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{peertest.FineProgram("web")}})
	x := ctx(t)
	waitState(t, c, "web", supervisord.Running)
	var st supervisord.State
	var all []supervisord.ProcessInfo
	var pid int
	var tail []any
	calls := []*supervisord.Call{
		{Method: "supervisor.getState", Reply: &st},
		{Method: "supervisor.getAllProcessInfo", Reply: &all},
		{Method: "supervisor.getProcessInfo", Args: []any{"nosuch"}},
		{Method: "supervisor.getPID", Reply: &pid},
		{Method: "supervisor.tailProcessStdoutLog", Args: []any{"web", 0, 0}, Reply: &tail},
	}
	if err := c.Multicall(x, calls...); err != nil {
		t.Fatal(err)
	}
	if calls[0].Err != nil || st.Code != supervisord.SupervisorRunning {
		t.Errorf("getState: %+v, %v", st, calls[0].Err)
	}
	// A one-element array result must stay an array: supervisord does not wrap results.
	if calls[1].Err != nil || len(all) != 1 || all[0].Name != "web" {
		t.Errorf("getAllProcessInfo: %+v, %v", all, calls[1].Err)
	}
	if !errors.Is(calls[2].Err, supervisord.BadName) {
		t.Errorf("getProcessInfo nosuch: %v", calls[2].Err)
	}
	if calls[3].Err != nil || pid == 0 {
		t.Errorf("getPID: %d, %v", pid, calls[3].Err)
	}
	if calls[4].Err != nil || len(tail) != 3 {
		t.Errorf("tail: %v, %v", tail, calls[4].Err)
	}
}

func TestUnreachableIsATransportError(t *testing.T) {
	sv, c := start(t, peertest.SupervisordConfig{})
	sv.Stop()
	_, err := c.GetState(ctx(t))
	var te *client.TransportError
	if !errors.As(err, &te) || !te.NotSent() || supervisord.IsFault(err) || !strings.Contains(err.Error(), "supervisor.getState") {
		t.Fatalf("err = %v, want a not-sent TransportError naming the method", err)
	}
}
