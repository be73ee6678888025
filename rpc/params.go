package rpc

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// Params is what a wire format hands the registry: positional parameters it can decode into typed
// Go values. *xmlrpc.Call implements it. JSON-RPC positional params implement it the same way;
// JSON-RPC named params (an object) present as ONE parameter, so they bind to a method whose single
// parameter is a struct or a map.
type Params interface {
	// NumParams returns the number of parameters.
	NumParams() int
	// DecodeParam decodes parameter i into v, a non-nil pointer. Errors should name the
	// parameter's path, as in "params[1].items[3]".
	DecodeParam(i int, v any) error
}

// ScalarParams is an optional interface of Params for protocols that read simple parameters
// while parsing a call: a Func's int, int64 and string parameters take them from it without a
// second pass or an allocation of their own. Each method returns parameter i and true when it is
// at hand and of that kind, and false to have it decoded with DecodeParam instead; what it returns
// must be what DecodeParam would store in an *int64 or a *string.
type ScalarParams interface {
	IntParam(i int) (int64, bool)
	StringParam(i int) (string, bool)
}

// Protocol describes the wire format a call arrived in, for the built-in methods: how it names Go
// types in system.methodSignature, how it converts the natural values of a system.multicall entry
// into typed parameters, and which capabilities it announces. A Protocol is read-only once in use.
type Protocol struct {
	// Name names the protocol, as in "xmlrpc".
	Name string
	// TypeName names a Go type as the wire format writes it; nil means Go's own type names.
	TypeName func(reflect.Type) string
	// Convert stores src, a value as the wire format decodes it into an interface (a []any,
	// map[string]any, string, number...), into dst, a non-nil pointer, with the wire format's rules
	// (struct tags, type conversions). It is used for the parameters of system.multicall entries.
	// nil means plain assignment and numeric conversion only.
	Convert func(src, dst any) error
	// Capabilities are added to what system.getCapabilities returns.
	Capabilities map[string]any
}

// ValueParams returns Params over already-decoded values, converted into each typed parameter with
// p.Convert. Wire formats use it for calls nested inside another value (system.multicall).
func (p *Protocol) ValueParams(vals []any) Params {
	var conv func(src, dst any) error
	if p != nil {
		conv = p.Convert
	}
	if conv == nil {
		conv = assign
	}
	return valueParams{vals: vals, conv: conv}
}

type valueParams struct {
	vals []any
	conv func(src, dst any) error
}

func (v valueParams) NumParams() int { return len(v.vals) }

func (v valueParams) DecodeParam(i int, dst any) error {
	if i < 0 || i >= len(v.vals) {
		return errors.New("parameter index " + strconv.Itoa(i) + " out of range")
	}
	if err := v.conv(v.vals[i], dst); err != nil {
		return fmt.Errorf("params[%d]: %w", i, err)
	}
	return nil
}

// assign stores src into *dst when its type is assignable, or convertible between numeric kinds
// without changing the value. It is the fallback when a Protocol has no Convert.
func assign(src, dst any) error {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return fmt.Errorf("cannot decode into non-pointer %T", dst)
	}
	dv = dv.Elem()
	if src == nil {
		dv.SetZero()
		return nil
	}
	sv := reflect.ValueOf(src)
	if sv.Type().AssignableTo(dv.Type()) {
		dv.Set(sv)
		return nil
	}
	if isNumber(sv.Kind()) && isNumber(dv.Kind()) {
		cv := sv.Convert(dv.Type())
		if cv.Convert(sv.Type()).Equal(sv) {
			dv.Set(cv)
			return nil
		}
		return fmt.Errorf("value %v out of range for %v", src, dv.Type())
	}
	return fmt.Errorf("cannot store %T into %v", src, dv.Type())
}

func isNumber(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64 && k != reflect.Uintptr
}
