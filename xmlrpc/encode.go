package xmlrpc

import (
	"io"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/harp-rpc/harp/internal/structfields"

	"github.com/harp-rpc/harp/internal/fastpath"
)

// Dialect selects how the encoder writes the two types the original specification lacks: 64-bit
// integers and nil.
type Dialect int

const (
	// DialectStandard writes <i8> and <nil/>, as CPython, xmlrpc-c and most peers read them.
	DialectStandard Dialect = iota
	// DialectApache writes <ex:i8> and <ex:nil/> with the Apache extensions namespace declared, for
	// Apache XML-RPC (Java) peers.
	DialectApache
)

// I8 is a 64-bit integer that is always written as <i8> (<ex:i8> in DialectApache), even when it
// fits 32 bits, for peers whose methods insist on the type. Other integer types are written as
// <int> when they fit and <i8> when they do not.
type I8 int64

// apacheNS is the namespace Apache XML-RPC uses for its extension types.
const apacheNS = "http://ws.apache.org/xmlrpc/namespaces/extensions"

// Marshaler is implemented by types that encode themselves as another value: MarshalXMLRPC
// returns the value to encode in the receiver's place.
type Marshaler interface {
	MarshalXMLRPC() (any, error)
}

// EncodeOptions configures encoding. The zero value writes the standard dialect and allows nil.
// It is safe to share between goroutines; its Append methods suit callers that pool buffers.
type EncodeOptions struct {
	// Dialect selects <i8>/<nil/> (DialectStandard) or <ex:i8>/<ex:nil/> (DialectApache).
	Dialect Dialect
	// DisallowNil makes nil values (nil pointers and interfaces) an error wrapping ErrNilRefused,
	// for peers that cannot read <nil/>. Nil maps and slices are never nil on the wire: they encode
	// as an empty struct or array, as most peers' callers expect.
	DisallowNil bool
	// SecondDigits is how many digits of a fraction of a second a dateTime.iso8601 value carries:
	// 0, the default, writes whole seconds (19980717T14:08:55), as the specification has it and
	// as CPython reads it; 1 to 9 write that many (3 gives 19980717T14:08:55.123), a form that
	// xmlrpc-c, Node's xmlrpc and davexmlrpc and harp read. The fraction is truncated, as whole seconds
	// are, never rounded up into the next second. Values outside 0 to 9 are clamped.
	SecondDigits int
}

// maxEncodeDepth bounds recursion while encoding, so a cyclic value fails instead of
// exhausting the stack.
const maxEncodeDepth = 10000

const xmlHeader = `<?xml version="1.0"?>`

// AppendValue appends v as one <value> element to dst.
func (o EncodeOptions) AppendValue(dst []byte, v any) ([]byte, error) {
	e := newEncState(dst, o)
	if o.Dialect == DialectApache {
		e.buf = append(e.buf, `<value xmlns:ex="`+apacheNS+`">`...)
		if err := e.encodeInner(v); err != nil {
			return dst, err
		}
		return append(e.buf, "</value>"...), nil
	}
	if err := e.encodeValue(v); err != nil {
		return dst, err
	}
	return e.buf, nil
}

func (o EncodeOptions) rootOpen(dst []byte, name string) []byte {
	dst = append(dst, xmlHeader...)
	dst = append(dst, '<')
	dst = append(dst, name...)
	if o.Dialect == DialectApache {
		dst = append(dst, ` xmlns:ex="`+apacheNS+`"`...)
	}
	return append(dst, '>')
}

// AppendCall appends a complete <methodCall> document to dst.
func (o EncodeOptions) AppendCall(dst []byte, method string, params ...any) ([]byte, error) {
	e := newEncState(o.rootOpen(dst, "methodCall"), o)
	e.buf = append(e.buf, "<methodName>"...)
	var err error
	if e.buf, err = appendEscaped(e.buf, method); err != nil {
		return dst, &UnsupportedValueError{Value: strconv.Quote(method), Path: "methodName", Msg: err.Error()}
	}
	e.buf = append(e.buf, "</methodName><params>"...)
	for i, p := range params {
		e.buf = append(e.buf, "<param>"...)
		if err := e.encodeValue(p); err != nil {
			return dst, withPath(err, "params["+strconv.Itoa(i)+"]")
		}
		e.buf = append(e.buf, "</param>"...)
	}
	return append(e.buf, "</params></methodCall>"...), nil
}

