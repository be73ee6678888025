package budget

import (
	"runtime/debug"
	"time"
)

// reclaimFollowUps is how many more periods Reclaim frees memory after a burst has fallen back.
// One collection is not enough: sync.Pool keeps what it held through one collection (its victim
// cache), and a buffer whose bytes left the budget may still be referenced for a moment by the
// connection that wrote it, until its write deadline or close lets go.
const reclaimFollowUps = 3

// Reclaim gives back to the operating system the memory a burst of large requests (an attack,
// or honest load) made the process hold, once the burst is over, until stop is closed. Every
// period it asks ReclaimDue, and when it is due runs debug.FreeOSMemory, which collects and
// returns the freed pages at once instead of over the minutes the runtime's background scavenger
// takes, then calls done (which may be nil); it runs it again on the next few periods while
// the use stays low, for what the first collection could not free yet. An idle or lightly
// loaded process never pays for it.
func (b *Budget) Reclaim(stop <-chan struct{}, period time.Duration, done func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	followUps := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			switch {
			case b.ReclaimDue():
				followUps = reclaimFollowUps
			case followUps > 0 && b.used.Load() < b.limit/16:
				followUps--
			default:
				followUps = 0
				continue
			}
			debug.FreeOSMemory()
			if done != nil {
				done()
			}
		}
	}
}

// ReclaimDue reports whether the budget's use has fallen back after a peak worth reclaiming
// (over an eighth of the budget, half a peer's default share, with the use now under a
// sixteenth), and starts the next peak from the current use.
func (b *Budget) ReclaimDue() bool {
	used := b.used.Load()
	if b.peak.Load() <= b.limit/8 || used >= b.limit/16 {
		return false
	}
	b.peak.Store(used)
	return true
}
