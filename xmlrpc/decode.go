package xmlrpc

import (
	"io"
	"reflect"
	"time"

	"github.com/harp-rpc/harp/internal/fastpath"
)

// Default limits for decoding. They apply unless DecodeOptions (or a Decoder setter) changes them.
const (
	// DefaultMaxDepth is how deeply arrays and structs may nest.
	DefaultMaxDepth = 100
	// DefaultMaxSize is the largest document, in bytes, a decoder reads.
	DefaultMaxSize = 64 << 20
	// DefaultMaxValues bounds the <value> elements in one document (every parameter, array
	// element and struct member's value counts), so that decoding costs a bounded multiple of
	// the document: like jsonrpc.DefaultMaxValues.
	DefaultMaxValues = 1_000_000
)

// Unmarshaler is implemented by types that decode themselves: UnmarshalXMLRPC receives the value
// decoded into its natural Go type (as for an `any` target).
type Unmarshaler interface {
	UnmarshalXMLRPC(v any) error
}

// DecodeOptions configures decoding. The zero value applies the default limits. It is safe to
// share between goroutines.
type DecodeOptions struct {
	// MaxDepth limits how deeply arrays and structs nest; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxSize limits the document size in bytes; 0 means DefaultMaxSize, a negative value none.
	MaxSize int64
	// MaxValues limits the <value> elements in one document; 0 means DefaultMaxValues.
	MaxValues int
	// DisallowUnknownFields makes a struct member with no matching Go field an error
	// (*UnknownMemberError) instead of being ignored.
	DisallowUnknownFields bool
	// Location is the time zone of dateTime values that carry none; nil means UTC.
	Location *time.Location
	// Strict refuses the input dialects that are read by default because nothing about them is
	// ambiguous: <boolean>true</boolean> and false in any case (davexmlrpc), and <int>, <i4>,
	// <i1> or <i2> values beyond 32 bits, read as 64-bit (Node's xmlrpc sends 5000000000 as
	// <int>, and CPython reads it). With Strict, a boolean is 0 or 1 and an int fits 32 bits, as
	// the specification says. Encoding is always strict.
	Strict bool
}

func (o *DecodeOptions) maxDepth() int {
	if o.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return o.MaxDepth
}

func (o *DecodeOptions) maxValues() int {
	if o.MaxValues <= 0 {
		return DefaultMaxValues
	}
	return o.MaxValues
}

