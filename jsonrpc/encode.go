package jsonrpc

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/harp-rpc/harp/internal/structfields"
)

// maxSafeInt is the largest integer a JavaScript number (an IEEE 754 double) holds exactly, 2^53-1.
const maxSafeInt = 1<<53 - 1

// maxEncodeDepth bounds how deep the encoder follows pointers, interfaces and containers, so a
// cyclic value is an error instead of a stack overflow.
const maxEncodeDepth = 1000

var (
	timeType      = reflect.TypeFor[time.Time]()
	bigIntType    = reflect.TypeFor[big.Int]()
	bigFloatType  = reflect.TypeFor[big.Float]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// EncodeOptions control how values, requests and responses are written. The zero value is ready to
// use and writes what JSON-RPC 2.0 peers expect.
type EncodeOptions struct {
	// LargeIntsAsStrings writes integers beyond ±(2^53-1), which a JavaScript number cannot hold
	// exactly, as decimal strings ("9007199254740993") instead of numbers. Decoding into a Go
	// integer accepts both forms. Off by default: the number keeps its exact digits either way,
	// and every reader but JavaScript's reads it exactly.
	LargeIntsAsStrings bool
	// V1StringErrors writes the error of a response to a JSON-RPC 1.0 request as its message
	// string, as Go's net/rpc/jsonrpc clients require, instead of the {code, message, data}
	// object (what jsonrpclib and most 1.0 peers read). JSON-RPC 2.0 responses are unaffected.
	V1StringErrors bool
}

// Marshal returns the JSON encoding of v with the default options.
func Marshal(v any) ([]byte, error) { return EncodeOptions{}.AppendValue(nil, v) }

// AppendValue appends the JSON encoding of v to dst. On error, dst is returned unchanged.
func (o EncodeOptions) AppendValue(dst []byte, v any) ([]byte, error) {
	e := newEncState(dst, o)
	defer e.release()
	if err := e.encode(v); err != nil {
		return dst, err
	}
	return e.buf, nil
}

var encStatePool = sync.Pool{New: func() any { return new(encState) }}

// newEncState returns an encoder state from a pool: encoding costs no allocation of its own.
func newEncState(dst []byte, o EncodeOptions) *encState {
	e := encStatePool.Get().(*encState)
	*e = encState{buf: dst, opts: o}
	return e
}

func (e *encState) release() {
	*e = encState{}
	encStatePool.Put(e)
}

type encState struct {
	buf   []byte
	opts  EncodeOptions
	depth int
}

type encoderFunc func(e *encState, v reflect.Value) error

var encoderCache sync.Map // reflect.Type -> encoderFunc

func (e *encState) enter() error {
	e.depth++
	if e.depth > maxEncodeDepth {
		return &UnsupportedValueError{Value: "value", Msg: "nested deeper than " + strconv.Itoa(maxEncodeDepth) + " levels (a cycle?)"}
	}
	return nil
}

// encode writes v, taking the common natural types without reflection.
func (e *encState) encode(v any) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		return e.writeString(x)
	case int:
		e.writeInt(int64(x))
	case int64:
		e.writeInt(x)
	case int32:
		e.writeInt(int64(x))
	case float64:
		return e.writeFloat(x, 64)
	case bool:
		e.writeBool(x)
	case []any:
		return e.writeAnySlice(x)
	case map[string]any:
		return e.writeAnyMap(x)
	case []byte:
		e.writeBytes(x)
	case time.Time:
		return e.writeTime(x)
	case json.RawMessage:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.writeRaw(x, "json.RawMessage")
	default:
		rv := reflect.ValueOf(v)
		return encoderFor(rv.Type())(e, rv)
	}
	return nil
}

func (e *encState) writeBool(b bool) {
	if b {
		e.buf = append(e.buf, "true"...)
	} else {
		e.buf = append(e.buf, "false"...)
	}
}

