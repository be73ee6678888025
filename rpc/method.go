package rpc

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"strconv"
	"sync"
)

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// Method is one registered method: its name, help text and the reflection plan computed at
// registration. Methods are immutable and safe to share.
type Method struct {
	name string
	help string

	fn       reflect.Value
	ctx      bool           // the function takes a context.Context first
	in       []reflect.Type // wire parameters (after the context); for variadic, the last is a slice
	variadic bool
	out      reflect.Type // the value result, or nil
	valIdx   int          // index of the value result, -1 if none
	errIdx   int          // index of the error result, -1 if none
	argsType reflect.Type // a struct with one field per wire parameter, decoded into in one piece
	args     sync.Pool    // *argsType values, zeroed, reused from call to call

	// typed is set for a Func: the call without reflection.
	typed func(ctx context.Context, ps Params) (any, error)
	// builtin is set for the system.* methods, which need the registry and the protocol.
	builtin func(ctx context.Context, r *Registry, p *Protocol, ps Params) (any, error)
}

// Name returns the name the method is called by.
func (m *Method) Name() string { return m.name }

// Help returns the method's help text.
func (m *Method) Help() string { return m.help }

// Params returns the Go types of the method's wire parameters, without the context. For a variadic
// method the last is a slice type; see Variadic.
func (m *Method) Params() []reflect.Type { return append([]reflect.Type(nil), m.in...) }

// Variadic reports whether the method's last parameter takes any number of trailing values.
func (m *Method) Variadic() bool { return m.variadic }

// Result returns the Go type of the method's value result, or nil if it returns none.
func (m *Method) Result() reflect.Type { return m.out }

// Signature returns the method's signature as the introspection convention writes it: the result
// type first, then each parameter's, every type named by typeName (the wire format's names, or Go's
// when typeName is nil). A variadic parameter is named once, by its element type.
func (m *Method) Signature(typeName func(reflect.Type) string) []string {
	if typeName == nil {
		typeName = goTypeName
	}
	sig := make([]string, 0, 1+len(m.in))
	sig = append(sig, typeName(m.out))
	for i, t := range m.in {
		if m.variadic && i == len(m.in)-1 {
			t = t.Elem()
		}
		sig = append(sig, typeName(t))
	}
	return sig
}

func goTypeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	return t.String()
}

// newMethod computes the reflection plan of fn, or explains why it cannot be served.
func newMethod(name string, fn any, help string) (*Method, error) {
	if f, ok := fn.(Func); ok {
		return funcMethod(name, f, help)
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("%w: %s: %T is not a function", ErrUnsupported, name, fn)
	}
	return methodOf(name, v, help)
}

func methodOf(name string, v reflect.Value, help string) (*Method, error) {
	t := v.Type()
	m := &Method{name: name, help: help, fn: v, variadic: t.IsVariadic(), valIdx: -1, errIdx: -1}
	first := 0
	if t.NumIn() > 0 && t.In(0) == contextType {
		m.ctx = true
		first = 1
	}
	for i := first; i < t.NumIn(); i++ {
		pt := t.In(i)
		if err := checkType(pt, true); err != nil {
			return nil, fmt.Errorf("%w: %s: parameter %d: %v", ErrUnsupported, name, i-first, err)
		}
		m.in = append(m.in, pt)
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if t.Out(0) == errorType {
			m.errIdx = 0
		} else {
			m.valIdx = 0
		}
	case 2:
		if t.Out(1) != errorType {
			return nil, fmt.Errorf("%w: %s: the second result must be error, not %v", ErrUnsupported, name, t.Out(1))
		}
		m.valIdx, m.errIdx = 0, 1
	default:
		return nil, fmt.Errorf("%w: %s: returns %d results; want a value, an error, or both", ErrUnsupported, name, t.NumOut())
	}
	if m.valIdx >= 0 {
		m.out = t.Out(m.valIdx)
		if err := checkType(m.out, false); err != nil {
			return nil, fmt.Errorf("%w: %s: result: %v", ErrUnsupported, name, err)
		}
	}
	if len(m.in) > 0 {
		fields := make([]reflect.StructField, len(m.in))
		for i, pt := range m.in {
			fields[i] = reflect.StructField{Name: "P" + strconv.Itoa(i), Type: pt}
		}
		m.argsType = reflect.StructOf(fields)
	}
	return m, nil
}