// AppendResponse appends a complete successful <methodResponse> document carrying result to dst.
func (o EncodeOptions) AppendResponse(dst []byte, result any) ([]byte, error) {
	if fastpath.Enabled {
		if b, ok, err := o.appendScalarResponse(dst, result); ok {
			return b, err
		}
	}
	e := newEncState(o.rootOpen(dst, "methodResponse"), o)
	e.buf = append(e.buf, "<params><param>"...)
	if err := e.encodeValue(result); err != nil {
		return dst, withPath(err, "result")
	}
	return append(e.buf, "</param></params></methodResponse>"...), nil
}

// appendScalarResponse is AppendResponse for the scalar results most calls return, with a state
// that stays on the stack (the general one escapes through the reflective encoders); ok is false
// for any other result.
func (o EncodeOptions) appendScalarResponse(dst []byte, result any) (b []byte, ok bool, err error) {
	e := newEncState(o.rootOpen(dst, "methodResponse"), o)
	e.buf = append(e.buf, "<params><param><value>"...)
	if ok, err = e.encodeScalar(result); !ok {
		return dst, false, nil
	}
	if err != nil {
		return dst, true, withPath(err, "result")
	}
	return append(e.buf, "</value></param></params></methodResponse>"...), true, nil
}

// AppendFault appends a complete fault <methodResponse> document to dst.
func (o EncodeOptions) AppendFault(dst []byte, f *Fault) ([]byte, error) {
	b := o.rootOpen(dst, "methodResponse")
	b = append(b, "<fault><value><struct><member><name>faultCode</name><value><int>"...)
	if int64(f.Code) != int64(int32(f.Code)) {
		return dst, &UnsupportedValueError{Value: strconv.Itoa(f.Code), Path: "faultCode", Msg: "fault code does not fit 32 bits"}
	}
	b = strconv.AppendInt(b, int64(f.Code), 10)
	b = append(b, "</int></value></member><member><name>faultString</name><value><string>"...)
	var err error
	if b, err = appendEscaped(b, f.String); err != nil {
		return dst, &UnsupportedValueError{Value: strconv.Quote(f.String), Path: "faultString", Msg: err.Error()}
	}
	return append(b, "</string></value></member></struct></value></fault></methodResponse>"...), nil
}

// Marshal returns the XML-RPC encoding of v as one <value> element.
func Marshal(v any) ([]byte, error) { return EncodeOptions{}.AppendValue(nil, v) }

// MarshalCall returns a complete <methodCall> document calling method with params.
func MarshalCall(method string, params ...any) ([]byte, error) {
	return EncodeOptions{}.AppendCall(nil, method, params...)
}

// MarshalResponse returns a complete <methodResponse> document carrying result.
func MarshalResponse(result any) ([]byte, error) { return EncodeOptions{}.AppendResponse(nil, result) }

// MarshalFault returns a complete <methodResponse> document carrying the fault f.
func MarshalFault(f *Fault) ([]byte, error) { return EncodeOptions{}.AppendFault(nil, f) }

// Encoder writes XML-RPC documents to a stream. Each Encode method writes one complete document
// with a single Write call, or nothing when encoding fails.
type Encoder struct {
	w    io.Writer
	opts EncodeOptions
	buf  []byte
}

// NewEncoder returns an Encoder writing to w with the default options.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// SetDialect selects the dialect for 64-bit integers and nil.
func (e *Encoder) SetDialect(d Dialect) { e.opts.Dialect = d }

// SetAllowNil sets whether nil values may be written (the default). With false, a nil value is an
// error wrapping ErrNilRefused instead of a <nil/> the peer would reject.
func (e *Encoder) SetAllowNil(allow bool) { e.opts.DisallowNil = !allow }

// SetSecondDigits sets how many digits of a fraction of a second dateTime values carry (0 by
// default, whole seconds); see EncodeOptions.SecondDigits.
func (e *Encoder) SetSecondDigits(n int) { e.opts.SecondDigits = n }

