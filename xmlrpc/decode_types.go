package xmlrpc

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/harp-rpc/harp/internal/structfields"
)

// Limits on number lengths: no valid int, i4 or i8 has more characters than maxIntLen, and
// biginteger and bigdecimal are capped (as CPython caps int conversion) so a hostile value cannot
// cost quadratic time.
const (
	maxIntLen    = 64
	maxFloatLen  = 1100
	maxBigDigits = 4300
)

var unmarshalerType = reflect.TypeFor[Unmarshaler]()

// decoderFunc decodes the opened element el into v. The element is passed by value so that it
// stays on the stack: a pointer passed through an indirect call would escape.
type decoderFunc func(d *decoder, el elem, v reflect.Value) error

var decoderCache sync.Map // reflect.Type -> decoderFunc

func decoderFor(t reflect.Type) decoderFunc {
	if t.PkgPath() == "" {
		// Predeclared scalars and any have no methods, so their decoder depends on the kind
		// alone: no cache lookup (a hash of the type) for the most common parameters.
		if f := kindDecoder(t.Kind()); f != nil {
			return f
		}
		if t.Kind() == reflect.Interface && t.NumMethod() == 0 {
			return anyDecoder
		}
	}
	if f, ok := decoderCache.Load(t); ok {
		return f.(decoderFunc)
	}
	var (
		wg sync.WaitGroup
		f  decoderFunc
	)
	wg.Add(1)
	fi, loaded := decoderCache.LoadOrStore(t, decoderFunc(func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		wg.Wait()
		return f(d, *el, v)
	}))
	if loaded {
		return fi.(decoderFunc)
	}
	f = newDecoder(t)
	wg.Done()
	decoderCache.Store(t, f)
	return f
}

// kindDecoder returns the decoder of a scalar kind, which depends on the kind alone, or nil.
func kindDecoder(k reflect.Kind) decoderFunc {
	switch k {
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
	}
	return nil
}

func newDecoder(t reflect.Type) decoderFunc {
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType) {
		return unmarshalerDecoder
	}
	switch t {
	case rawValueType:
		return rawValueDecoder
	case timeType:
		return timeDecoder
	case bigIntType:
		return bigIntDecoder
	case bigFloatType:
		return bigFloatDecoder
	}
	if f := kindDecoder(t.Kind()); f != nil {
		return f
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return anyDecoder
		}
		return ifaceDecoder
	case reflect.Pointer:
		return newPtrDecoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return newBytesDecoder(t)
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
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if err := d.skip(el); err != nil {
			return err
		}
		return typeError(el, v.Type(), "unsupported Go type")
	}
}

// nilInto consumes a nil element and zeroes v.
func nilInto(d *decoder, el *elem, v reflect.Value) error {
	if err := d.nilValue(el); err != nil {
		return err
	}
	v.SetZero()
	return nil
}

