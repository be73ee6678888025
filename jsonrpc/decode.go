package jsonrpc

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"sync"
)

// Default limits of DecodeOptions. Zero fields of DecodeOptions mean these.
const (
	DefaultMaxDepth = 100      // nesting of arrays and objects, the request envelope included
	DefaultMaxSize  = 64 << 20 // bytes in one document
	DefaultMaxBatch = 1000     // entries in one batch
	// DefaultMaxValues bounds the values in one document (every array element and object member,
	// at every level). JSON is dense: "[{},{},...]" costs about 40 bytes of memory per 3 bytes of
	// input once decoded into interfaces, so without this a body within the size limit could
	// claim hundreds of megabytes.
	DefaultMaxValues = 1_000_000
)

// DecodeOptions control decoding. The zero value applies the default limits, which are safe on
// untrusted input: every document is checked in full (grammar, UTF-8, duplicate member names,
// nesting, number length, count of values) before any value is built, in time linear in its size.
type DecodeOptions struct {
	// MaxDepth is the deepest nesting of arrays and objects accepted; 0 means DefaultMaxDepth. The
	// request object and a batch around it count as levels.
	MaxDepth int
	// MaxSize is the largest document accepted, in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// MaxBatch is the most entries a batch may hold; 0 means DefaultMaxBatch.
	MaxBatch int
	// MaxValues is the most values a document may hold; 0 means DefaultMaxValues.
	MaxValues int
	// DisallowUnknownFields makes decoding into a struct fail with an *UnknownFieldError for an
	// object member that matches no field, instead of ignoring it.
	DisallowUnknownFields bool
}

func (o *DecodeOptions) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

func (o *DecodeOptions) maxValues() int {
	if o.MaxValues > 0 {
		return o.MaxValues
	}
	return DefaultMaxValues
}

// scanner returns a scanner of data with o's limits.
func (o *DecodeOptions) scanner(data []byte) scanner {
	return scanner{data: data, maxDepth: o.maxDepth(), maxValues: o.maxValues()}
}

func (o *DecodeOptions) checkSize(data []byte) error {
	limit := o.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	if int64(len(data)) > limit {
		return &LimitError{What: "size", Limit: limit, Offset: limit, err: ErrTooLarge}
	}
	return nil
}

// Unmarshal decodes the JSON value in data into v, a non-nil pointer, with the default options.
func Unmarshal(data []byte, v any) error { return DecodeOptions{}.Unmarshal(data, v) }

// Unmarshal decodes the JSON value in data into v, a non-nil pointer. The whole document is
// validated first; nothing is stored into v when it is refused.
func (o DecodeOptions) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	if err := o.checkSize(data); err != nil {
		return err
	}
	s := o.scanner(data)
	if err := s.value(); err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	d := newDecoderState(data, 0, o.DisallowUnknownFields)
	defer d.release()
	d.ws()
	return decoderFor(rv.Type().Elem())(d, rv.Elem())
}

// decoder builds Go values from JSON text the scanner has already accepted, so it checks types
// and ranges but not the grammar.
type decoder struct {
	data            []byte
	pos             int
	disallowUnknown bool
	buf             []byte // scratch for unescaping
}

type decoderFunc func(d *decoder, v reflect.Value) error

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// newDecoderState returns a decoder from a pool, reading data from pos: decoding costs no
// allocation of its own, and the unescaping buffer is reused.
func newDecoderState(data []byte, pos int, disallowUnknown bool) *decoder {
	d := decoderPool.Get().(*decoder)
	*d = decoder{data: data, pos: pos, disallowUnknown: disallowUnknown, buf: d.buf[:0]}
	return d
}

func (d *decoder) release() {
	if cap(d.buf) > 64<<10 {
		d.buf = nil // do not pin a large buffer
	}
	d.data = nil
	decoderPool.Put(d)
}

var decoderCache sync.Map // reflect.Type -> decoderFunc

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// kindName names the JSON type of the value at d.pos, for errors.
func (d *decoder) kindName() string {
	switch d.data[d.pos] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// eachElem calls fn for each element of the array at d.pos, with d.pos at the element, and moves
// past the array. Errors get the element's index in their path.
func (d *decoder) eachElem(fn func(i int) error) error {
	d.pos++ // '['
	d.ws()
	if d.data[d.pos] == ']' {
		d.pos++
		return nil
	}
	for i := 0; ; i++ {
		d.ws()
		if err := fn(i); err != nil {
			return prefixPath(err, "["+strconv.Itoa(i)+"]")
		}
		d.ws()
		c := d.data[d.pos]
		d.pos++
		if c == ']' {
			return nil
		}
	}
}

// eachMember calls fn for each member of the object at d.pos with its unescaped name (valid only
// during the call; a member value that is a string may overwrite it) and d.pos at the value, and
// moves past the object. Errors get the member's name in their path.
func (d *decoder) eachMember(fn func(name []byte) error) error {
	d.pos++ // '{'
	d.ws()
	if d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		name, inBuf := d.str()
		if inBuf { // the value may need d.buf
			name = append([]byte(nil), name...)
		}
		d.ws()
		d.pos++ // ':'
		d.ws()
		if err := fn(name); err != nil {
			return prefixPath(err, string(name))
		}
		d.ws()
		c := d.data[d.pos]
		d.pos++
		if c == '}' {
			return nil
		}
	}
}