func (e *Encoder) flush(b []byte, err error) error {
	if err != nil {
		return err
	}
	e.buf = b[:0]
	_, err = e.w.Write(b)
	return err
}

// Encode writes v as a lone <value> document.
func (e *Encoder) Encode(v any) error { return e.flush(e.opts.AppendValue(e.buf[:0], v)) }

// EncodeCall writes a <methodCall> document.
func (e *Encoder) EncodeCall(method string, params ...any) error {
	return e.flush(e.opts.AppendCall(e.buf[:0], method, params...))
}

// EncodeResponse writes a successful <methodResponse> document.
func (e *Encoder) EncodeResponse(result any) error {
	return e.flush(e.opts.AppendResponse(e.buf[:0], result))
}

// EncodeFault writes a fault <methodResponse> document.
func (e *Encoder) EncodeFault(f *Fault) error { return e.flush(e.opts.AppendFault(e.buf[:0], f)) }

// encState is the state of one encoding.
// encState is one encoding in progress. It holds the options it reads in a compact form rather
// than an EncodeOptions, so that it stays within the 48-byte size class when it escapes.
type encState struct {
	buf          []byte
	depth        int
	dialect      Dialect
	disallowNil  bool
	secondDigits int8 // EncodeOptions.SecondDigits, clamped to 0..9
}

// newEncState starts an encoding into buf with the options o.
func newEncState(buf []byte, o EncodeOptions) encState {
	return encState{buf: buf, dialect: o.Dialect, disallowNil: o.DisallowNil, secondDigits: int8(min(max(o.SecondDigits, 0), 9))}
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	bigIntType    = reflect.TypeFor[big.Int]()
	bigFloatType  = reflect.TypeFor[big.Float]()
	marshalerType = reflect.TypeFor[Marshaler]()
	i8Type        = reflect.TypeFor[I8]()
)

// encodeValue writes <value>...</value>.
func (e *encState) encodeValue(v any) error {
	e.buf = append(e.buf, "<value>"...)
	if err := e.encodeInner(v); err != nil {
		return err
	}
	e.buf = append(e.buf, "</value>"...)
	return nil
}

// encodeInner writes the typed element inside <value>. Common dynamic types skip reflection.
func (e *encState) encodeInner(v any) error {
	if ok, err := e.encodeScalar(v); ok {
		return err
	}
	switch x := v.(type) {
	case []byte:
		e.writeBase64(x)
		return nil
	case time.Time:
		return e.writeTime(x)
	case []any:
		return e.writeAnySlice(x)
	case map[string]any:
		return e.writeAnyMap(x)
	case RawValue:
		return e.writeRaw(x)
	}
	return e.encodeReflect(reflect.ValueOf(v))
}

// encodeScalar writes v if it is nil, a string, an int, int64, int32, bool or float64 (ok true),
// without reflection and without making e escape.
func (e *encState) encodeScalar(v any) (ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return true, e.writeNil()
	case string:
		return true, e.writeString(x)
	case int:
		e.writeInt(int64(x))
	case int64:
		e.writeInt(x)
	case int32:
		e.writeInt(int64(x))
	case bool:
		e.writeBool(x)
	case float64:
		return true, e.writeFloat(x)
	default:
		return false, nil
	}
	return true, nil
}

func (e *encState) encodeReflect(v reflect.Value) error {
	return encoderFor(v.Type())(e, v)
}

func (e *encState) enter() error {
	e.depth++
	if e.depth > maxEncodeDepth {
		return &UnsupportedValueError{Value: "value", Msg: "nested more than " + strconv.Itoa(maxEncodeDepth) + " levels (a cycle?)"}
	}
	return nil
}

func (e *encState) writeNil() error {
	if e.disallowNil {
		return &UnsupportedValueError{Value: "nil", Msg: ErrNilRefused.Error(), err: ErrNilRefused}
	}
	if e.dialect == DialectApache {
		e.buf = append(e.buf, "<ex:nil/>"...)
	} else {
		e.buf = append(e.buf, "<nil/>"...)
	}
	return nil
}