func (e *encState) writeInt(n int64) {
	if e.opts.LargeIntsAsStrings && (n > maxSafeInt || n < -maxSafeInt) {
		e.buf = append(e.buf, '"')
		e.buf = strconv.AppendInt(e.buf, n, 10)
		e.buf = append(e.buf, '"')
		return
	}
	e.buf = strconv.AppendInt(e.buf, n, 10)
}

func (e *encState) writeUint(n uint64) {
	if e.opts.LargeIntsAsStrings && n > maxSafeInt {
		e.buf = append(e.buf, '"')
		e.buf = strconv.AppendUint(e.buf, n, 10)
		e.buf = append(e.buf, '"')
		return
	}
	e.buf = strconv.AppendUint(e.buf, n, 10)
}

// writeFloat writes f in its shortest form that reads back exactly, as encoding/json does, but
// always with a decimal point or an exponent, so that it reads back as a float, never an integer.
func (e *encState) writeFloat(f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &UnsupportedValueError{Value: strconv.FormatFloat(f, 'g', -1, bits), Msg: "JSON has no NaN or infinity"}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	start := len(e.buf)
	e.buf = strconv.AppendFloat(e.buf, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9, as JavaScript writes it.
		n := len(e.buf)
		if n >= 4 && e.buf[n-4] == 'e' && e.buf[n-3] == '-' && e.buf[n-2] == '0' {
			e.buf[n-2] = e.buf[n-1]
			e.buf = e.buf[:n-1]
		}
		return nil
	}
	for _, c := range e.buf[start:] {
		if c == '.' {
			return nil
		}
	}
	e.buf = append(e.buf, '.', '0')
	return nil
}

func (e *encState) writeString(s string) error {
	e.buf = append(e.buf, '"')
	var err error
	e.buf, err = appendStringBody(e.buf, s)
	e.buf = append(e.buf, '"')
	return err
}

const hexDigits = "0123456789abcdef"

// safeASCII marks the ASCII bytes written as they are inside a string.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendStringBody appends s escaped for a JSON string, without quotes. Invalid UTF-8 is written as
// U+FFFD and reported with an *UnsupportedValueError after the whole string is written. U+2028 and
// U+2029 are escaped, so the output is also valid JavaScript.
func appendStringBody(dst []byte, s string) ([]byte, error) {
	var err error
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			if err == nil {
				err = &UnsupportedValueError{Value: strconv.QuoteToASCII(s[:min(len(s), 64)]), Msg: "string is not valid UTF-8"}
			}
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += n
			start = i
			continue
		}
		i += n
	}
	return append(dst, s[start:]...), err
}

// writeBytes writes b as a standard base64 string (with padding), as encoding/json does.
func (e *encState) writeBytes(b []byte) {
	e.buf = append(e.buf, '"')
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, '"')
}

// writeTime writes t in RFC 3339 in UTC, with fractional seconds when it has them.
func (e *encState) writeTime(t time.Time) error {
	if y := t.Year(); y < 0 || y > 9999 {
		return &UnsupportedValueError{Value: t.String(), Msg: "year outside 0-9999"}
	}
	e.buf = append(e.buf, '"')
	e.buf = t.UTC().AppendFormat(e.buf, time.RFC3339Nano)
	e.buf = append(e.buf, '"')
	return nil
}

// writeRaw writes raw JSON from a json.Marshaler or json.RawMessage, after checking it.
func (e *encState) writeRaw(raw []byte, from string) error {
	if err := validate(raw, maxEncodeDepth); err != nil {
		return &UnsupportedValueError{Value: from, Msg: "invalid JSON: " + err.Error()}
	}
	s := scanner{data: raw}
	s.ws()
	end := len(raw)
	for end > s.pos && (raw[end-1] == ' ' || raw[end-1] == '\t' || raw[end-1] == '\r' || raw[end-1] == '\n') {
		end--
	}
	e.buf = append(e.buf, raw[s.pos:end]...)
	return nil
}

func (e *encState) writeAnySlice(s []any) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, '[')
	for i, x := range s {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.encode(x); err != nil {
			return prefixPath(err, "["+strconv.Itoa(i)+"]")
		}
	}
	e.buf = append(e.buf, ']')
	e.depth--
	return nil
}

