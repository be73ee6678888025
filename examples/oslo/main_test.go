package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// TestRun runs the example against a private RabbitMQ and checks what it prints.
func TestRun(t *testing.T) {
	r := peertest.RabbitFor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, r.URL, "harp_example_test", 0, &out); err != nil {
		t.Fatal(err)
	}
	want := `add(x=2, y=3): 5
order(item=apples, qty=2): 2 apples ordered
order(item=pears, qty=9): fault 409 only 3 pears left (Python sees RemoteError Fault)
prepare(server=worker1).add(x=1, y=1): 2
`
	got := out.String()
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "ran: cast (user alice)") || !strings.Contains(got, "ran: fanout (user alice)") {
		t.Errorf("got:\n%s\nwant it to start with:\n%s", got, want)
	}
}
