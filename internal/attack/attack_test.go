package attack

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scale is how hard TestAttacks attacks, and the bound it holds the server to.
type scale struct {
	bombs, slow, tricklers int
	values, echo           int           // values of a bomb, bytes of a slow reader's answer
	hold, duration         time.Duration // how long a slow reader holds, the attack lasts
	budgetMiB, allowMiB    int64         // the server's budget; what its RSS may exceed it by
	args                   []string
}

// small is the attack scaled down for go test: the same three kinds at once, against a 64 MiB
// budget with the per-peer limits off (as behind a gateway), so the global bounds are what hold.
var small = scale{
	bombs: 2, slow: 12, tricklers: 12,
	values: 2_097_052, echo: 4 << 20,
	hold: 3 * time.Second, duration: 6 * time.Second,
	budgetMiB: 64, allowMiB: allowMiB,
	args: []string{"-memory-budget", "64MiB", "-peer-share", "0", "-max-in-flight", "10", "-write-stall", "1s"},
}

// full is the attack: 8 value bombs, 100 slow readers of 15 MiB, 50 tricklers, against
// the default 256 MiB budget.
var full = scale{
	bombs: 8, slow: 100, tricklers: 50,
	values: 2_097_052, echo: 15 << 20,
	hold: 10 * time.Second, duration: 20 * time.Second,
	budgetMiB: 256, allowMiB: allowMiB,
	args: []string{"-peer-share", "0", "-max-in-flight", "10"},
}

// allowMiB is what the RSS may exceed the budget by: harp serve's default soft memory limit
// (-memory-limit auto) is the budget + 64 MiB, the garbage collector's room above what the
// budget holds; the rest is memory the limit does not count or overshoots, stacks and the
// kernel's share of the process.
const allowMiB = 64 + 48

