package xmlrpc

import "reflect"

// TypeName returns the XML-RPC type name a value of Go type t is written as, for introspection
// (system.methodSignature): "int", "i8", "boolean", "string", "double", "dateTime.iso8601",
// "base64", "array" (a positional struct too), "struct", "nil" for an absent result, and "undef"
// for interfaces and other types whose wire type is only known at run time. Pointers name their
// element's type. Go's int
// and uint are "int", the type their usual values travel as (a value beyond 32 bits is sent as
// <i8>); int64, uint32, uint64 and I8 are "i8".
func TypeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return "dateTime.iso8601"
	case bigIntType:
		return "biginteger"
	case bigFloatType:
		return "bigdecimal"
	case i8Type:
		return "i8"
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return "undef"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16:
		return "int"
	case reflect.Int64, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "i8"
	case reflect.Float32, reflect.Float64:
		return "double"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64"
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Struct:
		if structFields.Positional(t) {
			return "array"
		}
		return "struct"
	case reflect.Map:
		return "struct"
	}
	return "undef"
}
