package jsonrpc

import (
	"encoding/base64"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"github.com/harp-rpc/harp/internal/structfields"
)

// timeLayouts are the forms a time.Time is read from: RFC 3339 (fractional seconds optional), the
// same without a zone (read as UTC), and XML-RPC's compact dateTime.iso8601 form.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "20060102T15:04:05"}

func decoderFor(t reflect.Type) decoderFunc {
	return cachedFunc(&decoderCache, t, newDecoder, func(real func() decoderFunc) decoderFunc {
		return func(d *decoder, v reflect.Value) error { return real()(d, v) }
	})
}

func newDecoder(t reflect.Type) decoderFunc {
	switch t {
	case timeType:
		return timeDecoder
	case bigIntType:
		return bigIntDecoder
	case bigFloatType:
		return bigFloatDecoder
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType) {
		return unmarshalerDecoder
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return anyDecoder
		}
		return ifaceDecoder
	case reflect.Pointer:
		return newPtrDecoder(t)
	case reflect.Bool:
		return boolDecoder
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intDecoder
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintDecoder
	case reflect.Float32, reflect.Float64:
		return floatDecoder
	case reflect.String:
		return stringDecoder
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) {
			return bytesDecoder
		}
		return newSliceDecoder(t)
	case reflect.Array:
		return newArrayDecoder(t)
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return newMapDecoder(t)
		}
	case reflect.Struct:
		return newStructDecoder(t)
	}
	return func(d *decoder, v reflect.Value) error {
		err := d.mismatch(v.Type(), "unsupported Go type")
		d.skip()
		return err
	}
}

// other handles a value of the wrong JSON type for v: null zeroes v, anything else is a mismatch.
func (d *decoder) other(v reflect.Value) error {
	if d.null(v) {
		return nil
	}
	return d.mismatch(v.Type(), "")
}

// null consumes a null and zeroes v, reporting whether the value was null.
func (d *decoder) null(v reflect.Value) bool {
	if d.data[d.pos] != 'n' {
		return false
	}
	d.pos += 4
	v.SetZero()
	return true
}

func anyDecoder(d *decoder, v reflect.Value) error {
	if p, ok := heldPointer(v); ok {
		// As encoding/json does: an interface holding a non-nil pointer is decoded through it,
		// so []any{&name, &offset} fills name and offset instead of replacing the pointers.
		return decoderFor(p.Type().Elem())(d, p.Elem())
	}
	x, err := d.natural()
	if err != nil {
		return err
	}
	if x == nil {
		v.SetZero()
	} else {
		v.Set(reflect.ValueOf(x))
	}
	return nil
}

func ifaceDecoder(d *decoder, v reflect.Value) error {
	return d.other(v)
}

func unmarshalerDecoder(d *decoder, v reflect.Value) error {
	start := d.pos
	d.skip()
	if err := v.Addr().Interface().(interface{ UnmarshalJSON([]byte) error }).UnmarshalJSON(d.data[start:d.pos]); err != nil {
		d.pos = start
		return d.mismatch(v.Type(), "UnmarshalJSON: "+err.Error())
	}
	return nil
}

