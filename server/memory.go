package server

import (
	"runtime/debug"
	"time"
)

// reclaim gives back to the operating system the memory a burst of large requests (an attack,
// or honest load) made the process hold, once the burst is over, until stop is closed. Every
// period it looks at the budget: when its peak since the last look was over an eighth of it (half
// a peer's default share) and its use is now under a sixteenth, it runs debug.FreeOSMemory, which collects and returns the
// freed pages at once instead of over the minutes the runtime's background scavenger takes. An
// idle or lightly loaded server never pays for it.
func (s *Server) reclaim(stop <-chan struct{}, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if s.reclaimDue() {
				debug.FreeOSMemory()
				s.reclaims.Add(1)
				s.log.Debug("server: memory given back to the OS after a burst", "reserved", s.budget.Used())
			}
		}
	}
}

// reclaimDue reports whether the budget's use has fallen back after a peak worth reclaiming,
// and starts the next peak from the current use.
func (s *Server) reclaimDue() bool {
	b := s.budget
	used := b.used.Load()
	if b.peak.Load() <= b.limit/8 || used >= b.limit/16 {
		return false
	}
	b.peak.Store(used)
	return true
}