// writeAnyMap writes m with its keys sorted, so the output is deterministic.
func (e *encState) writeAnyMap(m map[string]any) error {
	if err := e.enter(); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.writeString(k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.encode(m[k]); err != nil {
			return prefixPath(err, k)
		}
	}
	e.buf = append(e.buf, '}')
	e.depth--
	return nil
}

func encoderFor(t reflect.Type) encoderFunc {
	return cachedFunc(&encoderCache, t, func(t reflect.Type) encoderFunc { return newEncoder(t, true) },
		func(real func() encoderFunc) encoderFunc {
			return func(e *encState, v reflect.Value) error { return real()(e, v) }
		})
}

// cachedFunc returns the function cached for t, building it on first use. So that recursive types
// terminate, an indirect function is published first, made by indirect from a getter that waits
// for the real one.
func cachedFunc[F any](cache *sync.Map, t reflect.Type, build func(reflect.Type) F, indirect func(real func() F) F) F {
	if f, ok := cache.Load(t); ok {
		return f.(F)
	}
	var (
		wg sync.WaitGroup
		f  F
	)
	wg.Add(1)
	fi, loaded := cache.LoadOrStore(t, indirect(func() F { wg.Wait(); return f }))
	if loaded {
		return fi.(F)
	}
	f = build(t)
	wg.Done()
	cache.Store(t, f)
	return f
}

func newEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(marshalerType) && !t.Implements(marshalerType) &&
		!isSpecial(t) {
		plain := newEncoder(t, false)
		return func(e *encState, v reflect.Value) error {
			if v.CanAddr() {
				return marshalerEncoder(e, v.Addr())
			}
			return plain(e, v)
		}
	}
	if t.Kind() == reflect.Pointer && isSpecial(t.Elem()) {
		return newPointerEncoder(t) // before *big.Int's own MarshalJSON
	}
	switch t {
	case timeType:
		return func(e *encState, v reflect.Value) error {
			t, _ := reflect.TypeAssert[time.Time](v) // no allocation, unlike v.Interface()
			return e.writeTime(t)
		}
	case bigIntType:
		return func(e *encState, v reflect.Value) error {
			b := v.Addr().Interface().(*big.Int)
			return e.writeBigInt(b)
		}
	case bigFloatType:
		return func(e *encState, v reflect.Value) error {
			b := v.Addr().Interface().(*big.Float)
			return e.writeBigFloat(b)
		}
	}
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(e *encState, v reflect.Value) error { e.writeBool(v.Bool()); return nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(e *encState, v reflect.Value) error { e.writeInt(v.Int()); return nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(e *encState, v reflect.Value) error { e.writeUint(v.Uint()); return nil }
	case reflect.Float32:
		return func(e *encState, v reflect.Value) error { return e.writeFloat(v.Float(), 32) }
	case reflect.Float64:
		return func(e *encState, v reflect.Value) error { return e.writeFloat(v.Float(), 64) }
	case reflect.String:
		return func(e *encState, v reflect.Value) error { return e.writeString(v.String()) }
	case reflect.Interface:
		return func(e *encState, v reflect.Value) error {
			if v.IsNil() {
				e.buf = append(e.buf, "null"...)
				return nil
			}
			if err := e.enter(); err != nil {
				return err
			}
			err := e.encode(v.Elem().Interface())
			e.depth--
			return err
		}
	case reflect.Pointer:
		return newPointerEncoder(t)
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return unsupportedEncoder
		}
		return newMapEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) {
			return func(e *encState, v reflect.Value) error { e.writeBytes(v.Bytes()); return nil }
		}
		return newArrayEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	}
	return unsupportedEncoder
}

// isSpecial reports the types the codec maps itself, whatever methods they have.
func isSpecial(t reflect.Type) bool { return t == timeType || t == bigIntType || t == bigFloatType }

func unsupportedEncoder(e *encState, v reflect.Value) error {
	return &UnsupportedTypeError{Type: v.Type()}
}