func (o *DecodeOptions) maxSize() int64 {
	if o.MaxSize == 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

// prepare applies the size limit and returns the document as UTF-8, ready to scan.
func (o *DecodeOptions) prepare(data []byte) (*decoder, error) {
	data, err := o.utf8(data)
	if err != nil {
		return nil, err
	}
	return getDecoder(o, data, 0), nil
}

// utf8 checks data against the size limit and returns it as UTF-8.
func (o *DecodeOptions) utf8(data []byte) ([]byte, error) {
	max := o.maxSize()
	if max > 0 && int64(len(data)) > max {
		return nil, &LimitError{What: "size", Limit: max, err: ErrTooLarge}
	}
	return toUTF8(data, max)
}

// Unmarshal decodes a lone <value> document (as Marshal writes) into v, which must be a non-nil
// pointer.
func (o DecodeOptions) Unmarshal(data []byte, v any) error {
	rv, err := targetOf(v)
	if err != nil {
		return err
	}
	d, err := o.prepare(data)
	if err != nil {
		return err
	}
	defer putDecoder(d)
	if err := d.skipMisc(); err != nil {
		return err
	}
	if err := d.value(rv); err != nil {
		return err
	}
	return d.end()
}

// DecodeCall parses a <methodCall> document. The whole document is checked before DecodeCall
// returns, so a truncated or malformed call is refused before anything runs; the parameters are
// then decoded on demand, straight into typed Go values, with Call.DecodeParam. The Call refers
// to data, which must not change while the Call is in use.
func (o DecodeOptions) DecodeCall(data []byte) (*Call, error) {
	c := new(Call)
	if err := o.DecodeCallTo(c, data); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeCallTo is DecodeCall decoding into c, whose previous content it replaces, so that a
// server can reuse its Calls instead of allocating one per request. On error c is left reset.
func (o DecodeOptions) DecodeCallTo(c *Call, data []byte) error {
	offsets := c.offsets[:0] // a reused Call keeps the room it grew for many parameters
	if cap(offsets) <= len(c.offBuf) {
		offsets = nil
	}
	*c = Call{opts: o}
	data, err := o.utf8(data)
	if err == nil {
		// The plain shape goes through fastCall with a decoder on the stack (it uses none of the
		// options'); anything else through fullCall with a pooled one, from the start.
		if fastpath.Enabled {
			fd := decoder{scanner: scanner{data: data}}
			if fd.fastCall(c, offsets) && len(c.offsets) <= o.maxValues() {
				return nil
			}
			*c = Call{opts: o}
		}
		d := getDecoder(&o, data, 0)
		err = d.fullCall(c, offsets)
		putDecoder(d)
	}
	if err != nil {
		*c = Call{}
	}
	return err
}

// UnmarshalResponse decodes a <methodResponse> document. A successful response's value is
// decoded into v (a non-nil pointer, or nil to discard it); a fault response returns a *Fault as
// the error, so errors.As tells a remote fault from a decoding failure.
func (o DecodeOptions) UnmarshalResponse(data []byte, v any) error {
	var rv reflect.Value
	if v != nil {
		var err error
		if rv, err = targetOf(v); err != nil {
			return err
		}
	}
	d, err := o.prepare(data)
	if err != nil {
		return err
	}
	err = d.methodResponse(rv)
	putDecoder(d)
	return err
}

// Unmarshal decodes a lone <value> document into v with the default options.
func Unmarshal(data []byte, v any) error { return DecodeOptions{}.Unmarshal(data, v) }

// DecodeCall parses a <methodCall> document with the default options.
func DecodeCall(data []byte) (*Call, error) { return DecodeOptions{}.DecodeCall(data) }

// UnmarshalResponse decodes a <methodResponse> document with the default options.
func UnmarshalResponse(data []byte, v any) error {
	return DecodeOptions{}.UnmarshalResponse(data, v)
}

func targetOf(v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return reflect.Value{}, &InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	return rv.Elem(), nil
}

// Decoder reads XML-RPC documents from a stream. Each Decode method reads the stream to its end
// through the size limit (DefaultMaxSize unless set), so it never holds more than the limit.
type Decoder struct {
	r    io.Reader
	opts DecodeOptions
	buf  []byte
}

// NewDecoder returns a Decoder reading from r with the default limits.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: r} }

// SetMaxDepth limits how deeply arrays and structs nest (DefaultMaxDepth by default).
func (d *Decoder) SetMaxDepth(n int) { d.opts.MaxDepth = n }

// SetMaxSize limits the document size in bytes (DefaultMaxSize by default; negative for none).
func (d *Decoder) SetMaxSize(n int64) { d.opts.MaxSize = n }

// DisallowUnknownFields makes struct members without a matching Go field an error.
func (d *Decoder) DisallowUnknownFields() { d.opts.DisallowUnknownFields = true }

// SetStrict refuses the input dialects read by default (see DecodeOptions.Strict).
func (d *Decoder) SetStrict(strict bool) { d.opts.Strict = strict }

// SetLocation sets the time zone of dateTime values that carry none (UTC by default).
func (d *Decoder) SetLocation(loc *time.Location) { d.opts.Location = loc }

// read reads the whole stream through the size limit.
func (d *Decoder) read() ([]byte, error) {
	max := d.opts.maxSize()
	buf := d.buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := d.r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if max > 0 && int64(len(buf)) > max {
			return nil, &LimitError{What: "size", Limit: max, err: ErrTooLarge}
		}
		if err == io.EOF {
			d.buf = buf
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Decode reads a lone <value> document into v.
func (d *Decoder) Decode(v any) error {
	data, err := d.read()
	if err != nil {
		return err
	}
	return d.opts.Unmarshal(data, v)
}

// DecodeCall reads a <methodCall> document. The returned Call keeps its own copy of the data.
func (d *Decoder) DecodeCall() (*Call, error) {
	data, err := d.read()
	if err != nil {
		return nil, err
	}
	d.buf = nil // the Call keeps data
	return d.opts.DecodeCall(data)
}

// DecodeResponse reads a <methodResponse> document into v; a fault is returned as a *Fault.
func (d *Decoder) DecodeResponse(v any) error {
	data, err := d.read()
	if err != nil {
		return err
	}
	return d.opts.UnmarshalResponse(data, v)
}