// harpBinary returns the harp to attack: HARP_ATTACK_BINARY, or one built from cmd/harp.
func harpBinary(t *testing.T) string {
	if b := os.Getenv("HARP_ATTACK_BINARY"); b != "" {
		return b
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build harp with")
	}
	bin := filepath.Join(t.TempDir(), "harp")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/harp").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// kinds are the attackers one run sends: value bombs (1), slow readers (2), tricklers (3).
type kinds struct{ bombs, slow, tricklers bool }

var (
	allKinds = kinds{true, true, true}
	// perAttack are the runs of TestAttacks: each kind alone, then all three at once.
	perAttack = []struct {
		name string
		k    kinds
	}{
		{"value bombs", kinds{bombs: true}}, {"slow readers", kinds{slow: true}},
		{"tricklers", kinds{tricklers: true}}, {"all at once", allKinds},
	}
)

// outcome is what one attack run saw of the process under attack (RSS in KiB) and its bystander.
type outcome struct {
	idle, peak, hwm, after int64
	ok, failed             int
	reasons                []string
	bombs, slow, trickled  Counts
}

// attackRun runs the attackers k of sc against srv (of which pid is watched) for sc.duration,
// with a bystander calling add(2,3) from 127.0.0.2, and waits up to 5 s for the RSS to fall back.
func attackRun(t *testing.T, ctx context.Context, srv *Server, sc scale, k kinds, bomb, echo []byte) *outcome {
	t.Helper()
	time.Sleep(200 * time.Millisecond)
	o := &outcome{}
	o.idle, _ = Status(srv.PID(), "VmRSS")
	sp := Sample(srv.PID(), 50*time.Millisecond)
	actx, stop := context.WithTimeout(ctx, sc.duration)
	defer stop()
	wait, err := Bystander(actx, srv.Addr, "127.0.0.2", 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var waits []func()
	if k.bombs {
		w, err := ValueBombs(actx, srv.Addr, sc.bombs, bomb, &o.bombs)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
	}
	if k.slow {
		w, _ := SlowReaders(actx, srv.Addr, sc.slow, echo, sc.hold, &o.slow)
		waits = append(waits, w)
	}
	if k.tricklers {
		w, _ := Tricklers(actx, srv.Addr, sc.tricklers, 1_000_000, 500*time.Millisecond, &o.trickled)
		waits = append(waits, w)
	}
	o.ok, o.failed, o.reasons = wait()
	for _, w := range waits {
		w()
	}
	o.peak, _ = sp.Peak()
	o.hwm, _ = Status(srv.PID(), "VmHWM")
	// After the attack the process gives its memory back (see internal/budget's Reclaim).
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if _, o.after = sp.Peak(); o.after < o.idle+sc.budgetMiB<<10/8 {
			break
		}
	}
	if err := sp.Stop(); err != nil {
		t.Fatal(err)
	}
	return o
}

// check logs what o saw and holds it to sc's bound through report (t.Errorf, or t.Logf when
// only measuring): peak RSS under the budget plus the allowance, no failure of the bystander,
// RSS back under half the budget above idle, every attacker of k started.
func (o *outcome) check(t *testing.T, what string, sc scale, k kinds, report func(string, ...any)) {
	t.Helper()
	t.Logf("%s: idle RSS %d MiB; during the attack peak RSS %d MiB (VmHWM %d MiB); %v after, %d MiB",
		what, o.idle>>10, o.peak>>10, o.hwm>>10, 5*time.Second, o.after>>10)
	t.Logf("value bombs (%d): %v; slow readers (%d): %v; tricklers (%d): %v", sc.bombs, &o.bombs, sc.slow, &o.slow, sc.tricklers, &o.trickled)
	t.Logf("bystander add(2,3) from 127.0.0.2: %d ok, %d failed %q", o.ok, o.failed, o.reasons)
	if limit := (sc.budgetMiB + sc.allowMiB) << 10; o.hwm > limit {
		report("peak RSS %d MiB over the budget %d MiB + allowance %d MiB", o.hwm>>10, sc.budgetMiB, sc.allowMiB)
	}
	if o.failed > 0 || o.ok == 0 {
		report("the bystander saw %d failures and %d successes: %q", o.failed, o.ok, o.reasons)
	}
	if o.after >= o.idle+sc.budgetMiB<<10/2 {
		report("RSS still %d MiB 5 s after the attack (idle %d MiB)", o.after>>10, o.idle>>10)
	}
	if k.bombs && o.bombs.Sent.Load() == 0 || k.slow && o.slow.Sent.Load() == 0 || k.tricklers && o.trickled.Sent.Load() == 0 {
		report("an attacker never started")
	}
}

// TestAttacks runs each attack of issue 12 alone, then all three at once, against a real harp
// serve (a fresh process each time) and holds it to its budget: the peak RSS stays under the
// budget plus a fixed allowance, a bystander calling add(2,3) from another address sees no
// failure, and the RSS falls back after the attack. HARP_ATTACK=full runs the scale (a
// few minutes, and GiBs without the fixes); HARP_ATTACK_BINARY and HARP_ATTACK_ARGS attack
// another harp (an older one, to measure it) and only report what they see; HARP_ATTACK_ONLY
// runs only the run of that name ("all at once", say).
func TestAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("attacks a harp serve process for several seconds")
	}
	sc := small
	if os.Getenv("HARP_ATTACK") == "full" {
		sc = full
	}
	measureOnly := os.Getenv("HARP_ATTACK_BINARY") != ""
	args := sc.args
	if a, ok := os.LookupEnv("HARP_ATTACK_ARGS"); ok {
		args = strings.Fields(a)
	}
	bin := harpBinary(t)
	bomb, echo := ValueBomb(sc.values), EchoCall(sc.echo) // before the clock starts: slow under -race
	for _, run := range perAttack {
		if only := os.Getenv("HARP_ATTACK_ONLY"); only != "" && only != run.name {
			continue
		}
		t.Run(run.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), sc.duration+time.Minute)
			defer cancel()
			srv, err := Start(ctx, bin, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			o := attackRun(t, ctx, srv, sc, run.k, bomb, echo)
			rep := t.Errorf
			if measureOnly {
				rep = t.Logf
			}
			o.check(t, "harp serve "+strings.Join(args, " "), sc, run.k, rep)
		})
	}
}

func TestNotLoopback(t *testing.T) {
	var c Counts
	if _, err := ValueBombs(context.Background(), "192.0.2.1:80", 1, nil, &c); !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("err = %v, want ErrNotLoopback", err)
	}
	if _, err := Bystander(context.Background(), "example.com:80", "127.0.0.2", time.Second); !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("err = %v, want ErrNotLoopback", err)
	}
}