func marshalerEncoder(e *encState, v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok || m == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	raw, err := m.MarshalJSON()
	if err != nil {
		return &UnsupportedValueError{Value: v.Type().String(), Msg: "MarshalJSON: " + err.Error()}
	}
	return e.writeRaw(raw, v.Type().String())
}

func (e *encState) writeBigInt(b *big.Int) error {
	if e.opts.LargeIntsAsStrings && !(b.IsInt64() && b.Int64() <= maxSafeInt && b.Int64() >= -maxSafeInt) {
		e.buf = append(e.buf, '"')
		e.buf = b.Append(e.buf, 10)
		e.buf = append(e.buf, '"')
		return nil
	}
	e.buf = b.Append(e.buf, 10)
	return nil
}

func (e *encState) writeBigFloat(b *big.Float) error {
	if b.IsInf() {
		return &UnsupportedValueError{Value: b.String(), Msg: "JSON has no infinity"}
	}
	start := len(e.buf)
	e.buf = b.Append(e.buf, 'g', -1)
	for _, c := range e.buf[start:] {
		if c == '.' || c == 'e' {
			return nil
		}
	}
	e.buf = append(e.buf, '.', '0')
	return nil
}

func newPointerEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(e *encState, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		err := elem(e, v.Elem())
		e.depth--
		return err
	}
}

func newStructEncoder(t reflect.Type) encoderFunc {
	if structFields.Positional(t) {
		return newPositionalEncoder(t)
	}
	si := cachedStructInfo(t)
	encs := make([]encoderFunc, len(si.Fields))
	for i := range si.Fields {
		encs[i] = encoderFor(si.Fields[i].Type)
	}
	return func(e *encState, v reflect.Value) error {
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, '{')
		first := true
		for i := range si.Fields {
			f := &si.Fields[i]
			fv, ok := structfields.ByIndex(v, f.Index, false)
			if !ok || (f.OmitEmpty && isEmptyValue(fv)) {
				continue
			}
			if first {
				e.buf = append(e.buf, f.Encoded[1:]...)
				first = false
			} else {
				e.buf = append(e.buf, f.Encoded...)
			}
			if err := encs[i](e, fv); err != nil {
				return prefixPath(err, f.Name)
			}
		}
		e.buf = append(e.buf, '}')
		e.depth--
		return nil
	}
}

func newMapEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(e *encState, v reflect.Value) error {
		if err := e.enter(); err != nil {
			return err
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			as, bs := a.String(), b.String()
			switch {
			case as < bs:
				return -1
			case as > bs:
				return 1
			}
			return 0
		})
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.writeString(k.String()); err != nil {
				return err
			}
			e.buf = append(e.buf, ':')
			if err := elem(e, v.MapIndex(k)); err != nil {
				return prefixPath(err, k.String())
			}
		}
		e.buf = append(e.buf, '}')
		e.depth--
		return nil
	}
}

// newArrayEncoder writes slices and arrays; a nil slice is written as [], as XML-RPC writes it,
// so that a value means the same over both protocols.
func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(e *encState, v reflect.Value) error {
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, '[')
		n := v.Len()
		for i := 0; i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := elem(e, v.Index(i)); err != nil {
				return prefixPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
		e.buf = append(e.buf, ']')
		e.depth--
		return nil
	}
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// prefixPath adds a path segment (a member name, or "[i]") in front of the path of a path-carrying
// error, as the error unwinds out of a container.
func prefixPath(err error, seg string) error {
	join := func(p string) string {
		if p == "" || p[0] == '[' {
			return seg + p
		}
		return seg + "." + p
	}
	switch e := err.(type) {
	case *UnmarshalTypeError:
		e.Path = join(e.Path)
	case *UnknownFieldError:
		e.Path = join(e.Path)
	case *UnsupportedTypeError:
		e.Path = join(e.Path)
	case *UnsupportedValueError:
		e.Path = join(e.Path)
	}
	return err
}
