package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// harp's typed JSON form writes every XML-RPC value as a JSON object of one member named by its
// type, so nothing is lost on the way to jq: {"int":5}, {"i8":"9007199254740993"} (digits in a
// string, since JSON readers hold numbers as doubles), {"boolean":true}, {"string":"hi"},
// {"double":1.5}, {"dateTime.iso8601":"19980717T14:08:55"}, {"base64":"aGk="}, {"nil":null},
// {"array":[...]} and {"struct":{"name":{...}}}. harp call --output typed prints it, and the
// typed/ argument prefix reads it back, so a printed value can be sent again unchanged.

// typedDateTime is the layout of a dateTime in the typed form: XML-RPC's compact form, with a
// fraction only when there is one (harp's decoder keeps it).
const typedDateTime = "20060102T15:04:05.999999999"

// toTyped returns v, a value as the XML-RPC decoder produces it, in the typed JSON form.
func toTyped(v any) any {
	switch x := v.(type) {
	case nil:
		return map[string]any{"nil": nil}
	case int:
		return map[string]any{"int": x}
	case int32:
		return map[string]any{"int": x}
	case int64:
		return map[string]any{"i8": strconv.FormatInt(x, 10)}
	case xmlrpc.I8:
		return map[string]any{"i8": strconv.FormatInt(int64(x), 10)}
	case bool:
		return map[string]any{"boolean": x}
	case string:
		return map[string]any{"string": x}
	case float64:
		return map[string]any{"double": x}
	case time.Time:
		s := x.Format(typedDateTime)
		if x.Location() != time.UTC {
			s += x.Format("Z07:00")
		}
		return map[string]any{"dateTime.iso8601": s}
	case []byte:
		return map[string]any{"base64": base64.StdEncoding.EncodeToString(x)}
	case *big.Int:
		return map[string]any{"biginteger": x.String()}
	case *big.Float:
		return map[string]any{"bigdecimal": x.Text('g', -1)}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toTyped(e)
		}
		return map[string]any{"array": out}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toTyped(e)
		}
		return map[string]any{"struct": out}
	}
	return map[string]any{fmt.Sprintf("%T", v): fmt.Sprint(v)} // no decoder yields others
}

// parseTyped reads a typed/ argument: JSON in which every object is a type tag.
func parseTyped(s string) (any, error) {
	v, err := decodeJSON(s)
	if err != nil {
		return nil, fmt.Errorf("typed/%s: not JSON (%v)", s, err)
	}
	out, err := fromTyped(v)
	if err != nil {
		return nil, fmt.Errorf("typed/: %w", err)
	}
	return out, nil
}

// fromTyped converts a decoded typed JSON value into the Go value to send.
func fromTyped(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) != 1 {
			return nil, fmt.Errorf("an object with %d members is no type tag like {\"base64\":\"aGk=\"}", len(x))
		}
		for tag, val := range x {
			return fromTag(tag, val)
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromTyped(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return fromJSON(v)
}

// fromTag converts the content val of a type tag.
func fromTag(tag string, val any) (any, error) {
	bad := func(want string) error { return fmt.Errorf("{%q: %v}: want %s", tag, val, want) }
	switch tag {
	case "int", "i4":
		n, ok := typedInt(val)
		if !ok || n < math.MinInt32 || n > math.MaxInt32 {
			return nil, bad("a 32-bit integer")
		}
		return int(n), nil
	case "i8":
		n, ok := typedInt(val)
		if !ok {
			return nil, bad("a 64-bit integer (digits, in a string or not)")
		}
		return xmlrpc.I8(n), nil
	case "boolean":
		b, ok := val.(bool)
		if !ok {
			return nil, bad("true or false")
		}
		return b, nil
	case "string":
		s, ok := val.(string)
		if !ok {
			return nil, bad("a JSON string")
		}
		return s, nil
	case "double":
		n, ok := val.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			return nil, bad("a finite number")
		}
		return f, nil
	case "dateTime.iso8601":
		s, ok := val.(string)
		if !ok {
			return nil, bad("a string like 19980717T14:08:55")
		}
		return parseDateTime(s)
	case "base64":
		s, ok := val.(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if !ok || err != nil {
			return nil, bad("standard base64 in a string")
		}
		return b, nil
	case "nil":
		if val != nil {
			return nil, bad("null")
		}
		return nil, nil
	case "array":
		list, ok := val.([]any)
		if !ok {
			return nil, bad("a JSON array")
		}
		return fromTyped(list)
	case "struct":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, bad("a JSON object of typed values")
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			c, err := fromTyped(e)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown type tag %q (want int, i8, boolean, string, double, dateTime.iso8601, base64, nil, array or struct)", tag)
}

// typedInt reads an integer written as a JSON number or as digits in a string.
func typedInt(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = x
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