// mismatch reports that the value at d.pos cannot go into a value of type t.
func (d *decoder) mismatch(t reflect.Type, msg string) error {
	return &UnmarshalTypeError{Value: d.kindName(), Type: t, Offset: int64(d.pos), Msg: msg}
}

// nextElem returns the offset of the array element after the one d has just moved past, or of the
// closing bracket.
func (d *decoder) nextElem() int {
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ',' {
		d.pos++
		d.ws()
	}
	return d.pos
}

// skip moves past the value at d.pos.
func (d *decoder) skip() {
	switch d.data[d.pos] {
	case '"':
		d.skipString()
	case '{', '[':
		depth := 0
		for d.pos < len(d.data) {
			switch d.data[d.pos] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					d.pos++
					return
				}
			case '"':
				d.skipString()
				continue
			}
			d.pos++
		}
	case 't', 'n':
		d.pos += 4
	case 'f':
		d.pos += 5
	default:
		d.pos += len(d.numberLiteral())
	}
}

func (d *decoder) skipString() {
	i := d.pos + 1
	for ; d.data[i] != '"'; i++ {
		if d.data[i] == '\\' {
			i++
		}
	}
	d.pos = i + 1
}

// stringValue reads the string at d.pos, returning a slice of the input when it has no escapes and
// of d.buf otherwise; the result is valid until the next call.
func (d *decoder) stringValue() []byte {
	b, _ := d.str()
	return b
}

// str is stringValue, also reporting whether the result is in d.buf.
func (d *decoder) str() (b []byte, inBuf bool) {
	start := d.pos + 1
	i := start
	for d.data[i] != '"' {
		if d.data[i] == '\\' {
			d.skipString()
			d.buf = unescape(d.buf[:0], d.data[start:d.pos-1])
			return d.buf, true
		}
		i++
	}
	d.pos = i + 1
	return d.data[start:i], false
}

// numberLiteral returns the number literal at d.pos without moving past it.
func (d *decoder) numberLiteral() []byte {
	i := d.pos
	for i < len(d.data) {
		switch c := d.data[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
			continue
		}
		break
	}
	return d.data[d.pos:i]
}

// isIntLiteral reports whether a number literal has neither fraction nor exponent.
func isIntLiteral(lit []byte) bool {
	for _, c := range lit {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// parseInt parses an integer literal exactly, never through float64.
func parseInt(lit []byte) (int64, bool) {
	neg := len(lit) > 0 && lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	if len(lit) == 0 || len(lit) > 19 { // 19 digits never overflow a uint64
		return 0, false
	}
	var u uint64
	for _, c := range lit {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseUint parses a non-negative integer literal exactly.
func parseUint(lit []byte) (uint64, bool) {
	if len(lit) == 0 || len(lit) > 20 {
		return 0, false
	}
	var u uint64
	for _, c := range lit {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	return u, true
}

// integerOf reads an integer from a number literal: exactly for integer literals, and for literals
// with a fraction or exponent only when they denote an integer that a float64 holds exactly.
func integerOf(lit []byte) (n int64, ok bool) {
	if isIntLiteral(lit) {
		return parseInt(lit)
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxSafeInt {
		return 0, false
	}
	return int64(f), true
}

// natural decodes the value at d.pos into the Go value the package documents for an interface:
// map[string]any, []any, string, bool, nil, int (32-bit range), int64, *big.Int or float64.
func (d *decoder) natural() (any, error) {
	switch d.data[d.pos] {
	case '{':
		m := map[string]any{}
		err := d.eachMember(func(name []byte) error {
			key := string(name)
			x, err := d.natural()
			m[key] = x
			return err
		})
		if err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		s := []any{}
		err := d.eachElem(func(int) error {
			x, err := d.natural()
			s = append(s, x)
			return err
		})
		if err != nil {
			return nil, err
		}
		return s, nil
	case '"':
		return string(d.stringValue()), nil
	case 't':
		d.pos += 4
		return true, nil
	case 'f':
		d.pos += 5
		return false, nil
	case 'n':
		d.pos += 4
		return nil, nil
	}
	return d.naturalNumber()
}

func (d *decoder) naturalNumber() (any, error) {
	at := d.pos
	lit := d.numberLiteral()
	d.pos += len(lit)
	if isIntLiteral(lit) {
		if n, ok := parseInt(lit); ok {
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				return int(n), nil
			}
			return n, nil
		}
		b, _ := new(big.Int).SetString(string(lit), 10)
		return b, nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return nil, &UnmarshalTypeError{Value: "number " + truncate(lit), Type: float64Type, Offset: int64(at), Msg: "out of range"}
	}
	return f, nil
}

var float64Type = reflect.TypeFor[float64]()

func truncate(lit []byte) string {
	if len(lit) > 40 {
		return string(lit[:37]) + "..."
	}
	return string(lit)
}