func (e *encState) writeInt(n int64) {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		e.buf = append(e.buf, "<int>"...)
		e.buf = strconv.AppendInt(e.buf, n, 10)
		e.buf = append(e.buf, "</int>"...)
		return
	}
	e.writeI8(n)
}

func (e *encState) writeI8(n int64) {
	if e.dialect == DialectApache {
		e.buf = append(e.buf, "<ex:i8>"...)
		e.buf = strconv.AppendInt(e.buf, n, 10)
		e.buf = append(e.buf, "</ex:i8>"...)
		return
	}
	e.buf = append(e.buf, "<i8>"...)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.buf = append(e.buf, "</i8>"...)
}

func (e *encState) writeUint(n uint64) error {
	if n > math.MaxInt64 {
		return &UnsupportedValueError{Value: strconv.FormatUint(n, 10), Msg: "unsigned integer above the 64-bit signed range"}
	}
	e.writeInt(int64(n))
	return nil
}

func (e *encState) writeBool(b bool) {
	if b {
		e.buf = append(e.buf, "<boolean>1</boolean>"...)
	} else {
		e.buf = append(e.buf, "<boolean>0</boolean>"...)
	}
}

// writeFloat writes the shortest decimal that reads back as exactly f, in plain decimal notation
// whatever its magnitude: the specification allows no exponent, and some peers (xmlrpc-c, Perl
// RPC::XML) read none. The longest such form, that of -math.SmallestNonzeroFloat64, has 327 bytes.
func (e *encState) writeFloat(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &UnsupportedValueError{Value: strconv.FormatFloat(f, 'g', -1, 64), Msg: "XML-RPC has no NaN or infinity"}
	}
	e.buf = append(e.buf, "<double>"...)
	e.buf = appendFloat(e.buf, f)
	e.buf = append(e.buf, "</double>"...)
	return nil
}

func appendFloat(b []byte, f float64) []byte { return strconv.AppendFloat(b, f, 'f', -1, 64) }

func (e *encState) writeString(s string) error {
	e.buf = append(e.buf, "<string>"...)
	var err error
	if e.buf, err = appendEscaped(e.buf, s); err != nil {
		return &UnsupportedValueError{Value: quoteShort(s), Msg: err.Error()}
	}
	e.buf = append(e.buf, "</string>"...)
	return nil
}

func (e *encState) writeBase64(b []byte) {
	e.buf = append(e.buf, "<base64>"...)
	e.buf = appendBase64(e.buf, b)
	e.buf = append(e.buf, "</base64>"...)
}

func (e *encState) writeTime(t time.Time) error {
	e.buf = append(e.buf, "<dateTime.iso8601>"...)
	var err error
	if e.buf, err = appendDateTime(e.buf, t, int(e.secondDigits)); err != nil {
		return err
	}
	e.buf = append(e.buf, "</dateTime.iso8601>"...)
	return nil
}

func (e *encState) writeAnySlice(s []any) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, "<array><data>"...)
	for i, x := range s {
		if err := e.encodeValue(x); err != nil {
			return withPath(err, "["+strconv.Itoa(i)+"]")
		}
	}
	e.buf = append(e.buf, "</data></array>"...)
	e.depth--
	return nil
}

func (e *encState) writeAnyMap(m map[string]any) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, "<struct>"...)
	for _, k := range sortedKeys(m) {
		if err := e.writeMemberName(k); err != nil {
			return err
		}
		if err := e.encodeInner(m[k]); err != nil {
			return withPath(err, memberPath(k))
		}
		e.buf = append(e.buf, "</value></member>"...)
	}
	e.buf = append(e.buf, "</struct>"...)
	e.depth--
	return nil
}