// checkType refuses the types no wire format can carry. Struct fields are left to the codec, which
// knows its own tags (a field it skips may hold anything).
func checkType(t reflect.Type, param bool) error {
	for {
		switch t.Kind() {
		case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer, reflect.Uintptr:
			return fmt.Errorf("type %v cannot be sent over the wire", t)
		case reflect.Interface:
			if param && t.NumMethod() > 0 {
				return fmt.Errorf("cannot decode into interface type %v (use any)", t)
			}
			return nil
		case reflect.Map:
			if t.Key().Kind() != reflect.String {
				return fmt.Errorf("map key type %v is not a string kind", t.Key())
			}
			t = t.Elem()
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return nil
		}
	}
}

// maxStackArgs is how many arguments a call passes without allocating its argument slice.
const maxStackArgs = 8

// call runs the method with the parameters ps, translating a panic into CodeInternalError.
func (m *Method) call(ctx context.Context, r *Registry, p *Protocol, ps Params) (res any, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.logger().ErrorContext(ctx, "rpc: handler panicked", "method", m.name,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			res, err = nil, &Error{Code: CodeInternalError, Message: "internal error in " + m.name}
		}
	}()
	n := ps.NumParams()
	fixed := len(m.in)
	if m.variadic {
		fixed--
	}
	if n != len(m.in) && !(m.variadic && n >= fixed) {
		return nil, m.countError(n)
	}
	if m.builtin != nil {
		return m.builtin(ctx, r, p, ps)
	}
	if m.typed != nil {
		return m.callTyped(ctx, ps)
	}
	var buf [maxStackArgs]reflect.Value
	args := buf[:0]
	if m.ctx {
		if ctx == nil {
			ctx = context.Background()
		}
		args = append(args, reflect.ValueOf(ctx))
	}
	var argp any // the pooled *argsType; the function gets copies of its fields, never the fields
	if m.argsType != nil {
		if argp = m.args.Get(); argp == nil {
			argp = reflect.New(m.argsType).Interface()
		}
		argv := reflect.ValueOf(argp).Elem()
		for i := 0; i < fixed; i++ {
			f := argv.Field(i)
			if err := ps.DecodeParam(i, f.Addr().Interface()); err != nil {
				m.putArgs(argp)
				return nil, m.paramError(err)
			}
			args = append(args, f)
		}
		if m.variadic {
			st := m.in[fixed]
			s := reflect.MakeSlice(st, n-fixed, n-fixed)
			for j := 0; j < n-fixed; j++ {
				if err := ps.DecodeParam(fixed+j, s.Index(j).Addr().Interface()); err != nil {
					m.putArgs(argp)
					return nil, m.paramError(err)
				}
			}
			args = append(args, s)
		}
	}
	var outs []reflect.Value
	if m.variadic {
		outs = m.fn.CallSlice(args)
	} else {
		outs = m.fn.Call(args)
	}
	if argp != nil { // not reached after a panic: that one is left to the GC
		m.putArgs(argp)
	}
	if m.errIdx >= 0 {
		if e := outs[m.errIdx]; !e.IsNil() {
			return nil, e.Interface().(error)
		}
	}
	if m.valIdx >= 0 {
		return outs[m.valIdx].Interface(), nil
	}
	return nil, nil
}

func (m *Method) countError(got int) error {
	want := strconv.Itoa(len(m.in))
	if m.variadic {
		want = "at least " + strconv.Itoa(len(m.in)-1)
	}
	return &Error{Code: CodeInvalidParams,
		Message: "invalid params: " + m.name + " takes " + want + " parameters, got " + strconv.Itoa(got)}
}

func (m *Method) paramError(err error) error {
	return &Error{Code: CodeInvalidParams, Message: "invalid params: " + m.name + ": " + err.Error(), err: err}
}

// putArgs zeroes a parameter struct, dropping what the last call decoded into it, and pools it.
func (m *Method) putArgs(argp any) {
	reflect.ValueOf(argp).Elem().SetZero()
	m.args.Put(argp)
}