func newPtrDecoder(t reflect.Type) decoderFunc {
	elemDec := decoderFor(t.Elem())
	return func(d *decoder, v reflect.Value) error {
		if d.null(v) {
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return elemDec(d, v.Elem())
	}
}

func boolDecoder(d *decoder, v reflect.Value) error {
	switch d.data[d.pos] {
	case 't':
		d.pos += 4
		v.SetBool(true)
		return nil
	case 'f':
		d.pos += 5
		v.SetBool(false)
		return nil
	}
	return d.other(v)
}

// intLiteral returns the integer text of a number, or of a string holding an integer beyond
// ±(2^53-1) (the form EncodeOptions.LargeIntsAsStrings writes; smaller integers in strings are type
// errors, as in XML-RPC), and moves past it; ok is false for other values, which it leaves in place.
func (d *decoder) intLiteral() (lit []byte, quoted, ok bool) {
	if lit, ok := d.number(); ok {
		return lit, false, true
	}
	if d.data[d.pos] == '"' {
		start := d.pos
		s := d.stringValue()
		if n, ok := parseInt(s); ok && (n > maxSafeInt || n < -maxSafeInt) {
			return s, true, true
		}
		if u, ok := parseUint(s); ok && u > maxSafeInt {
			return s, true, true
		}
		if len(s) > 20 && isIntText(s) {
			return s, true, true // beyond 64 bits: a range error, or a *big.Int
		}
		d.pos = start
	}
	return nil, false, false
}

// isIntText reports whether s is an optional minus sign and decimal digits.
func isIntText(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > maxNumberLen {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (d *decoder) rangeError(at int, lit []byte, t reflect.Type) error {
	return &UnmarshalTypeError{Value: "number " + truncate(lit), Type: t, Offset: int64(at), Msg: "out of range or not an integer"}
}

func intDecoder(d *decoder, v reflect.Value) error {
	at := d.pos
	lit, quoted, ok := d.intLiteral()
	if !ok {
		return d.other(v)
	}
	var n int64
	if quoted {
		n, ok = parseInt(lit)
	} else {
		n, ok = integerOf(lit)
	}
	if !ok || v.OverflowInt(n) {
		return d.rangeError(at, lit, v.Type())
	}
	v.SetInt(n)
	return nil
}

func uintDecoder(d *decoder, v reflect.Value) error {
	at := d.pos
	lit, quoted, ok := d.intLiteral()
	if !ok {
		return d.other(v)
	}
	var u uint64
	if isIntLiteral(lit) || quoted {
		u, ok = parseUint(lit)
	} else {
		var n int64
		n, ok = integerOf(lit)
		ok = ok && n >= 0
		u = uint64(n)
	}
	if !ok || v.OverflowUint(u) {
		return d.rangeError(at, lit, v.Type())
	}
	v.SetUint(u)
	return nil
}

// number returns the number literal at d.pos and moves past it; ok is false for other values,
// which it leaves in place.
func (d *decoder) number() (lit []byte, ok bool) {
	if c := d.data[d.pos]; c != '-' && (c < '0' || c > '9') {
		return nil, false
	}
	lit = d.numberLiteral()
	d.pos += len(lit)
	return lit, true
}

func floatDecoder(d *decoder, v reflect.Value) error {
	at := d.pos
	lit, ok := d.number()
	if !ok {
		return d.other(v)
	}
	bits := 64
	if v.Kind() == reflect.Float32 {
		bits = 32
	}
	f, err := strconv.ParseFloat(string(lit), bits)
	if err != nil || v.OverflowFloat(f) {
		return &UnmarshalTypeError{Value: "number " + truncate(lit), Type: v.Type(), Offset: int64(at), Msg: "out of range"}
	}
	v.SetFloat(f)
	return nil
}

func stringDecoder(d *decoder, v reflect.Value) error {
	if d.data[d.pos] == '"' {
		v.SetString(string(d.stringValue()))
		return nil
	}
	return d.other(v)
}

// bytesDecoder reads base64 (standard alphabet, padding optional, line breaks ignored).
func bytesDecoder(d *decoder, v reflect.Value) error {
	if d.data[d.pos] != '"' {
		return d.other(v)
	}
	at := d.pos
	s := d.stringValue()
	b := make([]byte, base64.RawStdEncoding.DecodedLen(len(s))+2)
	n, err := base64.StdEncoding.Decode(b, s)
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(b, s)
	}
	if err != nil {
		return &UnmarshalTypeError{Value: "string", Type: v.Type(), Offset: int64(at), Msg: "invalid base64: " + err.Error()}
	}
	v.SetBytes(b[:n])
	return nil
}

func timeDecoder(d *decoder, v reflect.Value) error {
	if d.data[d.pos] != '"' {
		return d.other(v)
	}
	at := d.pos
	b := d.stringValue()
	tp := v.Addr().Interface().(*time.Time) // decoding targets are addressable
	var t time.Time
	if t.UnmarshalText(b) == nil { // RFC 3339, without allocating
		*tp = t
		return nil
	}
	s := string(b)
	for _, layout := range timeLayouts[1:] {
		if t, err := time.Parse(layout, s); err == nil {
			*tp = t
			return nil
		}
	}
	return &UnmarshalTypeError{Value: "string " + strconv.Quote(truncate([]byte(s))), Type: v.Type(), Offset: int64(at),
		Msg: "not an RFC 3339 date and time"}
}

func bigIntDecoder(d *decoder, v reflect.Value) error {
	at := d.pos
	lit, _, ok := d.intLiteral()
	if !ok {
		return d.other(v)
	}
	b := v.Addr().Interface().(*big.Int)
	if _, ok := b.SetString(string(lit), 10); !ok {
		return d.rangeError(at, lit, v.Type())
	}
	return nil
}

func bigFloatDecoder(d *decoder, v reflect.Value) error {
	at := d.pos
	lit, ok := d.number()
	if !ok {
		return d.other(v)
	}
	b := v.Addr().Interface().(*big.Float)
	if _, _, err := b.Parse(string(lit), 10); err != nil {
		return &UnmarshalTypeError{Value: "number " + truncate(lit), Type: v.Type(), Offset: int64(at), Msg: err.Error()}
	}
	return nil
}

func newSliceDecoder(t reflect.Type) decoderFunc {
	elemDec := decoderFor(t.Elem())
	// The elements an []any target already has are kept for anyDecoder, which decodes through
	// those that hold pointers and replaces the others.
	keep := isEmptyInterface(t.Elem())
	return func(d *decoder, v reflect.Value) error {
		if d.data[d.pos] != '[' {
			if d.null(v) {
				return nil
			}
			return d.mismatch(v.Type(), "")
		}
		if v.IsNil() {
			v.Set(reflect.MakeSlice(t, 0, 4))
		}
		at, n, had := d.pos, 0, v.Len()
		v.SetLen(0)
		err := d.eachElem(func(i int) error {
			if i >= v.Cap() {
				v.Grow(1)
			}
			v.SetLen(i + 1)
			n = i + 1
			ev := v.Index(i)
			if !keep || i >= had {
				ev.SetZero()
			}
			return elemDec(d, ev)
		})
		if err == nil && keep && n < had {
			v.SetLen(had)
			err = unfilledPointers(v, n, had, at)
			v.SetLen(n)
		}
		return err
	}
}

// newArrayDecoder fills a Go array; elements beyond its length are an error, missing ones zero.
func newArrayDecoder(t reflect.Type) decoderFunc {
	elemDec := decoderFor(t.Elem())
	keep := isEmptyInterface(t.Elem())
	return func(d *decoder, v reflect.Value) error {
		if d.data[d.pos] != '[' {
			if d.null(v) {
				return nil
			}
			return d.mismatch(v.Type(), "")
		}
		at, n := d.pos, 0
		err := d.eachElem(func(i int) error {
			if i >= v.Len() {
				d.pos = at
				return d.mismatch(v.Type(), "more than "+strconv.Itoa(v.Len())+" elements")
			}
			n++
			return elemDec(d, v.Index(i))
		})
		if err == nil && keep {
			err = unfilledPointers(v, n, v.Len(), at)
		}
		for ; n < v.Len(); n++ {
			v.Index(n).SetZero()
		}
		return err
	}
}

func newMapDecoder(t reflect.Type) decoderFunc {
	elemDec := decoderFor(t.Elem())
	kt := t.Key()
	return func(d *decoder, v reflect.Value) error {
		if d.data[d.pos] != '{' {
			if d.null(v) {
				return nil
			}
			return d.mismatch(v.Type(), "")
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		ev := reflect.New(t.Elem()).Elem()
		return d.eachMember(func(name []byte) error {
			kv := reflect.ValueOf(string(name))
			ev.SetZero()
			if err := elemDec(d, ev); err != nil {
				return err
			}
			if kt != kv.Type() {
				kv = kv.Convert(kt)
			}
			v.SetMapIndex(kv, ev)
			return nil
		})
	}
}

func newStructDecoder(t reflect.Type) decoderFunc {
	if structFields.Positional(t) {
		return newPositionalDecoder(t)
	}
	si := cachedStructInfo(t)
	decs := make([]decoderFunc, len(si.Fields))
	for i := range si.Fields {
		decs[i] = decoderFor(si.Fields[i].Type)
	}
	return func(d *decoder, v reflect.Value) error {
		if d.data[d.pos] != '{' {
			if d.null(v) {
				return nil
			}
			return d.mismatch(v.Type(), "")
		}
		return d.eachMember(func(name []byte) error {
			i := si.Lookup(name)
			if i < 0 {
				if d.disallowUnknown {
					return &UnknownFieldError{Name: string(name), Type: t}
				}
				d.skip()
				return nil
			}
			fv, _ := structfields.ByIndex(v, si.Fields[i].Index, true)
			return decs[i](d, fv)
		})
	}
}
