package server

import "time"

// reclaim gives back to the operating system the memory a burst of large requests made the
// process hold, once the burst is over, until stop is closed (see membudget's Budget.Reclaim:
// debug.FreeOSMemory once the budget's use falls back after a peak over an eighth of it, and on
// the next three periods).
func (s *Server) reclaim(stop <-chan struct{}, period time.Duration) {
	s.budget.Reclaim(stop, period, func() {
		s.reclaims.Add(1)
		s.log.Debug("server: memory given back to the OS after a burst", "reserved", s.budget.Used())
	})
}
