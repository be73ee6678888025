package cluster

import "sync/atomic"

// budget is a retry budget (Finagle's): every call deposits ratio tokens, every retry withdraws
// one, and a retry without a whole token is refused. Over any run, retries <= reserve + ratio ×
// calls. Tokens are counted in thousandths in one atomic integer.
type budget struct {
	balance atomic.Int64
	deposit int64
	max     int64
}

const tokenUnit = 1000

func (b *budget) init(r *RetryConfig) {
	b.deposit = int64(r.BudgetRatio * tokenUnit)
	b.max = int64(r.BudgetMax) * tokenUnit
	b.balance.Store(int64(r.BudgetReserve) * tokenUnit)
}

// onCall deposits one call's share.
func (b *budget) onCall() {
	for {
		v := b.balance.Load()
		if v >= b.max {
			return
		}
		if b.balance.CompareAndSwap(v, min(v+b.deposit, b.max)) {
			return
		}
	}
}

// tryRetry withdraws one token and reports whether the retry may go ahead.
func (b *budget) tryRetry() bool {
	for {
		v := b.balance.Load()
		if v < tokenUnit {
			return false
		}
		if b.balance.CompareAndSwap(v, v-tokenUnit) {
			return true
		}
	}
}
