package budget_test

import (
	"fmt"

	"github.com/harp-rpc/harp/internal/budget"
)

// A request reserves what it is about to hold; what does not fit is refused at once.
func Example() {
	b := budget.New(1<<20, 0.25) // 1 MiB, a quarter per peer
	p := &budget.Peer{}
	r := budget.Reservation{Budget: b, Peer: p}
	fmt.Println(r.Resize(200<<10), b.Used())
	fmt.Println(r.Resize(300<<10), r.Held(), "(over the peer's quarter)")
	fmt.Println(r.Fits(300 << 10))
	r.Release()
	fmt.Println(b.Used())
	// Output:
	// true 204800
	// false 204800 (over the peer's quarter)
	// false
	// 0
}
