package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// fleetFile starts one supervisord per program list and writes a fleet file naming them h1...
func fleetFile(t *testing.T, programs ...[]peertest.SupervisordProgram) (string, []*peertest.Supervisord) {
	t.Helper()
	var b strings.Builder
	b.WriteString("defaults:\n  timeout: 2s\nhosts:\n")
	var svs []*peertest.Supervisord
	for i, ps := range programs {
		cfg := peertest.SupervisordConfig{Programs: ps}
		if i == 1 {
			cfg.HTTP, cfg.Username, cfg.Password = true, "admin", "pw"
		}
		sv := peertest.StartSupervisord(t, cfg)
		svs = append(svs, sv)
		fmt.Fprintf(&b, "  h%d:\n    url: %s\n", i+1, sv.URL)
		if i == 1 {
			b.WriteString("    username: admin\n    password: pw\n")
		}
	}
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, svs
}

func fineProgs(names ...string) []peertest.SupervisordProgram {
	var ps []peertest.SupervisordProgram
	for _, n := range names {
		ps = append(ps, peertest.FineProgram(n))
	}
	return ps
}

// fleetStatusJSON runs harp fleet status --output json.
func fleetStatusJSON(t *testing.T, file string, selector ...string) (int, []statusJSON) {
	t.Helper()
	code, out, errs := runBin(t, append([]string{"fleet", "--fleet", file, "status", "--output", "json"}, selector...)...)
	var sts []statusJSON
	if err := json.Unmarshal([]byte(out), &sts); err != nil {
		t.Fatalf("status json: %v\n%s\n%s", err, out, errs)
	}
	return code, sts
}

