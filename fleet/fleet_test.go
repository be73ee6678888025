package fleet_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/supervisord"
)

// testFleet starts one supervisord per program list and returns them and the parsed fleet file
// naming them h1, h2, ... (every other one over HTTP with Basic auth, the rest on unix sockets).
func testFleet(t *testing.T, programs ...[]peertest.SupervisordProgram) ([]*peertest.Supervisord, *fleet.Fleet, string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("defaults:\n  timeout: 2s\nhosts:\n")
	svs := make([]*peertest.Supervisord, len(programs))
	for i, progs := range programs {
		cfg := peertest.SupervisordConfig{Programs: progs}
		if i%2 == 1 {
			cfg.HTTP, cfg.Username, cfg.Password = true, "admin", "secret"
		}
		svs[i] = peertest.StartSupervisord(t, cfg)
	}
	for i, sv := range svs {
		fmt.Fprintf(&b, "  h%d:\n    url: %s\n", i+1, sv.URL)
		if i%2 == 1 {
			b.WriteString("    username: admin\n    password_env: FLEET_TEST_PASSWORD\n")
		}
	}
	var odd []string
	for i := 0; i < len(svs); i += 2 {
		odd = append(odd, fmt.Sprintf("h%d", i+1))
	}
	b.WriteString("groups:\n  odd: [" + strings.Join(odd, ", ") + "]\n")
	t.Setenv("FLEET_TEST_PASSWORD", "secret")
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fl, err := fleet.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return svs, fl, path
}