// notKind handles an element that is not the container a decoder wants: nil zeroes v, anything
// else is a type mismatch.
func notKind(d *decoder, el *elem, v reflect.Value) error {
	if el.kind == kNil {
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

// mismatch skips (validating) el and reports that it cannot go into v.
func mismatch(d *decoder, el *elem, v reflect.Value) error {
	if err := d.skip(el); err != nil {
		return err
	}
	return typeError(el, v.Type(), "")
}

func anyDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	if p, ok := heldPointer(v); ok {
		// As encoding/json does: an interface holding a non-nil pointer is decoded through it,
		// so []any{&name, &offset} fills name and offset instead of replacing the pointers.
		return decoderFor(p.Type().Elem())(d, *el, p.Elem())
	}
	x, err := d.natural(el)
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

func ifaceDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	if el.kind == kNil {
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

func unmarshalerDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	x, err := d.natural(el)
	if err != nil {
		return err
	}
	if err := v.Addr().Interface().(Unmarshaler).UnmarshalXMLRPC(x); err != nil {
		return typeError(el, v.Type(), "UnmarshalXMLRPC: "+err.Error())
	}
	return nil
}

func newPtrDecoder(t reflect.Type) decoderFunc {
	elemDec := decoderFor(t.Elem())
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if el.kind == kNil {
			return nilInto(d, el, v)
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return elemDec(d, *el, v.Elem())
	}
}

func boolDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	switch el.kind {
	case kBool:
		b, err := d.boolValue(el)
		if err != nil {
			return err
		}
		v.SetBool(b)
		return nil
	case kNil:
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

func intDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	var n int64
	switch el.kind {
	case kInt, kI8, kBigInt:
		var err error
		if n, err = d.intValue(el); err != nil {
			return err
		}
	case kNil:
		return nilInto(d, el, v)
	default:
		return mismatch(d, el, v)
	}
	if v.OverflowInt(n) {
		return &UnmarshalTypeError{Value: kindNames[el.kind] + " " + strconv.FormatInt(n, 10), Type: v.Type(), Offset: int64(el.offset), Msg: "out of range"}
	}
	v.SetInt(n)
	return nil
}

func uintDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	var n int64
	switch el.kind {
	case kInt, kI8, kBigInt:
		var err error
		if n, err = d.intValue(el); err != nil {
			return err
		}
	case kNil:
		return nilInto(d, el, v)
	default:
		return mismatch(d, el, v)
	}
	if n < 0 || v.OverflowUint(uint64(n)) {
		return &UnmarshalTypeError{Value: kindNames[el.kind] + " " + strconv.FormatInt(n, 10), Type: v.Type(), Offset: int64(el.offset), Msg: "out of range"}
	}
	v.SetUint(uint64(n))
	return nil
}

func floatDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	var f float64
	switch el.kind {
	case kDouble:
		var err error
		if f, err = d.floatValue(el); err != nil {
			return err
		}
	case kInt, kI8:
		n, err := d.intValue(el)
		if err != nil {
			return err
		}
		f = float64(n)
	case kBigDecimal:
		bf, err := d.bigFloatValue(el)
		if err != nil {
			return err
		}
		f, _ = bf.Float64()
	case kNil:
		return nilInto(d, el, v)
	default:
		return mismatch(d, el, v)
	}
	if v.OverflowFloat(f) {
		return &UnmarshalTypeError{Value: kindNames[el.kind] + " " + strconv.FormatFloat(f, 'g', -1, 64), Type: v.Type(), Offset: int64(el.offset), Msg: "out of range"}
	}
	v.SetFloat(f)
	return nil
}

func stringDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	switch el.kind {
	case kString:
		txt, err := d.scalar(el)
		if err != nil {
			return err
		}
		v.SetString(string(txt))
		return nil
	case kNil:
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

// newBytesDecoder decodes base64 into a byte slice, and also an array of small ints.
func newBytesDecoder(t reflect.Type) decoderFunc {
	asArray := newSliceDecoder(t)
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		switch el.kind {
		case kBase64:
			b, err := d.base64Value(el)
			if err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		case kArray:
			return asArray(d, e, v)
		}
		return notKind(d, el, v)
	}
}

func timeDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	switch el.kind {
	case kDateTime:
		t, err := d.timeValue(el)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(t))
		return nil
	case kNil:
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

func bigIntDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	switch el.kind {
	case kInt, kI8, kBigInt:
		n, err := d.bigIntValue(el)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(n).Elem())
		return nil
	case kNil:
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

func bigFloatDecoder(d *decoder, e elem, v reflect.Value) error {
	el := &e
	switch el.kind {
	case kBigDecimal, kDouble, kInt, kI8, kBigInt:
		txt, err := d.scalar(el)
		if err != nil {
			return err
		}
		f, err := parseBigFloat(trimSpace(txt))
		if err != nil {
			return d.invalidAt(el.offset, err.Error())
		}
		v.Set(reflect.ValueOf(f).Elem())
		return nil
	case kNil:
		return nilInto(d, el, v)
	}
	return mismatch(d, el, v)
}

