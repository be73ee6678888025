package xmlrpc

import (
	"bytes"
	"reflect"
	"unicode/utf8"
)

// RawValue is one complete, encoded XML-RPC <value> element, as encoding/json's RawMessage is
// one JSON value: a forwarder can take a value out of one document and put it into another
// without building it.
//
// Decoding into a RawValue (a *RawValue target of Unmarshal, UnmarshalResponse or
// Call.DecodeParam, a struct field, a slice or map element) checks the value exactly as any
// other target does, every limit included, builds nothing, and stores the element's bytes from
// its <value> start tag to its </value> end tag as they appear in the document. The bytes are
// copied into the RawValue (reusing its capacity), so it outlives the document, which a server
// reuses. They are UTF-8: a document in another encoding is converted before it is parsed, and
// entity and character references are kept as written. A RawValue obtained by decoding is
// therefore valid by construction.
//
// Encoding a RawValue writes the content of its <value> element verbatim inside the <value> the
// encoder writes, so a value tag's own attributes (a namespace declaration, say) are not carried
// over, and a namespace prefix inside (ex:i8) is written as it came: harp and CPython ignore
// prefixes, but a namespace-checking peer may want DialectApache's declaration around it. Encoding
// re-validates the RawValue first (one complete <value> element, nothing around it, UTF-8,
// nested at most DefaultMaxDepth deep), as json.Marshal does a RawMessage, and fails with an
// *UnsupportedValueError otherwise; this costs a scan without allocation. A nil or empty
// RawValue encodes as the empty string, <value></value>.
type RawValue []byte

var rawValueType = reflect.TypeFor[RawValue]()

// RawParam returns parameter i as a RawValue: the parameter's <value> element, checked and
// copied, never decoded. It is DecodeParam with a *RawValue target.
func (c *Call) RawParam(i int) (RawValue, error) {
	var r RawValue
	if err := c.DecodeParam(i, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// rawValueDecoder stores the element it is handed, from the <value> start tag openValue
// recorded at d.vstart to its end tag, after checking it as skip does.
func rawValueDecoder(d *decoder, e elem, v reflect.Value) error {
	start := d.vstart
	el := &e
	if err := d.skip(el); err != nil {
		return err
	}
	end := d.pos
	if el.typed {
		// The </value> follows, for valueDec's closeValue to read: read it here as well to know
		// where the element ends, and go back.
		p := d.pos
		if err := d.endTag(startTagName(d.data, start)); err != nil {
			return err
		}
		end, d.pos = d.pos, p
	}
	v.SetBytes(append(v.Bytes()[:0], d.data[start:end]...))
	return nil
}

// startTagName returns the qualified name of the start tag at data[i], which holds '<'.
func startTagName(data []byte, i int) []byte {
	n := i + 1
	for n < len(data) && isNameByte(data[n]) {
		n++
	}
	return data[i+1 : n]
}

// rawOptions are the limits a RawValue is checked against when it is encoded.
var rawOptions DecodeOptions

// writeRaw writes the content of the <value> element r, after checking it.
func (e *encState) writeRaw(r RawValue) error {
	inner, err := r.inner()
	if err != nil {
		return &UnsupportedValueError{Value: "RawValue", Msg: err.Error(), err: err}
	}
	e.buf = append(e.buf, inner...)
	return nil
}

// inner checks that r is exactly one valid <value> element and returns its content; an empty r
// has an empty content.
func (r RawValue) inner() ([]byte, error) {
	if len(r) == 0 {
		return nil, nil
	}
	if !isASCII(r) {
		if !utf8.Valid(r) {
			return nil, &SyntaxError{Offset: int64(invalidUTF8Offset(r)), Msg: "invalid UTF-8"}
		}
		if i := nonCharOffset(r); i >= 0 {
			return nil, &SyntaxError{Offset: int64(i), Msg: "U+FFFE and U+FFFF are not XML characters"}
		}
	}
	if len(r) < 2 || r[0] != '<' || !isNameStart(r[1]) {
		return nil, &SyntaxError{Msg: "a RawValue must start with its <value> tag", err: ErrInvalid}
	}
	d := getDecoder(&rawOptions, r, 0)
	defer putDecoder(d)
	if err := d.valueDec(reflect.Value{}, nil); err != nil {
		return nil, err
	}
	if d.pos != len(r) {
		return nil, d.invalidf("a RawValue must hold one <value> element and nothing else")
	}
	d.pos = 0
	t, err := d.readStartTag()
	if err != nil || t.empty {
		return nil, err
	}
	return r[d.pos:bytes.LastIndex(r, []byte("</"))], nil
}
