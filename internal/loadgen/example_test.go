package loadgen_test

import (
	"context"
	"fmt"

	"github.com/harp-rpc/harp/internal/loadgen"
)

func ExampleRun() {
	res, err := loadgen.Run(context.Background(), loadgen.Config{Concurrency: 4, MaxCalls: 100},
		func(ctx context.Context, worker int) error { return nil })
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Calls, res.Errors, res.Latency.Count())
	// Output:
	// 100 0 100
}