// waitRunning waits until every host answers and has want processes RUNNING.
func waitFleetRunning(t *testing.T, file string, want int, selector ...string) []statusJSON {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, sts := fleetStatusJSON(t, file, selector...)
		ok := code == ExitOK
		for _, st := range sts {
			n := 0
			for _, p := range st.Processes {
				if p.State == "RUNNING" {
					n++
				}
			}
			ok = ok && n >= want
		}
		if ok {
			return sts
		}
		if time.Now().After(deadline) {
			t.Fatalf("fleet not running: %+v", sts)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func pidsOf(sts []statusJSON) map[string]int {
	out := map[string]int{}
	for _, st := range sts {
		for _, p := range st.Processes {
			if p.Name == "web" {
				out[st.Host] = p.PID
			}
		}
	}
	return out
}

func TestBinaryFleetStatusTableAndJSON(t *testing.T) {
	file, _ := fleetFile(t, fineProgs("web", "worker"), fineProgs("web"), []peertest.SupervisordProgram{peertest.ExitingProgram("web")})
	waitFleetRunning(t, file, 1, "h1,h2")
	_, sts := fleetStatusJSON(t, file)
	if len(sts) != 3 || len(sts[0].Processes) != 2 || sts[1].URL == "" || !sts[2].OK || sts[0].State != "RUNNING" {
		t.Fatalf("json: %+v", sts)
	}
	code, out, errs := runBin(t, "fleet", "--fleet", file, "status")
	if code != ExitOK || !regexp.MustCompile(`(?m)^HOST +PROGRAM +STATE +UPTIME +PID +EXIT +DESCRIPTION$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^h1 +worker +RUNNING +0:00:\d\d +\d+ +- +pid \d+, uptime`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^h3 +web +STOPPED +- +- +- +Not started$`).MatchString(out) || strings.Contains(out, "\x1b[") {
		t.Errorf("table (exit %d):\n%s%s", code, out, errs)
	}
	code, out, _ = runBin(t, "fleet", "--fleet", file, "status", "--color", "always", "h1")
	if code != ExitOK || !strings.Contains(out, "\x1b[32mRUNNING\x1b[0m") || strings.Contains(out, "h2") {
		t.Errorf("coloured h1 (exit %d):\n%s", code, out)
	}
}

func TestBinaryFleetStatusHostDown(t *testing.T) {
	file, svs := fleetFile(t, fineProgs("web"), fineProgs("web"), fineProgs("web"))
	waitFleetRunning(t, file, 1)
	svs[0].Pause()
	defer svs[0].Resume()
	svs[2].Kill()
	start := time.Now()
	code, sts := fleetStatusJSON(t, file)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("status took %v with a hung host and a 2s timeout", d)
	}
	if code != ExitFailure || sts[0].OK || !sts[1].OK || sts[2].OK || sts[0].Error == "" {
		t.Errorf("exit %d, %+v", code, sts)
	}
	code, out, errs := runBin(t, "fleet", "--fleet", file, "status")
	if code != ExitFailure || !regexp.MustCompile(`(?m)^h3 +- +DOWN `).MatchString(out) || !strings.Contains(errs, "2 of 3 hosts did not answer") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
	// A rollout that reaches a host it cannot call stops there, exit 3 (not a fault).
	code, out, errs = runBin(t, "fleet", "--fleet", file, "restart", "web", "h2,h3")
	if code != ExitFailure || !strings.Contains(out, "1 done, 1 failed, 0 untouched") || !strings.Contains(out, "restart web h3") {
		t.Errorf("restart onto a killed host: exit %d:\n%s%s", code, out, errs)
	}
}

func TestBinaryFleetTailFollowUntilInterrupted(t *testing.T) {
	file, _ := fleetFile(t, fineProgs("web"), fineProgs("web"), fineProgs("web"))
	waitFleetRunning(t, file, 1)
	var out, errb strings.Builder
	cmd := exec.Command(harpBin, "fleet", "--fleet", file, "tail", "-f", "web", "--bytes", "0")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("tail -f ended with %v: %s", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("tail -f did not end on SIGINT")
	}
	for _, h := range []string{"h1", "h2", "h3"} {
		if n := len(regexp.MustCompile(`(?m)^`+h+` \| web line \d+$`).FindAllString(out.String(), -1)); n < 5 {
			t.Errorf("%s: %d lines in 2s:\n%s", h, n, out.String())
		}
	}
}

func TestBinaryFleetRollingRestart(t *testing.T) {
	five := [][]peertest.SupervisordProgram{fineProgs("web"), fineProgs("web"), fineProgs("web"), fineProgs("web"), fineProgs("web")}
	file, _ := fleetFile(t, five...)
	before := pidsOf(waitFleetRunning(t, file, 1))
	code, out, errs := runBin(t, "fleet", "--fleet", file, "--batch", "2", "--dry-run", "restart", "web")
	if code != ExitOK || !strings.Contains(out, "in 3 batches of 2") || strings.Count(out, "web: restart (now RUNNING, pid") != 5 {
		t.Errorf("dry run (exit %d):\n%s%s", code, out, errs)
	}
	if after := pidsOf(waitFleetRunning(t, file, 1)); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the dry run changed pids: %v -> %v", before, after)
	}
	code, out, errs = runBin(t, "fleet", "--fleet", file, "--batch", "2", "--progress", "restart", "web")
	if code != ExitOK || !strings.Contains(out, "restart web: 5 of 5 hosts done in 3 batches") || !strings.Contains(errs, "batch 3/3, hosts 5/5 done") {
		t.Fatalf("restart (exit %d):\n%s%s", code, out, errs)
	}
	after := pidsOf(waitFleetRunning(t, file, 1))
	for h, pid := range before {
		if after[h] == pid {
			t.Errorf("%s not restarted", h)
		}
	}
}

func TestBinaryFleetRestartAbortsAndSaysHowToResume(t *testing.T) {
	bad := []peertest.SupervisordProgram{peertest.ExitingProgram("web")}
	file, _ := fleetFile(t, fineProgs("web"), fineProgs("web"), bad, fineProgs("web"), fineProgs("web"))
	waitFleetRunning(t, file, 1, "h1,h2,h4,h5")
	code, out, errs := runBin(t, "fleet", "--fleet", file, "restart", "web", "--output", "json")
	var rep struct {
		Completed bool     `json:"completed"`
		Remaining []string `json:"remaining"`
		Error     string   `json:"error"`
		Hosts     []struct {
			Host, Outcome string
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitFault || rep.Completed || strings.Join(rep.Remaining, ",") != "h3,h4,h5" ||
		rep.Hosts[2].Outcome != "failed" || rep.Hosts[3].Outcome != "untouched" || !strings.Contains(rep.Error, "FATAL") {
		t.Errorf("exit %d: %+v\n%s", code, rep, errs)
	}
	code, out, _ = runBin(t, "fleet", "--fleet", file, "restart", "web")
	if code != ExitFault || !strings.Contains(out, "restart web stopped: 2 done, 1 failed, 2 untouched") ||
		!strings.Contains(out, "resume with: harp fleet --fleet "+file+" restart web h3,h4,h5") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestBinaryFleetUpdate(t *testing.T) {
	file, svs := fleetFile(t, fineProgs("web", "old"), fineProgs("web", "old"))
	waitFleetRunning(t, file, 2)
	for _, sv := range svs {
		sv.SetPrograms(fineProgs("web", "new"))
	}
	code, out, errs := runBin(t, "fleet", "--fleet", file, "update", "--dry-run")
	if code != ExitOK || strings.Count(out, "old: stop and remove; new: add") != 2 {
		t.Errorf("dry run (exit %d):\n%s%s", code, out, errs)
	}
	code, out, errs = runBin(t, "fleet", "--fleet", file, "update")
	if code != ExitOK || !strings.Contains(out, "update: 2 of 2 hosts done") {
		t.Fatalf("update (exit %d):\n%s%s", code, out, errs)
	}
	for _, st := range waitFleetRunning(t, file, 2) {
		var names []string
		for _, p := range st.Processes {
			names = append(names, p.Name)
		}
		if strings.Join(names, ",") != "new,web" {
			t.Errorf("%s: %v", st.Host, names)
		}
	}
}

func TestBinaryFleetTail(t *testing.T) {
	file, _ := fleetFile(t, fineProgs("web"), fineProgs("web"))
	waitFleetRunning(t, file, 1)
	time.Sleep(500 * time.Millisecond)
	code, out, errs := runBin(t, "fleet", "--fleet", file, "tail", "web", "--bytes", "200")
	if code != ExitOK || !regexp.MustCompile(`(?m)^h1 \| web line \d+$`).MatchString(out) || !regexp.MustCompile(`(?m)^h2 \| web line \d+$`).MatchString(out) {
		t.Errorf("tail (exit %d):\n%s%s", code, out, errs)
	}
}

func TestBinaryFleetUsage(t *testing.T) {
	file, _ := fleetFile(t)
	os.WriteFile(file, []byte("hosts:\n  a:\n    url: http://127.0.0.1:1/RPC2\n    pasword: x\n"), 0o600)
	for _, args := range [][]string{
		{"fleet"}, {"fleet", "--fleet", file, "status"}, {"fleet", "--fleet", file, "frobnicate"},
		{"fleet", "--fleet", file, "restart"}, {"fleet", "--fleet", "/nonexistent.yaml", "status"},
	} {
		code, _, errs := runBin(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
	_, _, errs := runBin(t, "fleet", "--fleet", file, "status")
	if !strings.Contains(errs, file+":4:5: unknown key \"pasword\"") {
		t.Errorf("file error: %s", errs)
	}
	os.WriteFile(file, []byte("hosts:\n  a:\n    url: http://127.0.0.1:1/RPC2\n"), 0o600)
	for _, args := range [][]string{
		{"fleet", "--fleet", file, "restart", "web", "nosuchhost"}, {"fleet", "--fleet", file, "--batch", "0", "restart", "web"},
		{"fleet", "--fleet", file, "restart", "a b"}, {"fleet", "--fleet", file, "tail", "all"},
	} {
		code, _, errs := runBin(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
	if code, _, _ := runBin(t, "fleet", "--fleet", file, "status"); code != ExitFailure {
		t.Errorf("unreachable host: exit %d", code)
	}
}

func TestBinaryFleetHealthGate(t *testing.T) {
	file, _ := fleetFile(t, fineProgs("web"), fineProgs("web"), fineProgs("web"))
	waitFleetRunning(t, file, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/h2" {
			http.Error(w, "warming up", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	tmpl := srv.URL + "/{name}"
	code, out, errs := runBin(t, "fleet", "--fleet", file, "--health-url", tmpl, "--health-timeout", "1s", "signal", "CONT", "web")
	if code != ExitFault || !strings.Contains(out, "1 done, 1 failed, 1 untouched") ||
		!strings.Contains(out, "resume with: harp fleet --fleet "+file+" --health-url "+tmpl+" signal CONT web h2,h3") ||
		!strings.Contains(errs, "health check") || !strings.Contains(errs, "503") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
}

// On a terminal (a pty made by script(1)) states are coloured and the progress is one line
// rewritten in place.
func TestBinaryFleetOnATerminal(t *testing.T) {
	scriptBin := peertest.Command(t, "script")
	file, _ := fleetFile(t, fineProgs("web"), fineProgs("web"))
	waitFleetRunning(t, file, 1)
	run := func(args string) string {
		out, err := exec.Command(scriptBin, "-qec", harpBin+" fleet --fleet "+file+" "+args, "/dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%q", args, err, out)
		}
		return string(out)
	}
	out := run("status")
	if !strings.Contains(out, "\x1b[32mRUNNING\x1b[0m") {
		t.Errorf("status on a terminal: %q", out)
	}
	out = run("--batch 1 restart web")
	if !strings.Contains(out, "\r\x1b[Kbatch 2/2, hosts 2/2 done") || !strings.Contains(out, "\x1b[32mdone") ||
		!strings.Contains(out, "restart web: 2 of 2 hosts done") {
		t.Errorf("restart on a terminal: %q", out)
	}
}