func newSliceDecoder(t reflect.Type) decoderFunc {
	elemType := t.Elem()
	elemDec := decoderFor(elemType) // a recursive type gets the cache's placeholder
	// The elements an []any target already has are kept for anyDecoder, which decodes through
	// those that hold pointers and replaces the others.
	keep := isEmptyInterface(elemType)
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if el.kind != kArray {
			return notKind(d, el, v)
		}
		n, had := 0, v.Len()
		if v.IsNil() {
			v.Set(reflect.MakeSlice(t, 0, 4))
		}
		err := d.arrayItems(el, func(i int) error {
			if n >= v.Cap() {
				v.Grow(1)
			}
			v.SetLen(n + 1)
			n++
			item := v.Index(n - 1)
			if !keep || n > had {
				item.SetZero()
			}
			return d.valueDec(item, elemDec)
		})
		if err != nil {
			return err
		}
		if keep && n < had {
			v.SetLen(had)
			if err := unfilledPointers(v, n, had, el); err != nil {
				return err
			}
		}
		v.SetLen(n)
		return nil
	}
}

func isEmptyInterface(t reflect.Type) bool {
	return t.Kind() == reflect.Interface && t.NumMethod() == 0
}

// heldPointer returns the non-nil pointer the interface value v holds, if it holds one.
func heldPointer(v reflect.Value) (reflect.Value, bool) {
	if v.Kind() != reflect.Interface || v.IsNil() {
		return reflect.Value{}, false
	}
	p := v.Elem()
	return p, p.Kind() == reflect.Pointer && !p.IsNil()
}

// unfilledPointers refuses an array shorter than the pointers an []any or [N]any target holds
// for it: elements n to had-1 would otherwise be dropped or zeroed, leaving what they point to
// silently unset.
func unfilledPointers(v reflect.Value, n, had int, el *elem) error {
	for i := n; i < had; i++ {
		if _, ok := heldPointer(v.Index(i)); ok {
			return &UnmarshalTypeError{Value: "array", Type: v.Type(), Offset: int64(el.offset),
				Msg: "array of " + strconv.Itoa(n) + " elements, but the target holds a pointer at index " + strconv.Itoa(i)}
		}
	}
	return nil
}

func newArrayDecoder(t reflect.Type) decoderFunc {
	elemDec := decoderFor(t.Elem())
	keep := isEmptyInterface(t.Elem())
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if el.kind != kArray {
			return notKind(d, el, v)
		}
		n := 0
		err := d.arrayItems(el, func(i int) error {
			if i >= v.Len() {
				return &UnmarshalTypeError{Value: "array", Type: t, Offset: int64(d.pos), Msg: "more than " + strconv.Itoa(v.Len()) + " elements"}
			}
			n++
			return d.valueDec(v.Index(i), elemDec)
		})
		if err != nil {
			return err
		}
		if keep {
			if err := unfilledPointers(v, n, v.Len(), el); err != nil {
				return err
			}
		}
		for i := n; i < v.Len(); i++ {
			v.Index(i).SetZero()
		}
		return nil
	}
}

