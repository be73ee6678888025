package statetest_test

import (
	"fmt"
	"time"

	"github.com/harp-rpc/harp/internal/statetest"
)

// A Report prints what a run found.
func ExampleReport() {
	r := &statetest.Report{
		Increments: 2000, Acknowledged: 2000, Applied: 2000, Counter: 2000, RetriedUncertain: 48, Attempts: 7025,
		Took: 20 * time.Second, MasterFailover: 2769 * time.Millisecond, NodeGap: 7977 * time.Millisecond,
		FreezeFailover: 4050 * time.Millisecond, Probe: fmt.Errorf("xmlrpc: fault -32010: not master"),
	}
	fmt.Print(r)
	// Output:
	// 2000 increments in 20s (100/s, 7025 attempts): 2000 acknowledged, 48 retried after an uncertain attempt and applied once, 0 given up (0 of them applied, each once)
	// counter 2000, increments applied 2000
	// failover after SIGKILL of the master: 2.769s; answers again 7.977s after SIGKILL of the stream leader's NATS node; 4.05s after SIGSTOP of the master
	// the woken frozen master answered its probe: xmlrpc: fault -32010: not master
	// no increment lost, none applied twice: OK
}
