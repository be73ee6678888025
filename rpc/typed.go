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
			a, err := param[A](ps, 0)
			if err != nil {
				return nil, err
			}
			return typedResult(fn(ctx, a))
		}}
}

// Func2 returns a Func calling fn with two parameters decoded into an A and a B.
func Func2[A, B, R any](fn func(ctx context.Context, a A, b B) (R, error)) Func {
	return Func{params: []reflect.Type{reflect.TypeFor[A](), reflect.TypeFor[B]()}, result: reflect.TypeFor[R](), nilFn: fn == nil,
		call: func(ctx context.Context, ps Params) (any, error) {
			a, b, err := params2[A, B](ps)
			if err != nil {
				return nil, err
			}
			return typedResult(fn(ctx, a, b))
		}}
}

// Func3 returns a Func calling fn with three parameters decoded into an A, a B and a C.
func Func3[A, B, C, R any](fn func(ctx context.Context, a A, b B, c C) (R, error)) Func {
	return Func{params: []reflect.Type{reflect.TypeFor[A](), reflect.TypeFor[B](), reflect.TypeFor[C]()}, result: reflect.TypeFor[R](),
		nilFn: fn == nil,
		call: func(ctx context.Context, ps Params) (any, error) {
			a, b, err := params2[A, B](ps)
			var c C
			if err == nil {
				c, err = param[C](ps, 2)
			}
			if err != nil {
				return nil, err
			}
			return typedResult(fn(ctx, a, b, c))
		}}
}

// params2 decodes the first two parameters into an A and a B.
func params2[A, B any](ps Params) (a A, b B, err error) {
	if a, err = param[A](ps, 0); err == nil {
		b, err = param[B](ps, 1)
	}
	return a, b, err
}

// param decodes parameter i into a T. An int, int64 or string parameter that ps has at hand
// (ScalarParams) is taken as it is; anything else goes through DecodeParam into a new T, which
// costs an allocation (a T of the caller's would escape through the interface call).
func param[T any](ps Params, i int) (T, error) {
	var v T
	if sp, ok := ps.(ScalarParams); ok {
		switch p := any(&v).(type) {
		case *int:
			if n, ok := sp.IntParam(i); ok && int64(int(n)) == n {
				*p = int(n)
				return v, nil
			}
		case *int64:
			if n, ok := sp.IntParam(i); ok {
				*p = n
				return v, nil
			}
		case *string:
			if s, ok := sp.StringParam(i); ok {
				*p = s
				return v, nil
			}
		}
	}
	p := new(T)
	if err := ps.DecodeParam(i, p); err != nil {
		return v, paramFailure{err}
	}
	return *p, nil
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
