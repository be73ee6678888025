package server

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// TestWatchdogTicks checks the watchdog's arithmetic without a clock: a connection is closed by
// the first sweep after its whole timeout has passed in ticks, never by an earlier one, and
// changing phase starts its count again.
func TestWatchdogTicks(t *testing.T) {
	wd := newWatchdog(160*time.Millisecond, 320*time.Millisecond, 0) // tick 10 ms: 16 and 32 ticks
	if wd.tick != 10*time.Millisecond || wd.write != 16 || wd.idle != 32 {
		t.Fatalf("tick %v, write %d, idle %d ticks", wd.tick, wd.write, wd.idle)
	}
	a, b := net.Pipe()
	defer b.Close()
	c := &watchedConn{Conn: a}
	wd.connState(c, http.StateNew)
	wd.sweep() // epoch 1
	wd.connState(c, http.StateActive)
	for i := range 16 { // epochs 2..17: at most 16 ticks since the mark, the timeout itself
		wd.sweep()
		if c.state.Load()&phaseMask == phaseClosed {
			t.Fatalf("closed by sweep %d after the mark, before the timeout", i+1)
		}
	}
	wd.connState(c, http.StateIdle) // a new phase: the idle count starts at epoch 17
	for range 32 {
		wd.sweep()
	}
	if c.state.Load()&phaseMask == phaseClosed {
		t.Fatal("idle connection closed within its timeout")
	}
	wd.sweep() // epoch 50: more than 32 ticks idle
	if c.state.Load()&phaseMask != phaseClosed {
		t.Fatal("idle connection not closed after its timeout")
	}
	if _, err := a.Write([]byte("x")); err == nil {
		t.Fatal("the expired connection was not closed")
	}
	wd.connState(c, http.StateClosed)
	if len(wd.conns) != 0 {
		t.Fatal("closed connection still watched")
	}
	if newWatchdog(0, 0, 0) != nil {
		t.Fatal("a watchdog without timeouts")
	}
	if wd := newWatchdog(0, 120*time.Second, 0); wd.tick != time.Second || wd.write != 0 || wd.idle != 120 {
		t.Fatalf("tick %v, write %d, idle %d ticks", wd.tick, wd.write, wd.idle)
	}
}