func (e *encState) writeMemberName(k string) error {
	e.buf = append(e.buf, "<member><name>"...)
	var err error
	if e.buf, err = appendEscaped(e.buf, k); err != nil {
		return &UnsupportedValueError{Value: quoteShort(k), Msg: "member name: " + err.Error()}
	}
	e.buf = append(e.buf, "</name><value>"...)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// withPath prefixes the location of an encoding error with elem ("params[0]", "[3]", "name").
func withPath(err error, elem string) error {
	switch e := err.(type) {
	case *UnsupportedValueError:
		e.Path = joinPath(elem, e.Path)
	case *UnsupportedTypeError:
		e.Path = joinPath(elem, e.Path)
	}
	return err
}

func joinPath(elem, rest string) string {
	switch {
	case rest == "":
		return elem
	case rest[0] == '[':
		return elem + rest
	}
	return elem + "." + rest
}

// memberPath is the path element of a struct member.
func memberPath(name string) string { return name }

// encoderFunc writes the typed element for a value of one Go type.
type encoderFunc func(e *encState, v reflect.Value) error

var encoderCache sync.Map // reflect.Type -> encoderFunc

func encoderFor(t reflect.Type) encoderFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encoderFunc)
	}
	// Recursive types: publish an indirect func first, then fill it in.
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	fi, loaded := encoderCache.LoadOrStore(t, encoderFunc(func(e *encState, v reflect.Value) error {
		wg.Wait()
		return f(e, v)
	}))
	if loaded {
		return fi.(encoderFunc)
	}
	f = newEncoder(t)
	wg.Done()
	encoderCache.Store(t, f)
	return f
}

func newEncoder(t reflect.Type) encoderFunc {
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType) {
		return addrMarshalerEncoder(newEncoderNoMarshaler(t))
	}
	return newEncoderNoMarshaler(t)
}

func newEncoderNoMarshaler(t reflect.Type) encoderFunc {
	switch t {
	case rawValueType:
		return func(e *encState, v reflect.Value) error { return e.writeRaw(v.Bytes()) }
	case timeType:
		return func(e *encState, v reflect.Value) error {
			if v.CanAddr() {
				return e.writeTime(*v.Addr().Interface().(*time.Time)) // no boxing
			}
			return e.writeTime(v.Interface().(time.Time))
		}
	case bigIntType:
		return func(e *encState, v reflect.Value) error {
			n := v.Addr().Interface().(*big.Int)
			return e.writeBigInt(n)
		}
	case bigFloatType:
		return func(e *encState, v reflect.Value) error {
			f := v.Addr().Interface().(*big.Float)
			return e.writeBigFloat(f)
		}
	case i8Type:
		return func(e *encState, v reflect.Value) error { e.writeI8(v.Int()); return nil }
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(e *encState, v reflect.Value) error { e.writeBool(v.Bool()); return nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(e *encState, v reflect.Value) error { e.writeInt(v.Int()); return nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(e *encState, v reflect.Value) error { return e.writeUint(v.Uint()) }
	case reflect.Float32, reflect.Float64:
		return func(e *encState, v reflect.Value) error { return e.writeFloat(v.Float()) }
	case reflect.String:
		return func(e *encState, v reflect.Value) error { return e.writeString(v.String()) }
	case reflect.Interface:
		return func(e *encState, v reflect.Value) error {
			if v.IsNil() {
				return e.writeNil()
			}
			return e.encodeInner(v.Elem().Interface())
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
			return func(e *encState, v reflect.Value) error {
				e.writeBase64(v.Bytes())
				return nil
			}
		}
		return newArrayEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	}
	return unsupportedEncoder
}

func unsupportedEncoder(e *encState, v reflect.Value) error {
	return &UnsupportedTypeError{Type: v.Type()}
}

func marshalerEncoder(e *encState, v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return e.writeNil()
	}
	m, ok := v.Interface().(Marshaler)
	if !ok || m == nil {
		return e.writeNil()
	}
	x, err := m.MarshalXMLRPC()
	if err != nil {
		return &UnsupportedValueError{Value: v.Type().String(), Msg: "MarshalXMLRPC: " + err.Error(), err: err}
	}
	if err := e.enter(); err != nil {
		return err
	}
	err = e.encodeInner(x)
	e.depth--
	return err
}

func addrMarshalerEncoder(plain encoderFunc) encoderFunc {
	return func(e *encState, v reflect.Value) error {
		if v.CanAddr() {
			return marshalerEncoder(e, v.Addr())
		}
		return plain(e, v)
	}
}

func newPointerEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(e *encState, v reflect.Value) error {
		if v.IsNil() {
			return e.writeNil()
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
		e.buf = append(e.buf, "<struct>"...)
		for i := range si.Fields {
			f := &si.Fields[i]
			fv, ok := structfields.ByIndex(v, f.Index, false)
			if !ok || f.OmitEmpty && isEmptyValue(fv) {
				continue
			}
			if f.EncodeErr != nil {
				return &UnsupportedValueError{Value: quoteShort(f.Name), Msg: "member name: " + f.EncodeErr.Error()}
			}
			e.buf = append(e.buf, f.Encoded...)
			if err := encs[i](e, fv); err != nil {
				return withPath(err, memberPath(f.Name))
			}
			e.buf = append(e.buf, "</value></member>"...)
		}
		e.buf = append(e.buf, "</struct>"...)
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
		keys := make([]string, 0, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			keys = append(keys, iter.Key().String())
		}
		slices.Sort(keys)
		e.buf = append(e.buf, "<struct>"...)
		kv := reflect.New(t.Key()).Elem()
		for _, k := range keys {
			if err := e.writeMemberName(k); err != nil {
				return err
			}
			kv.SetString(k)
			if err := elem(e, v.MapIndex(kv)); err != nil {
				return withPath(err, memberPath(k))
			}
			e.buf = append(e.buf, "</value></member>"...)
		}
		e.buf = append(e.buf, "</struct>"...)
		e.depth--
		return nil
	}
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(e *encState, v reflect.Value) error {
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, "<array><data>"...)
		for i, n := 0, v.Len(); i < n; i++ {
			e.buf = append(e.buf, "<value>"...)
			if err := elem(e, v.Index(i)); err != nil {
				return withPath(err, "["+strconv.Itoa(i)+"]")
			}
			e.buf = append(e.buf, "</value>"...)
		}
		e.buf = append(e.buf, "</data></array>"...)
		e.depth--
		return nil
	}
}

