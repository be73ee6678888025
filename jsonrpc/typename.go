package jsonrpc

import "reflect"

// TypeName returns the JSON type a value of Go type t is written as, for introspection
// (system.methodSignature over JSON-RPC): "integer", "number", "boolean", "string", "array",
// "object" ("array" for a positional struct), "null" for an absent result (nil t), and "any"
// for interfaces and other types whose JSON type is only known at run time. []byte and
// time.Time are "string" (base64 and RFC 3339).
func TypeName(t reflect.Type) string {
	if t == nil {
		return "null"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return "string"
	case bigIntType:
		return "integer"
	case bigFloatType:
		return "number"
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return "any"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string"
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Struct:
		if structFields.Positional(t) {
			return "array"
		}
		return "object"
	case reflect.Map:
		return "object"
	}
	return "any"
}

// Convert stores src, a value as this package decodes it into an interface ([]any,
// map[string]any, string, int, float64...), into dst, a non-nil pointer, with the codec's rules:
// it encodes src and decodes the result into dst. It is what an rpc.Protocol's Convert needs for
// the parameters of system.multicall entries.
func Convert(src, dst any) error {
	b, err := Marshal(src)
	if err != nil {
		return err
	}
	return Unmarshal(b, dst)
}