func newMapDecoder(t reflect.Type) decoderFunc {
	elemType := t.Elem()
	elemDec := decoderFor(elemType) // a recursive type gets the cache's placeholder
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if el.kind != kStruct {
			return notKind(d, el, v)
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		item := reflect.New(elemType).Elem()
		key := reflect.New(t.Key()).Elem()
		return d.structMembers(el, func(name []byte) error {
			key.SetString(string(name))
			item.SetZero()
			if err := d.valueDec(item, elemDec); err != nil {
				return withDecodePath(err, key.String())
			}
			v.SetMapIndex(key, item)
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
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if el.kind != kStruct {
			return notKind(d, el, v)
		}
		return d.structMembers(el, func(name []byte) error {
			i := si.Lookup(name)
			if i < 0 {
				if d.disallowUnknown {
					return &UnknownMemberError{Name: string(name), Type: t, Path: string(name)}
				}
				return d.valueDec(reflect.Value{}, nil)
			}
			f := &si.Fields[i]
			fv, _ := structfields.ByIndex(v, f.Index, true)
			if err := d.valueDec(fv, decs[i]); err != nil {
				return withDecodePath(err, f.Name)
			}
			return nil
		})
	}
}

// Natural values ------------------------------------------------------------------------------

// natural decodes el into its natural Go type, as for an `any` target.
func (d *decoder) natural(el *elem) (any, error) {
	switch el.kind {
	case kString:
		txt, err := d.scalar(el)
		if err != nil {
			return nil, err
		}
		return string(txt), nil
	case kInt:
		n, err := d.intValue(el)
		if int64(int(n)) != n {
			return n, err // beyond 32 bits, read leniently, on a 32-bit platform: int64 as for i8
		}
		return int(n), err
	case kI8:
		return d.intValue(el)
	case kBool:
		return d.boolValue(el)
	case kDouble:
		return d.floatValue(el)
	case kDateTime:
		return d.timeValue(el)
	case kBase64:
		return d.base64Value(el)
	case kNil:
		return nil, d.nilValue(el)
	case kBigInt:
		n, err := d.bigIntValue(el)
		if err != nil {
			return nil, err
		}
		if n.IsInt64() {
			return n.Int64(), nil
		}
		return n, nil
	case kBigDecimal:
		return d.bigFloatValue(el)
	case kArray:
		out := make([]any, 0, 4)
		err := d.arrayItems(el, func(int) error {
			x, err := d.valueAny()
			out = append(out, x)
			return err
		})
		return out, err
	case kStruct:
		out := make(map[string]any, 4)
		err := d.structMembers(el, func(name []byte) error {
			key := string(name)
			x, err := d.valueAny()
			if err != nil {
				return withDecodePath(err, key)
			}
			out[key] = x
			return nil
		})
		return out, err
	}
	return nil, d.invalidAt(el.offset, "unknown value type")
}

// skip validates el without keeping it.
func (d *decoder) skip(el *elem) error {
	var err error
	switch el.kind {
	case kString:
		_, err = d.scalar(el)
	case kInt, kI8:
		_, err = d.intValue(el)
	case kBool:
		_, err = d.boolValue(el)
	case kDouble:
		_, err = d.floatValue(el)
	case kDateTime:
		_, err = d.timeValue(el)
	case kBase64:
		var txt []byte
		if txt, err = d.scalar(el); err == nil {
			err = d.checkBase64(el, txt)
		}
	case kNil:
		err = d.nilValue(el)
	case kBigInt:
		_, err = d.bigIntValue(el)
	case kBigDecimal:
		_, err = d.bigFloatValue(el)
	case kArray:
		err = d.arrayItems(el, func(int) error { return d.valueDec(reflect.Value{}, nil) })
	case kStruct:
		err = d.structMembers(el, func([]byte) error { return d.valueDec(reflect.Value{}, nil) })
	default:
		err = d.invalidAt(el.offset, "unknown value type")
	}
	return err
}

// Scalars -------------------------------------------------------------------------------------

func (d *decoder) intValue(el *elem) (int64, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return 0, err
	}
	if el.kind == kBigInt {
		n, err := d.bigIntFrom(el, txt)
		if err != nil {
			return 0, err
		}
		if !n.IsInt64() {
			return 0, d.invalidAt(el.offset, "biginteger out of 64-bit range")
		}
		return n.Int64(), nil
	}
	txt = trimSpace(txt)
	if len(txt) > maxIntLen {
		return 0, &LimitError{What: "digits", Limit: maxIntLen}
	}
	n, ok := parseInt(txt)
	if !ok {
		return 0, d.invalidAt(el.offset, "invalid "+kindNames[el.kind]+" "+quoteShort(string(txt)))
	}
	if d.strict && el.kind == kInt && (n < math.MinInt32 || n > math.MaxInt32) {
		return 0, d.invalidAt(el.offset, "int out of 32-bit range (strict): "+string(txt))
	}
	return n, nil
}

// parseInt parses an optionally signed decimal integer into an int64, reporting overflow as
// failure.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

var litTrue, litFalse = []byte("true"), []byte("false")

func (d *decoder) boolValue(el *elem) (bool, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return false, err
	}
	switch t := trimSpace(txt); string(t) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	default:
		if !d.strict && bytes.EqualFold(t, litTrue) {
			return true, nil
		}
		if !d.strict && bytes.EqualFold(t, litFalse) {
			return false, nil
		}
	}
	if d.strict {
		return false, d.invalidAt(el.offset, "invalid boolean "+quoteShort(string(txt))+" (want 0 or 1: strict)")
	}
	return false, d.invalidAt(el.offset, "invalid boolean "+quoteShort(string(txt))+" (want 0, 1, true or false)")
}