func (e *encState) writeBigInt(n *big.Int) error {
	if n.IsInt64() {
		e.writeInt(n.Int64())
		return nil
	}
	e.buf = append(e.buf, "<biginteger>"...)
	e.buf = n.Append(e.buf, 10)
	e.buf = append(e.buf, "</biginteger>"...)
	return nil
}

func (e *encState) writeBigFloat(f *big.Float) error {
	if f.IsInf() {
		return &UnsupportedValueError{Value: f.String(), Msg: "XML-RPC has no infinity"}
	}
	e.buf = append(e.buf, "<bigdecimal>"...)
	e.buf = f.Append(e.buf, 'g', -1)
	e.buf = append(e.buf, "</bigdecimal>"...)
	return nil
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).IsZero()
		}
	}
	return false
}

// escapeClass tells, per ASCII byte, whether appendEscaped must look at it.
var escapeClass = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\t' && c != '\n'
	}
	t['<'], t['>'], t['&'] = true, true, true
	return t
}()

type escapeError string

func (e escapeError) Error() string { return string(e) }

// appendEscaped appends s as XML character data. '<', '&' and '>' become entities and CR becomes
// &#13; so that it survives line-end normalisation. Invalid UTF-8 and characters XML cannot carry
// are an error: the encoder never writes a document a conforming parser would reject.
func appendEscaped(dst []byte, s string) ([]byte, error) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !escapeClass[c] {
				i++
				continue
			}
			dst = append(dst, s[last:i]...)
			switch c {
			case '<':
				dst = append(dst, "&lt;"...)
			case '>':
				dst = append(dst, "&gt;"...)
			case '&':
				dst = append(dst, "&amp;"...)
			case '\r':
				dst = append(dst, "&#13;"...)
			default:
				return dst, escapeError("character " + strconv.QuoteRune(rune(c)) + " cannot be carried by XML")
			}
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return dst, escapeError("invalid UTF-8")
		}
		if r == 0xFFFE || r == 0xFFFF {
			return dst, escapeError("character " + strconv.QuoteRune(r) + " cannot be carried by XML")
		}
		i += n
	}
	return append(dst, s[last:]...), nil
}
