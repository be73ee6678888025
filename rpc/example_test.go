package rpc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/harp-rpc/harp/rpc"
)

// Arith is registered as a value: its exported methods become arith.add and arith.div.
type Arith struct{}

// Add returns a+b.
func (Arith) Add(a, b int) int { return a + b }

// Div returns a/b, or an error for a zero divisor.
func (Arith) Div(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a / b, nil
}

func Example() {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		panic(err)
	}
	reg.MustRegister("pow", func(x, y int) int {
		r := 1
		for range y {
			r *= x
		}
		return r
	}, "Returns x to the power y.")
	if err := reg.RegisterValue("arith", Arith{}); err != nil {
		panic(err)
	}

	// A wire format hands the registry a Params; here, values already decoded.
	ps := (*rpc.Protocol)(nil).ValueParams([]any{2, 10})
	res, err := reg.Call(context.Background(), nil, "pow", ps)
	fmt.Println(res, err)

	_, err = reg.Call(context.Background(), nil, "arith.div", (*rpc.Protocol)(nil).ValueParams([]any{1.0, 0.0}))
	code, msg := rpc.Translate(err, reg.Config().ErrorCode)
	fmt.Println(code, msg)

	_, err = reg.Call(context.Background(), nil, "arith.pow", nil)
	fmt.Println(err)

	names, _ := reg.Call(context.Background(), nil, "system.listMethods", nil)
	fmt.Println(names)
	// Output:
	// 1024 <nil>
	// 1 division by zero
	// rpc: error -32601: method not found: "arith.pow"
	// [arith.add arith.div pow system.getCapabilities system.listMethods system.methodExist system.methodHelp system.methodSignature system.multicall]
}

func ExampleMethod_Signature() {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("greet", func(ctx context.Context, name string, times ...int) (string, error) {
		return "", nil
	}, "")
	m, _ := reg.Lookup("greet")
	fmt.Println(m.Signature(nil), m.Variadic())
	// Output: [string string int] true
}

// A Func registers a method whose types are known at compile time: it is served like the plain
// function it stands for, without reflection on each call.
func ExampleFunc2() {
	reg, _ := rpc.NewRegistry(nil)
	reg.MustRegister("add", rpc.Func2(func(ctx context.Context, x, y int) (int, error) {
		return x + y, nil
	}), "add(x, y): x + y.")
	res, err := reg.Call(context.Background(), nil, "add", (*rpc.Protocol)(nil).ValueParams([]any{2, 3}))
	fmt.Println(res, err)
	m, _ := reg.Lookup("add")
	fmt.Println(m.Signature(nil))
	// Output:
	// 5 <nil>
	// [int int int]
}
