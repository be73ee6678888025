package rpc

import (
	"context"
	"fmt"
	"reflect"
)

// Func is a method implementation whose parameter and result types are known at compile time,
// made by Func0, Func1, Func2 or Func3 and registered with Register like a plain function. It is
// served exactly like one (introspection derives the same signature, errors and panics become
// the same faults), but a call decodes each parameter straight into a variable of its type and
// calls the function directly: no reflection on the call path, which makes a small call
// markedly cheaper (see BENCHMARKS.md).
type Func struct {
	params []reflect.Type
	result reflect.Type
	call   func(ctx context.Context, ps Params) (any, error)
	nilFn  bool
}

// paramFailure carries a parameter's decoding error out of a Func, for Method.call to report as
// invalid params with the method's name.
type paramFailure struct{ err error }

func (p paramFailure) Error() string { return p.err.Error() }

// Func0 returns a Func calling fn without parameters.
func Func0[R any](fn func(ctx context.Context) (R, error)) Func {
	return Func{result: reflect.TypeFor[R](), nilFn: fn == nil, call: func(ctx context.Context, _ Params) (any, error) {
		return typedResult(fn(ctx))
	}}
}

// Func1 returns a Func calling fn with one parameter decoded into an A.
func Func1[A, R any](fn func(ctx context.Context, a A) (R, error)) Func {
	return Func{params: []reflect.Type{reflect.TypeFor[A]()}, result: reflect.TypeFor[R](), nilFn: fn == nil,
		call: func(ctx context.Context, ps Params) (any, error) {
			var p struct{ a A }
			if err := decodeParams(ps, &p.a); err != nil {
				return nil, err
			}
			return typedResult(fn(ctx, p.a))
		}}
}

// Func2 returns a Func calling fn with two parameters decoded into an A and a B.
func Func2[A, B, R any](fn func(ctx context.Context, a A, b B) (R, error)) Func {
	return Func{params: []reflect.Type{reflect.TypeFor[A](), reflect.TypeFor[B]()}, result: reflect.TypeFor[R](), nilFn: fn == nil,
		call: func(ctx context.Context, ps Params) (any, error) {
			var p struct {
				a A
				b B
			}
			if err := decodeParams(ps, &p.a, &p.b); err != nil {
				return nil, err
			}
			return typedResult(fn(ctx, p.a, p.b))
		}}
}

// Func3 returns a Func calling fn with three parameters decoded into an A, a B and a C.
func Func3[A, B, C, R any](fn func(ctx context.Context, a A, b B, c C) (R, error)) Func {
	return Func{params: []reflect.Type{reflect.TypeFor[A](), reflect.TypeFor[B](), reflect.TypeFor[C]()}, result: reflect.TypeFor[R](),
		nilFn: fn == nil,
		call: func(ctx context.Context, ps Params) (any, error) {
			var p struct {
				a A
				b B
				c C
			}
			if err := decodeParams(ps, &p.a, &p.b, &p.c); err != nil {
				return nil, err
			}
			return typedResult(fn(ctx, p.a, p.b, p.c))
		}}
}

// decodeParams decodes the parameters into dsts in order.
func decodeParams(ps Params, dsts ...any) error {
	for i, d := range dsts {
		if err := ps.DecodeParam(i, d); err != nil {
			return paramFailure{err}
		}
	}
	return nil
}

// typedResult returns a typed function's results as the registry's.
func typedResult[R any](r R, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

// funcMethod is the Method of a Func.
func funcMethod(name string, f Func, help string) (*Method, error) {
	if f.nilFn || f.call == nil {
		return nil, fmt.Errorf("%w: %s: nil function", ErrUnsupported, name)
	}
	for i, pt := range f.params {
		if err := checkType(pt, true); err != nil {
			return nil, fmt.Errorf("%w: %s: parameter %d: %v", ErrUnsupported, name, i, err)
		}
	}
	if err := checkType(f.result, false); err != nil {
		return nil, fmt.Errorf("%w: %s: result: %v", ErrUnsupported, name, err)
	}
	return &Method{name: name, help: help, ctx: true, in: f.params, out: f.result, valIdx: 0, errIdx: 1, typed: f.call}, nil
}

// callTyped runs a Func's call, reporting a parameter that does not decode as invalid params.
func (m *Method) callTyped(ctx context.Context, ps Params) (any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := m.typed(ctx, ps)
	if pf, ok := err.(paramFailure); ok { // only a Func's own decoding makes one
		return nil, m.paramError(pf.err)
	}
	return res, err
}
