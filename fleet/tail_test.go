package fleet_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/internal/peertest"
)

// rotating prints 50 lines a second into a log that supervisord rotates at 1 KB.
func rotating(name string) peertest.SupervisordProgram {
	p := peertest.FineProgram(name)
	p.Command = `/bin/sh -c 'i=0; while true; do i=$((i+1)); echo "` + name + ` line $i"; sleep 0.02; done'`
	p.Extra = map[string]string{"stdout_logfile_maxbytes": "1KB", "stdout_logfile_backups": "1"}
	return p
}

type lines struct {
	mu  sync.Mutex
	all []fleet.Line
}

func (l *lines) add(x fleet.Line) { l.mu.Lock(); l.all = append(l.all, x); l.mu.Unlock() }

func (l *lines) snapshot() []fleet.Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]fleet.Line(nil), l.all...)
}

// after returns the lines of host after the first note containing s ("" for all of them).
func after(ls []fleet.Line, host, s string) (notes, text int) {
	seen := s == ""
	for _, l := range ls {
		if l.Host != host {
			continue
		}
		if l.Note && strings.Contains(l.Text, s) {
			seen = true
			notes++
			continue
		}
		if seen && !l.Note {
			text++
		}
	}
	return notes, text
}

func TestFollowThreeHostsThroughRotationAndAHostThatGoesAway(t *testing.T) {
	svs, fl, _ := testFleet(t, fine("web"), []peertest.SupervisordProgram{rotating("web")}, fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1, "h3": 1})
	cfg := fleet.DefaultTailConfig("web")
	cfg.Follow, cfg.Interval, cfg.MaxBackoff = true, 100*time.Millisecond, 400*time.Millisecond
	ctx, cancel := context.WithCancel(testCtx(t))
	var got lines
	done := make(chan error, 1)
	go func() { done <- fleet.Follow(ctx, fl.Hosts, cfg, got.add) }()
	time.Sleep(1500 * time.Millisecond)
	svs[2].Kill()
	time.Sleep(1500 * time.Millisecond)
	svs[2].Start()
	time.Sleep(2500 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ls := got.snapshot()
	for _, h := range []string{"h1", "h2", "h3"} {
		if _, n := after(ls, h, ""); n < 10 {
			t.Errorf("%s: %d lines", h, n)
		}
	}
	if notes, n := after(ls, "h2", "rotated"); notes == 0 || n < 10 {
		t.Errorf("h2: %d rotation notes, %d lines after the first", notes, n)
	}
	if notes, _ := after(ls, "h3", "not answering"); notes != 1 {
		t.Errorf("h3: %d notes that it went away", notes)
	}
	if notes, n := after(ls, "h3", "answering again"); notes != 1 || n < 5 {
		t.Errorf("h3: %d notes that it came back, %d lines after", notes, n)
	}
	// Every line of a host is one whole line of its log, in order, without repeats.
	last := map[string]int{}
	for _, l := range ls {
		if l.Note {
			if strings.Contains(l.Text, "answering again") || strings.Contains(l.Text, "rotated") {
				last[l.Host] = -1 // a new process or a new file: numbering may restart or jump
			}
			continue
		}
		var n int
		if _, err := fmt.Sscanf(l.Text, "web line %d", &n); err != nil {
			t.Fatalf("%s: line %q is not a whole line", l.Host, l.Text)
		}
		if n <= last[l.Host] && last[l.Host] >= 0 && !(l.Host == "h3" && n == 1) {
			t.Errorf("%s: line %d after %d", l.Host, n, last[l.Host])
		}
		last[l.Host] = n
	}
}

func TestTailWithoutFollow(t *testing.T) {
	_, fl, _ := testFleet(t, fine("web"), fine("web"))
	waitAll(t, fl, map[string]int{"h1": 1, "h2": 1})
	time.Sleep(500 * time.Millisecond)
	cfg := fleet.DefaultTailConfig("web")
	cfg.Initial = 100
	var got lines
	if err := fleet.Follow(testCtx(t), fl.Hosts, cfg, got.add); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"h1", "h2"} {
		if _, n := after(got.snapshot(), h, ""); n < 2 || n > 9 {
			t.Errorf("%s: %d lines of the last 100 bytes", h, n)
		}
	}
	cfg.Program = "nosuch"
	if err := fleet.Follow(testCtx(t), fl.Hosts, cfg, got.add); err == nil || !strings.Contains(err.Error(), "BAD_NAME") {
		t.Errorf("tail of a program no host has: %v", err)
	}
}

// Polled less often than the log rotates, the new log has often grown past the old offset by
// the next poll: its size alone cannot tell, the bytes before the offset do.
func TestFollowRotationPastTheOldOffset(t *testing.T) {
	_, fl, _ := testFleet(t, []peertest.SupervisordProgram{rotating("web")})
	waitAll(t, fl, map[string]int{"h1": 1})
	cfg := fleet.DefaultTailConfig("web")
	cfg.Follow, cfg.Interval, cfg.MaxBackoff = true, 2500*time.Millisecond, 3*time.Second
	ctx, cancel := context.WithTimeout(testCtx(t), 11*time.Second)
	defer cancel()
	var got lines
	if err := fleet.Follow(ctx, fl.Hosts, cfg, got.add); err != nil {
		t.Fatal(err)
	}
	rotations, byMark, last := 0, 0, 0
	for _, l := range got.snapshot() {
		if l.Note {
			rotations++
			if strings.Contains(l.Text, "bytes before the offset changed") {
				byMark++
			}
			t.Log(l.Text)
			continue
		}
		var n int
		if _, err := fmt.Sscanf(l.Text, "web line %d", &n); err != nil || n <= last {
			t.Errorf("line %q after line %d", l.Text, last)
		}
		last = n
	}
	if rotations < 2 || byMark < 1 || last < 100 {
		t.Errorf("%d rotations noted (%d by the bytes before the offset), last line %d", rotations, byMark, last)
	}
}