func (d *decoder) floatValue(el *elem) (float64, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return 0, err
	}
	txt = trimSpace(txt)
	if len(txt) > maxFloatLen {
		return 0, &LimitError{What: "digits", Limit: maxFloatLen}
	}
	if !isDecimal(txt) {
		return 0, d.invalidAt(el.offset, "invalid double "+quoteShort(string(txt)))
	}
	f, err := strconv.ParseFloat(string(txt), 64)
	if err != nil {
		return 0, d.invalidAt(el.offset, "invalid double "+quoteShort(string(txt))+": out of range")
	}
	return f, nil
}

// isDecimal reports whether b is a decimal number, optionally with an exponent: no NaN, no
// infinities, no hexadecimal, no underscores.
func isDecimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(b)
}

func (d *decoder) timeValue(el *elem) (time.Time, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseDateTime(txt, d.loc)
	if err != nil {
		return time.Time{}, d.invalidAt(el.offset, err.Error()+": "+quoteShort(string(txt)))
	}
	return t, nil
}

func (d *decoder) base64Value(el *elem) ([]byte, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return nil, err
	}
	b, err := decodeBase64(txt)
	if err != nil {
		return nil, d.invalidAt(el.offset, err.Error())
	}
	return b, nil
}

func (d *decoder) checkBase64(el *elem, txt []byte) error {
	if _, err := decodeBase64(txt); err != nil {
		return d.invalidAt(el.offset, err.Error())
	}
	return nil
}

func (d *decoder) bigIntValue(el *elem) (*big.Int, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return nil, err
	}
	return d.bigIntFrom(el, txt)
}

func (d *decoder) bigIntFrom(el *elem, txt []byte) (*big.Int, error) {
	txt = trimSpace(txt)
	if len(txt) > maxBigDigits {
		return nil, &LimitError{What: "digits", Limit: maxBigDigits}
	}
	if _, ok := parseInt(txt); !ok && !isInteger(txt) {
		return nil, d.invalidAt(el.offset, "invalid "+kindNames[el.kind]+" "+quoteShort(string(txt)))
	}
	n, ok := new(big.Int).SetString(string(txt), 10)
	if !ok {
		return nil, d.invalidAt(el.offset, "invalid "+kindNames[el.kind]+" "+quoteShort(string(txt)))
	}
	return n, nil
}

func isInteger(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (d *decoder) bigFloatValue(el *elem) (*big.Float, error) {
	txt, err := d.scalar(el)
	if err != nil {
		return nil, err
	}
	f, err := parseBigFloat(trimSpace(txt))
	if err != nil {
		return nil, d.invalidAt(el.offset, err.Error())
	}
	return f, nil
}

var errBigDecimal = errors.New("invalid bigdecimal")

// parseBigFloat parses a decimal with enough precision to keep every digit it has.
func parseBigFloat(txt []byte) (*big.Float, error) {
	if len(txt) > maxBigDigits {
		return nil, &LimitError{What: "digits", Limit: maxBigDigits}
	}
	if !isDecimal(txt) {
		return nil, errBigDecimal
	}
	prec := uint(len(txt))*4 + 64
	f, _, err := big.ParseFloat(string(txt), 10, prec, big.ToNearestEven)
	if err != nil {
		return nil, errBigDecimal
	}
	return f, nil
}
