package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// pyBackend is a CPython SimpleXMLRPCServer process (testdata/pybackend.py).
type pyBackend struct {
	url string
	cmd *exec.Cmd
}

// startPython starts testdata/pybackend.py NAME MODE [RUNLOG] and waits (bounded) for its port.
// It is stopped when the test ends: stdin closed, then killed; a stopped (SIGSTOP) one is
// continued first.
func startPython(t testing.TB, name, mode, runlog string) *pyBackend {
	t.Helper()
	py := peertest.Python(t)
	args := []string{"testdata/pybackend.py", name, mode}
	if runlog != "" {
		args = append(args, runlog)
	}
	cmd := exec.Command(py, args...)
	p := peertest.StartPort(t, cmd)
	return &pyBackend{url: "http://127.0.0.1:" + p + "/RPC2", cmd: cmd}
}

// CPython backends (threaded and single-threaded) behind the gateway, called by CPython's
// xmlrpc.client (plain calls, a fault, a multicall split across pools, listMethods) and by harp.
func TestCPythonBehindGateway(t *testing.T) {
	a, b := startPython(t, "a", "threaded", ""), startPython(t, "b", "single", "")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  a: {backends: [{url: %q}]}
  b: {backends: [{url: %q}]}
routes:
  - {methods: ["user.*"], pool: a}
  - {pool: b}
`, a.url, b.url), nil)
	out, err := exec.Command(peertest.Python(t), "testdata/pyclient.py", gw.url).CombinedOutput()
	if err != nil {
		t.Fatalf("pyclient: %v\n%s", err, out)
	}
	for _, want := range []string{
		"add 5", "whoami b", "user.whoami a", "fault 1 <class 'ValueError'>:no",
		"multicall ['b', 'a', 42]", "listMethods add die fail run slow system.listMethods",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pyclient output lacks %q:\n%s", want, out)
		}
	}
	var sum int
	if err := newClient(t, gw.url).Call(context.Background(), "add", &sum, 20, 22); err != nil || sum != 42 {
		t.Errorf("harp client: %d %v", sum, err)
	}
}

// loadResult counts what 64 callers saw.
type loadResult struct {
	idemOK, idemFailed, runOK, runFailed, runAnswered atomic.Int64
}

// runLoad runs 64 callers against url until stop closes (at most limit): each alternates
// idempotent add and non-idempotent run(key) with unique keys.
func runLoad(t *testing.T, url string, stop <-chan struct{}, limit time.Duration) *loadResult {
	res := &loadResult{}
	c := newClient(t, url, client.WithMaxIdleConnsPerHost(64))
	var wg sync.WaitGroup
	deadline := time.Now().Add(limit)
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				var sum int
				if err := c.Call(ctx, "add", &sum, w, i); err != nil || sum != w+i {
					res.idemFailed.Add(1)
					if res.idemFailed.Load() <= 3 {
						var se *client.StatusError
						if errors.As(err, &se) {
							t.Logf("body: %s", se.Body)
						}
						t.Errorf("idempotent add(%d, %d): %d, %v", w, i, sum, err)
					}
				} else {
					res.idemOK.Add(1)
				}
				var who string
				err := c.Call(ctx, "run", &who, fmt.Sprintf("k%d-%d", w, i))
				cancel()
				var se *client.StatusError
				var f *xmlrpc.Fault
				switch {
				case err == nil:
					res.runOK.Add(1)
				case errors.As(err, &se) || errors.As(err, &f):
					res.runFailed.Add(1)
					res.runAnswered.Add(1) // a 502/503/504 or a fault: an answer, never a silent close
				default:
					res.runFailed.Add(1)
					t.Logf("run: not an answer: %v", err)
				}
			}
		}()
	}
	t.Cleanup(wg.Wait)
	go func() { wg.Wait() }()
	return res
}

// checkRunLog fails t when any run key ran more than once.
func checkRunLog(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, k := range strings.Fields(string(data)) {
		seen[k]++
		if seen[k] == 2 {
			t.Errorf("non-idempotent run(%s) ran twice", k)
		}
	}
	return len(seen)
}

const faultPool = `
listeners: [{address: LISTEN}]
limits: {call_timeout: 4s}
pools:
  p:
    backends: [{url: %q}, {url: %q}, {url: %q}]
    idempotent: [add]
    attempt_timeout: 500ms
    health: {interval: 250ms, fast_interval: 100ms, down_interval: 250ms, timeout: 1s, rise: 2, fall: 2}
    max_in_flight: 256
    retry: {max_attempts: 4, budget_ratio: 0.5, budget_reserve: 100}
routes: [{pool: p}]
`

// Under load from 64 callers, one of three CPython backends killed with SIGKILL: no idempotent
// call fails, and no non-idempotent call runs twice (counted in the backends' shared run log).
func TestKillUnderLoad(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a load test bound by 500 ms attempt timeouts: run it without -short and -race")
	}
	runlog := filepath.Join(t.TempDir(), "runs")
	bs := []*pyBackend{startPython(t, "a", "threaded", runlog), startPython(t, "b", "threaded", runlog), startPython(t, "c", "threaded", runlog)}
	gw := startGateway(t, fmt.Sprintf(faultPool, bs[0].url, bs[1].url, bs[2].url), nil)
	stop := make(chan struct{})
	res := runLoad(t, gw.url, stop, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	bs[1].cmd.Process.Kill()
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	waitFor(t, 10*time.Second, func() bool { return poolOf(gw, "p").InFlight == 0 })
	ran := checkRunLog(t, runlog)
	t.Logf("idempotent ok %d failed %d; run ok %d failed %d (answered %d); %d distinct runs logged",
		res.idemOK.Load(), res.idemFailed.Load(), res.runOK.Load(), res.runFailed.Load(), res.runAnswered.Load(), ran)
	if res.idemFailed.Load() != 0 {
		t.Errorf("%d idempotent calls failed", res.idemFailed.Load())
	}
	if res.runFailed.Load() != res.runAnswered.Load() {
		t.Errorf("%d failed calls got no answer", res.runFailed.Load()-res.runAnswered.Load())
	}
}

// Under load, one of three CPython backends frozen with SIGSTOP: it leaves rotation within a
// second, idempotent calls stuck on it are retried within their deadline, and no non-idempotent
// call runs twice.
func TestFreezeUnderLoad(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a load test bound by 500 ms attempt timeouts: run it without -short and -race")
	}
	runlog := filepath.Join(t.TempDir(), "runs")
	bs := []*pyBackend{startPython(t, "a", "threaded", runlog), startPython(t, "b", "threaded", runlog), startPython(t, "c", "threaded", runlog)}
	gw := startGateway(t, fmt.Sprintf(faultPool, bs[0].url, bs[1].url, bs[2].url), nil)
	stop := make(chan struct{})
	res := runLoad(t, gw.url, stop, 15*time.Second)
	time.Sleep(500 * time.Millisecond)
	frozen := time.Now()
	bs[1].cmd.Process.Signal(syscall.SIGSTOP)
	var out time.Duration
	waitFor(t, 5*time.Second, func() bool {
		for _, b := range poolOf(gw, "p").Backends {
			if b.URL == bs[1].url && b.State != "healthy" && b.State != "slow_start" {
				out = time.Since(frozen)
				return true
			}
		}
		return false
	})
	time.Sleep(1500 * time.Millisecond)
	bs[1].cmd.Process.Signal(syscall.SIGCONT)
	thawed := time.Now()
	var back time.Duration
	defer func() {
		if back == 0 {
			t.Logf("status: %+v", poolOf(gw, "p").Backends)
			for _, ev := range gw.gw.Status().Events {
				t.Logf("event %+v", ev)
			}
		}
	}()
	waitFor(t, 10*time.Second, func() bool {
		for _, b := range poolOf(gw, "p").Backends {
			if b.URL == bs[1].url && (b.State == "healthy" || b.State == "slow_start") {
				back = time.Since(thawed)
				return true
			}
		}
		return false
	})
	close(stop)
	waitFor(t, 10*time.Second, func() bool { return poolOf(gw, "p").InFlight == 0 })
	time.Sleep(200 * time.Millisecond) // calls the frozen backend ran late reach the log
	ran := checkRunLog(t, runlog)
	t.Logf("out of rotation %v after SIGSTOP, back %v after SIGCONT; idempotent ok %d failed %d; run ok %d failed %d (answered %d); %d runs logged",
		out, back, res.idemOK.Load(), res.idemFailed.Load(), res.runOK.Load(), res.runFailed.Load(), res.runAnswered.Load(), ran)
	if out > time.Second {
		t.Errorf("the frozen backend left rotation after %v, want within 1s", out)
	}
	if res.idemFailed.Load() != 0 {
		t.Errorf("%d idempotent calls failed", res.idemFailed.Load())
	}
}

// A backend that dies in the middle of a call: CPython's xmlrpc.client, which re-sends a call
// once when its kept-alive connection drops, gets a 502 naming the failure instead, and the
// call ran exactly once.
func TestBackendDiesMidCallPythonClient(t *testing.T) {
	runlog := filepath.Join(t.TempDir(), "runs")
	a, b := startPython(t, "a", "threaded", runlog), startPython(t, "b", "threaded", runlog)
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
pools:
  p: {backends: [{url: %q}, {url: %q}], health: {method: none}, idempotent: [add]}
routes: [{pool: p}]
`, a.url, b.url), nil)
	out, err := exec.Command(peertest.Python(t), "testdata/pydie.py", gw.url).CombinedOutput()
	if err != nil {
		t.Fatalf("pydie: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "protocol-error 502") {
		t.Errorf("pydie: %s; want a 502", out)
	}
	if n := checkRunLog(t, runlog); n != 1 {
		t.Errorf("%d runs logged, want 1", n)
	}
}