func fine(names ...string) []peertest.SupervisordProgram {
	var ps []peertest.SupervisordProgram
	for _, n := range names {
		ps = append(ps, peertest.FineProgram(n))
	}
	return ps
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitAll waits until every process on every host is RUNNING.
func waitAll(t *testing.T, fl *fleet.Fleet, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := true
		for _, st := range fleet.Status(testCtx(t), fl.Hosts, 0) {
			running := 0
			for _, p := range st.Processes {
				if p.State == supervisord.Running {
					running++
				}
			}
			if st.Err != nil || running < want[st.Host.Name] {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the fleet's processes did not all get RUNNING")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func pids(t *testing.T, fl *fleet.Fleet, program string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, st := range fleet.Status(testCtx(t), fl.Hosts, 0) {
		if st.Err != nil {
			t.Fatalf("%s: %v", st.Host.Name, st.Err)
		}
		for _, p := range st.Processes {
			if p.FullName() == program {
				out[st.Host.Name] = p.PID
			}
		}
	}
	return out
}

func TestStatusAcrossHosts(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web", "worker"), fine("web"), append(fine("web"), peertest.SlowProgram("slow", 1)))
	waitAll(t, fl, map[string]int{"h1": 2, "h2": 1, "h3": 2})
	sts := fleet.Status(testCtx(t), fl.Hosts, 2)
	if len(sts) != 3 {
		t.Fatalf("%d statuses", len(sts))
	}
	got := map[string][]string{}
	for _, st := range sts {
		if st.Err != nil {
			t.Fatalf("%s: %v", st.Host.Name, st.Err)
		}
		for _, p := range st.Processes {
			got[st.Host.Name] = append(got[st.Host.Name], p.FullName()+"="+p.State.String())
		}
	}
	for _, st := range sts {
		if st.State.Code != supervisord.SupervisorRunning {
			t.Errorf("%s: supervisord %v", st.Host.Name, st.State)
		}
	}
	want := map[string]string{"h1": "web=RUNNING worker=RUNNING", "h2": "web=RUNNING", "h3": "slow=RUNNING web=RUNNING"}
	for h, w := range want {
		if g := strings.Join(got[h], " "); g != w {
			t.Errorf("%s: %s, want %s", h, g, w)
		}
	}
}

func TestStatusHostDownWithinTimeout(t *testing.T) {
	svs, fl, _ := testFleet(t, fine("web"), fine("web"), fine("web"))
	svs[1].Pause() // accepts connections, answers nothing
	defer svs[1].Resume()
	svs[2].Pause() // hung at first, then killed while status waits for it
	start := time.Now()
	var sts []fleet.HostStatus
	done := make(chan struct{})
	go func() { sts = fleet.Status(testCtx(t), fl.Hosts, 0); close(done) }()
	time.Sleep(300 * time.Millisecond)
	svs[2].Kill()
	<-done
	elapsed := time.Since(start)
	if elapsed > 5*time.Second { // the hosts' timeout is 2s; the rest is slack for a loaded machine
		t.Errorf("status took %v with a hung host, want about its 2s timeout", elapsed)
	}
	if sts[0].Err != nil || len(sts[0].Processes) != 1 {
		t.Errorf("h1: %+v", sts[0])
	}
	if sts[1].Err == nil || supervisord.IsFault(sts[1].Err) || sts[2].Err == nil || supervisord.IsFault(sts[2].Err) {
		t.Errorf("hung h2: %v; killed h3: %v; want transport errors", sts[1].Err, sts[2].Err)
	}
	t.Logf("status with one hung host and one killed during the call: %v (h2: %v; h3: %v)", elapsed, sts[1].Err, sts[2].Err)
}

func TestRollingRestartInBatchesOfTwo(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web"), fine("web"), fine("web"), fine("web"), fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1, "h3": 1, "h4": 1, "h5": 1})
	before := pids(t, fl, "web")
	cfg := fleet.DefaultRolloutConfig()
	cfg.Target, cfg.Batch, cfg.PollInterval = "web", fleet.BatchSize{N: 2}, 50*time.Millisecond
	var events []fleet.Progress
	cfg.Progress = func(p fleet.Progress) { events = append(events, p) }
	rep, err := fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Completed || rep.Err() != nil || rep.Batches != 3 || rep.Count(fleet.Done) != 5 {
		t.Fatalf("report: %+v, %v", rep, rep.Err())
	}
	after := pids(t, fl, "web")
	for h, pid := range before {
		if after[h] == pid || after[h] == 0 {
			t.Errorf("%s: pid %d before, %d after", h, pid, after[h])
		}
	}
	batches := 0
	for _, e := range events {
		if e.Event == "batch" {
			batches++
		}
	}
	last := events[len(events)-1]
	if batches != 3 || last.HostsDone != 5 || last.Hosts != 5 {
		t.Errorf("progress: %d batch events, last %+v", batches, last)
	}
	for _, h := range rep.Hosts {
		if len(h.Changes) != 2 || h.Changes[0].Step != "stop" || h.Changes[1].Step != "start" || h.Changes[1].After != supervisord.Running {
			t.Errorf("%s: changes %+v", h.Host, h.Changes)
		}
	}
	t.Logf("restart of 5 hosts in batches of 2: %v", rep.Elapsed)
}

func TestRollingRestartAbortsOnTheThirdHost(t *testing.T) {
	bad := []peertest.SupervisordProgram{peertest.ExitingProgram("web")}
	_, fl, _ := testFleet(t, fine("web"), fine("web"), bad, fine("web"), fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1, "h4": 1, "h5": 1})
	before := pids(t, fl, "web")
	cfg := fleet.DefaultRolloutConfig()
	cfg.Target, cfg.Batch, cfg.PollInterval = "web", fleet.BatchSize{N: 1}, 50*time.Millisecond
	rep, err := fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := ""
	for _, h := range rep.Hosts {
		outcomes += h.Host + "=" + string(h.Outcome) + " "
	}
	if outcomes != "h1=done h2=done h3=failed h4=untouched h5=untouched " || rep.Completed {
		t.Fatalf("outcomes: %s", outcomes)
	}
	var re *fleet.RolloutError
	var pe *fleet.ProcessError
	if err := rep.Err(); !errors.As(err, &re) || re.Host != "h3" || !errors.As(err, &pe) || pe.State != supervisord.Fatal {
		t.Fatalf("Err = %v", err)
	}
	if r := strings.Join(rep.Remaining(), ","); r != "h3,h4,h5" {
		t.Errorf("Remaining = %s", r)
	}
	after := pids(t, fl, "web")
	for _, h := range []string{"h4", "h5"} {
		if after[h] != before[h] {
			t.Errorf("%s was touched: pid %d -> %d", h, before[h], after[h])
		}
	}
	for _, h := range []string{"h1", "h2"} {
		if after[h] == before[h] {
			t.Errorf("%s was not restarted", h)
		}
	}
}

func TestPlanChangesNothing(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web", "worker"), fine("web"), fine("worker"))
	waitAll(t, fl, map[string]int{"h1": 2, "h2": 1, "h3": 1})
	before := pids(t, fl, "web")
	cfg := fleet.DefaultRolloutConfig()
	cfg.Target, cfg.Batch = "web", fleet.BatchSize{N: 50, Percent: true}
	pl, err := fleet.MakePlan(testCtx(t), fl.Hosts, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Batches != 2 || pl.Hosts[0].Batch != 1 || pl.Hosts[1].Batch != 1 || pl.Hosts[2].Batch != 2 {
		t.Errorf("batches: %+v", pl)
	}
	if len(pl.Hosts[0].Steps) != 1 || pl.Hosts[0].Steps[0].Step != "restart" || pl.Hosts[0].Steps[0].PID != before["h1"] {
		t.Errorf("h1 plan: %+v", pl.Hosts[0])
	}
	if !errors.Is(pl.Hosts[2].Err, fleet.ErrNoProcess) {
		t.Errorf("h3 has no web: %v", pl.Hosts[2].Err)
	}
	if after := pids(t, fl, "web"); after["h1"] != before["h1"] || after["h2"] != before["h2"] {
		t.Errorf("a plan changed pids: %v -> %v", before, after)
	}
}

func TestUpdateAddsAndRemoves(t *testing.T) {
	svs, fl, _ := testFleet(t, fine("web", "old"), fine("web", "old"), fine("web", "old"))
	waitAll(t, fl, map[string]int{"h1": 2, "h2": 2, "h3": 2})
	for _, sv := range svs {
		sv.SetPrograms(fine("web", "new"))
	}
	cfg := fleet.DefaultRolloutConfig()
	cfg.Action, cfg.Batch, cfg.PollInterval = fleet.Update, fleet.BatchSize{N: 2}, 50*time.Millisecond
	pl, err := fleet.MakePlan(testCtx(t), fl.Hosts, cfg, 0)
	if err != nil || len(pl.Hosts[0].Steps) != 2 {
		t.Fatalf("plan: %+v, %v", pl, err)
	}
	rep, err := fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil || !rep.Completed {
		t.Fatalf("update: %+v, %v", rep, rep.Err())
	}
	for _, st := range fleet.Status(testCtx(t), fl.Hosts, 0) {
		var names []string
		for _, p := range st.Processes {
			names = append(names, p.Name+"="+p.State.String())
		}
		if g := strings.Join(names, " "); g != "new=RUNNING web=RUNNING" {
			t.Errorf("%s after update: %s", st.Host.Name, g)
		}
	}
	rep, err = fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil || !rep.Completed || len(rep.Hosts[0].Changes) != 0 {
		t.Errorf("second update: %+v, %v", rep, err)
	}
}

func TestStopStartAndSignal(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web", "worker"), fine("web", "worker"))
	waitAll(t, fl, map[string]int{"h1": 2, "h2": 2})
	cfg := fleet.DefaultRolloutConfig()
	cfg.Action, cfg.Target, cfg.Batch, cfg.PollInterval = fleet.Stop, "all", fleet.BatchSize{N: 100, Percent: true}, 50*time.Millisecond
	rep, err := fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil || !rep.Completed || rep.Batches != 1 || len(rep.Hosts[1].Changes) != 2 {
		t.Fatalf("stop all: %+v, %v", rep, err)
	}
	for _, st := range fleet.Status(testCtx(t), fl.Hosts, 0) {
		for _, p := range st.Processes {
			if p.State != supervisord.Stopped {
				t.Errorf("%s %s: %v after stop", st.Host.Name, p.Name, p.State)
			}
		}
	}
	cfg.Action = fleet.Signal
	cfg.Signal = "CONT"
	rep, _ = fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if !errors.Is(rep.Err(), supervisord.NotRunning) || rep.Hosts[0].Outcome != fleet.Failed {
		t.Errorf("signal to stopped processes: %v", rep.Err())
	}
	cfg.Action, cfg.Target = fleet.Start, "worker"
	rep, err = fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil || !rep.Completed || rep.Hosts[0].Changes[0].After != supervisord.Running {
		t.Fatalf("start worker: %+v, %v", rep, rep.Err())
	}
	cfg.Action = fleet.Signal
	rep, err = fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil || !rep.Completed || rep.Hosts[1].Changes[0].Step != "signal CONT" {
		t.Fatalf("signal CONT to worker: %+v, %v", rep, rep.Err())
	}
	cfg.Action = fleet.Start // already running: nothing to do, and fine
	if rep, err = fleet.Rollout(testCtx(t), fl.Hosts, cfg); err != nil || !rep.Completed {
		t.Errorf("start a running worker: %v", rep.Err())
	}
}

func TestInterruptedBetweenBatches(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web"), fine("web"), fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1, "h3": 1})
	cfg := fleet.DefaultRolloutConfig()
	cfg.Target, cfg.Pause, cfg.PollInterval = "web", time.Minute, 50*time.Millisecond
	ctx, cancel := context.WithCancel(testCtx(t))
	cfg.Progress = func(p fleet.Progress) {
		if p.Event == "pause" {
			cancel()
		}
	}
	start := time.Now()
	rep, err := fleet.Rollout(ctx, fl.Hosts, cfg)
	if err != nil || rep.Completed || !rep.Interrupted || rep.Count(fleet.Done) != 1 || rep.Count(fleet.Untouched) != 2 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the pause was not cut short: %v", time.Since(start))
	}
	var re *fleet.RolloutError
	if !errors.As(rep.Err(), &re) || strings.Join(re.Remaining, ",") != "h2,h3" {
		t.Errorf("Err = %v", rep.Err())
	}
}

func TestUpdateRestartsAChangedGroup(t *testing.T) {
	svs, fl, _ := testFleet(t, fine("web"), fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1})
	before := pids(t, fl, "web")
	web := peertest.FineProgram("web")
	web.Extra = map[string]string{"environment": "HARP_VERSION=2"}
	for _, sv := range svs {
		sv.SetPrograms([]peertest.SupervisordProgram{web})
	}
	cfg := fleet.DefaultRolloutConfig()
	cfg.Action, cfg.PollInterval = fleet.Update, 50*time.Millisecond
	rep, err := fleet.Rollout(testCtx(t), fl.Hosts, cfg)
	if err != nil || !rep.Completed {
		t.Fatalf("update: %+v, %v", rep, rep.Err())
	}
	var steps []string
	for _, c := range rep.Hosts[0].Changes {
		steps = append(steps, c.Process+" "+c.Step)
	}
	if strings.Join(steps, ", ") != "web stop group, web remove, web add, web running" {
		t.Errorf("steps: %v", steps)
	}
	after := pids(t, fl, "web")
	for h := range before {
		if after[h] == before[h] || after[h] == 0 {
			t.Errorf("%s: web not restarted by the update (%d -> %d)", h, before[h], after[h])
		}
	}
}

// An https:// host (supervisord behind a TLS proxy, as it has no TLS of its own) verified
// against the CA the fleet file names.
func TestStatusOverHTTPSWithTheFilesCA(t *testing.T) {
	sv := peertest.StartSupervisord(t, peertest.SupervisordConfig{HTTP: true, Programs: fine("web")})
	target, _ := url.Parse(sv.URL)
	srv := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target.Host}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted client's failed handshake
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	file := fmt.Sprintf("hosts:\n  tls:\n    url: %s/RPC2\n    ca: %s\n  untrusted:\n    url: %s/RPC2\n", srv.URL, ca, srv.URL)
	fl, err := fleet.Parse("f.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	sts := fleet.Status(testCtx(t), fl.Hosts, 0)
	if sts[0].Err != nil || len(sts[0].Processes) != 1 {
		t.Errorf("https with the CA: %+v", sts[0])
	}
	if sts[1].Err == nil || supervisord.IsFault(sts[1].Err) {
		t.Errorf("https without the CA: %v, want a TLS failure", sts[1].Err)
	}
}
