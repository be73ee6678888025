package xmlrpc

import (
	"github.com/harp-rpc/harp/internal/intern"

	"bytes"
	"reflect"
	"strconv"
	"sync"
	"time"
)

// decoderPool holds decoders between documents, so that parsing allocates nothing of its own.
var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// getDecoder returns a decoder from the pool, reset to scan data from pos. Callers that are done
// with it return it with putDecoder.
func getDecoder(o *DecodeOptions, data []byte, pos int) *decoder {
	d := decoderPool.Get().(*decoder)
	scratch := d.scratch[:0]
	*d = decoder{disallowUnknown: o.DisallowUnknownFields, strict: o.Strict, maxDepth: o.maxDepth(), maxValues: o.maxValues(), loc: o.Location}
	d.scratch = scratch
	d.data = data
	d.pos = pos
	if d.loc == nil {
		d.loc = time.UTC
	}
	return d
}

// putDecoder returns d to the pool, dropping its references to the caller's data.
func putDecoder(d *decoder) {
	if cap(d.scratch) > 64<<10 {
		d.scratch = nil // do not pin large buffers
	}
	d.data = nil
	d.loc = nil
	decoderPool.Put(d)
}

// fullCall is DecodeCallTo's general path.
func (d *decoder) fullCall(c *Call, offsets []int) error {
	root, err := d.startTag()
	if err != nil {
		return err
	}
	if string(root.local) != "methodCall" || root.empty {
		return d.invalidAt(0, "root element is <"+string(root.qname)+">, want <methodCall>")
	}
	nt, err := d.expectStart("methodName")
	if err != nil {
		return err
	}
	var name []byte
	if !nt.empty {
		if name, err = d.text(); err != nil {
			return err
		}
		name = trimSpace(name)
		if err := d.readEndTag(nt.qname); err != nil {
			return err
		}
	}
	if len(name) == 0 {
		return d.invalidf("empty methodName")
	}
	c.Method = intern.Bytes(name)
	c.offsets = offsets
	if c.offsets == nil {
		c.offsets = c.offBuf[:0]
	}
	c.data = d.data
	end, err := d.atEndTag()
	if err != nil {
		return err
	}
	if !end {
		pt, open, err := d.openParams()
		if err != nil {
			return err
		}
		for open {
			t, ok, err := d.nextParam(pt)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			c.offsets = append(c.offsets, d.pos)
			if err := d.valueDec(reflect.Value{}, nil); err != nil {
				return err
			}
			if err := d.endParam(t); err != nil {
				return err
			}
		}
	}
	if err := d.endTag(root.qname); err != nil {
		return err
	}
	return d.end()
}

// methodResponse parses the <methodResponse> document d holds, decoding its value into rv (the
// zero Value discards it) or returning its *Fault. Without defers of its own, so that its many
// returns stay cheap.
func (d *decoder) methodResponse(rv reflect.Value) error {
	var err error
	root := tagMethodResponse
	if err := d.skipMisc(); err != nil {
		return err
	}
	if !d.lit("<methodResponse>") {
		if root, err = d.startTag(); err != nil {
			return err
		}
		if string(root.local) != "methodResponse" || root.empty {
			return d.invalidAt(0, "root element is <"+string(root.qname)+">, want <methodResponse>")
		}
	}
	t := tagParams
	if !d.lit("<params>") {
		if t, err = d.startTag(); err != nil {
			return err
		}
	}
	var fault *Fault
	switch string(t.local) {
	case "params":
		for n := 0; !t.empty; n++ {
			pt, ok, err := d.nextParam(t)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if n > 0 {
				return d.invalidf("response has more than one param")
			}
			if err := d.value(rv); err != nil {
				return err
			}
			if err := d.endParam(pt); err != nil {
				return err
			}
		}
	case "fault":
		if t.empty {
			return d.invalidf("empty <fault>")
		}
		if fault, err = d.fault(); err != nil {
			return err
		}
		if err := d.endTag(t.qname); err != nil {
			return err
		}
	default:
		return d.invalidf("unexpected <" + string(t.qname) + "> in methodResponse")
	}
	if !d.lit("</methodResponse>") {
		if err := d.endTag(root.qname); err != nil {
			return err
		}
	}
	if err := d.end(); err != nil {
		return err
	}
	if fault != nil {
		return fault
	}
	return nil
}

// decoder is the state of one decoding.
type decoder struct {
	scanner
	// disallowUnknown is DecodeOptions.DisallowUnknownFields. The decoder copies what it needs
	// of the options rather than pointing at them, so that options passed by value stay on
	// the caller's stack.
	disallowUnknown bool
	strict          bool // DecodeOptions.Strict: no input dialects
	maxDepth        int
	depth           int
	maxValues       int // the most <value> elements openValue opens
	values          int
	loc             *time.Location
	// vstart is where the <value> start tag openValue read last begins, for RawValue.
	vstart int
}

// end checks that only white space, comments and processing instructions follow the root.
func (d *decoder) end() error {
	if err := d.skipMisc(); err != nil {
		return err
	}
	if d.pos != len(d.data) {
		return d.errorf("unexpected content after the root element")
	}
	return nil
}

// Tags of the fixed structure, for the fast path.
const (
	litValue     = "<value>"
	litValueEnd  = "</value>"
	litMember    = "<member>"
	litMemberEnd = "</member>"
	litName      = "<name>"
	litNameEnd   = "</name>"
	litData      = "<data>"
)

// plainTag is the tag of an element opened through the fast path: no prefix, no attributes.
func plainTag(lit string) tag {
	name := []byte(lit[1 : len(lit)-1])
	return tag{qname: name, local: name}
}

var (
	tagParams         = plainTag("<params>")
	tagParam          = plainTag("<param>")
	tagMethodResponse = plainTag("<methodResponse>")
	tagValue          = plainTag(litValue)
	tagMember         = plainTag(litMember)
	tagName           = plainTag(litName)
	tagData           = plainTag(litData)
)

// expectStart reads a start tag whose local name must be name; lit is "<name>", tried first.
func (d *decoder) expectStart(name string) (tag, error) {
	switch name {
	case "value":
		if d.lit(litValue) {
			return tagValue, nil
		}
	case "name":
		if d.lit(litName) {
			return tagName, nil
		}
	}
	t, err := d.startTag()
	if err != nil {
		return t, err
	}
	if string(t.local) != name {
		return t, d.invalidf("unexpected <" + string(t.qname) + ">, want <" + name + ">")
	}
	return t, nil
}

// child reads the next child start tag of parent, or parent's end tag (end is then true).
func (d *decoder) child(parent []byte) (t tag, end bool, err error) {
	if err := d.skipMisc(); err != nil {
		return t, false, err
	}
	if d.pos+1 < len(d.data) && d.data[d.pos] == '<' && d.data[d.pos+1] == '/' {
		return t, true, d.readEndTag(parent)
	}
	t, err = d.startTag()
	return t, false, err
}

// nextParam moves to the next <param>'s <value> inside the params element pt; at </params> it
// reads the end tag and reports false.
func (d *decoder) nextParam(pt tag) (tag, bool, error) {
	if d.lit("<param>") {
		return tagParam, true, nil
	}
	t, end, err := d.child(pt.qname)
	if err != nil || end {
		return t, false, err
	}
	if string(t.local) != "param" || t.empty {
		return t, false, d.invalidf("unexpected <" + string(t.qname) + "> in params, want <param>")
	}
	return t, true, d.skipMisc()
}

// endParam reads the </param> of a parameter opened by nextParam.
func (d *decoder) endParam(t tag) error {
	if d.lit("</param>") {
		return nil
	}
	return d.endTag(t.qname)
}

// openParams reads the <params> start tag; it reports false for <params/>.
func (d *decoder) openParams() (tag, bool, error) {
	if d.lit("<params>") {
		return tagParams, true, nil
	}
	t, err := d.expectStart("params")
	return t, !t.empty, err
}

// fault decodes the <value> of a <fault>, which must be a struct of exactly an integer faultCode
// and a string faultString.
func (d *decoder) fault() (*Fault, error) {
	if err := d.skipMisc(); err != nil {
		return nil, err
	}
	start := d.pos
	var m any
	if err := d.value(reflect.ValueOf(&m).Elem()); err != nil {
		return nil, err
	}
	bad := func(msg string) error {
		return &SyntaxError{Offset: int64(start), Msg: ErrNotFault.Error() + ": " + msg, err: ErrNotFault}
	}
	s, ok := m.(map[string]any)
	if !ok {
		return nil, bad("fault value is not a struct")
	}
	f := &Fault{}
	for k, v := range s {
		switch k {
		case "faultCode":
			switch c := v.(type) {
			case int:
				f.Code = c
			case int64:
				if int64(int(c)) != c {
					return nil, bad("faultCode out of range")
				}
				f.Code = int(c)
			default:
				return nil, bad("faultCode is not an integer")
			}
		case "faultString":
			str, ok := v.(string)
			if !ok {
				return nil, bad("faultString is not a string")
			}
			f.String = str
		default:
			return nil, bad("unexpected member " + strconv.Quote(k))
		}
	}
	if _, ok := s["faultCode"]; !ok {
		return nil, bad("no faultCode")
	}
	if _, ok := s["faultString"]; !ok {
		return nil, bad("no faultString")
	}
	return f, nil
}

// withDecodePath prefixes the location of a decoding error with elem.
func withDecodePath(err error, elem string) error {
	switch e := err.(type) {
	case *UnmarshalTypeError:
		e.Path = joinPath(elem, e.Path)
	case *UnknownMemberError:
		e.Path = joinPath(elem, e.Path)
	}
	return err
}

// kind identifies an XML-RPC type element.
type kind uint8

const (
	kString kind = iota // also untyped text
	kInt                // int, i4, i1, i2
	kI8
	kBool
	kDouble // double, float
	kDateTime
	kBase64
	kArray
	kStruct
	kNil
	kBigInt
	kBigDecimal
	kUnknown
)

var kindNames = [...]string{
	kString: "string", kInt: "int", kI8: "i8", kBool: "boolean", kDouble: "double",
	kDateTime: "dateTime.iso8601", kBase64: "base64", kArray: "array", kStruct: "struct",
	kNil: "nil", kBigInt: "biginteger", kBigDecimal: "bigdecimal",
}

func kindOf(local []byte) kind {
	switch string(local) {
	case "string":
		return kString
	case "int", "i4", "i1", "i2":
		return kInt
	case "i8":
		return kI8
	case "boolean":
		return kBool
	case "double", "float":
		return kDouble
	case "dateTime.iso8601":
		return kDateTime
	case "base64":
		return kBase64
	case "array":
		return kArray
	case "struct":
		return kStruct
	case "nil":
		return kNil
	case "biginteger":
		return kBigInt
	case "bigdecimal":
		return kBigDecimal
	}
	return kUnknown
}

// elem is the type element inside a <value>, already opened; for an untyped value it holds the
// text.
type elem struct {
	kind   kind
	tag    tag
	offset int
	text   []byte // untyped: the value's text
	typed  bool
}

// value decodes one <value> element at the current position into v (a settable value), or only
// validates it when v is the zero Value.
func (d *decoder) value(v reflect.Value) error {
	if !v.IsValid() {
		return d.valueDec(v, nil)
	}
	return d.valueDec(v, decoderFor(v.Type()))
}

// valueDec decodes one <value> element into v with dec, or validates it when dec is nil.
func (d *decoder) valueDec(v reflect.Value, dec decoderFunc) error {
	var el elem
	vt, err := d.openValue(&el)
	if err != nil {
		return err
	}
	if dec == nil {
		err = d.skip(&el)
	} else {
		err = dec(d, el, v)
	}
	if err != nil {
		return err
	}
	return d.closeValue(&el, vt)
}

// valueAny decodes one <value> element into its natural Go type.
func (d *decoder) valueAny() (any, error) {
	var el elem
	vt, err := d.openValue(&el)
	if err != nil {
		return nil, err
	}
	x, err := d.natural(&el)
	if err != nil {
		return nil, err
	}
	return x, d.closeValue(&el, vt)
}

// openValue reads a <value> start tag and what follows up to the typed element's start tag, or,
// for an untyped value, its text and end tag.
func (d *decoder) openValue(el *elem) (tag, error) {
	vt := tagValue
	if d.values++; d.values > d.maxValues {
		return vt, &LimitError{What: "values", Limit: int64(d.maxValues)}
	}
	if d.lit(litValue) {
		d.vstart = d.pos - len(litValue)
	} else {
		if err := d.skipMisc(); err != nil {
			return vt, err
		}
		d.vstart = d.pos
		var err error
		if vt, err = d.expectStart("value"); err != nil {
			return vt, err
		}
	}
	el.offset = d.pos
	if vt.empty {
		el.text = d.data[d.pos:d.pos] // <value/>: the empty string
		return vt, nil
	}
	// Fast path: <value><TYPE> with nothing between.
	if d.pos+1 < len(d.data) && d.data[d.pos] == '<' && isNameStart(d.data[d.pos+1]) {
		el.typed = true
		if d.typeTag(el) {
			return vt, nil
		}
	}
	txt, err := d.text()
	if err != nil {
		return vt, err
	}
	if d.pos+1 < len(d.data) && d.data[d.pos+1] == '/' {
		el.text = txt
		return vt, d.readEndTag(vt.qname)
	}
	if !isBlank(txt) {
		return vt, d.invalidAt(el.offset, "text mixed with a typed value")
	}
	el.offset = d.pos
	el.typed = true
	if d.typeTag(el) {
		return vt, nil
	}
	if el.tag, err = d.readStartTag(); err != nil {
		return vt, err
	}
	el.kind = kindOf(el.tag.local)
	if el.kind == kUnknown {
		return vt, d.invalidAt(el.offset, "unknown value type <"+string(el.tag.qname)+">")
	}
	return vt, nil
}

// typeTags are the type elements the fast path recognises, by their first letter.
var typeTags = func() (t [256][]typeLit) {
	for _, tl := range []typeLit{
		{"<int>", kInt}, {"<i4>", kInt}, {"<i8>", kI8}, {"<string>", kString}, {"<struct>", kStruct},
		{"<double>", kDouble}, {"<dateTime.iso8601>", kDateTime}, {"<boolean>", kBool},
		{"<base64>", kBase64}, {"<array>", kArray}, {"<nil/>", kNil}, {"<string/>", kString},
		{"<struct/>", kStruct}, {"<array/>", kArray}, {"<base64/>", kBase64},
	} {
		t[tl.lit[1]] = append(t[tl.lit[1]], tl)
	}
	return t
}()

type typeLit struct {
	lit  string
	kind kind
}

// typeTag is the fast path for a type element's start tag at d.pos: a plain known tag such as
// <int> or <nil/>. It reports false, consuming nothing, for anything else.
func (d *decoder) typeTag(el *elem) bool {
	r := d.data[d.pos:]
	if len(r) < 2 {
		return false
	}
	for _, tl := range typeTags[r[1]] {
		if len(r) >= len(tl.lit) && string(r[:len(tl.lit)]) == tl.lit {
			empty := tl.lit[len(tl.lit)-2] == '/'
			name := r[1 : len(tl.lit)-1]
			if empty {
				name = name[:len(name)-1]
			}
			el.kind = tl.kind
			el.tag = tag{qname: name, local: name, empty: empty}
			d.pos += len(tl.lit)
			return true
		}
	}
	return false
}

// closeValue reads the </value> after a typed element.
func (d *decoder) closeValue(el *elem, vt tag) error {
	if el.typed && !vt.empty {
		if d.lit(litValueEnd) {
			return nil
		}
		return d.endTag(vt.qname)
	}
	return nil
}

// scalar returns the text of a scalar type element and reads its end tag. For untyped values it
// returns the value's text. The result is valid until the next text read.
func (d *decoder) scalar(el *elem) ([]byte, error) {
	if !el.typed {
		return el.text, nil
	}
	if el.tag.empty {
		return nil, nil
	}
	txt, err := d.text()
	if err != nil {
		return nil, err
	}
	if err := d.readEndTag(el.tag.qname); err != nil {
		return nil, err
	}
	return txt, nil
}

// nilValue consumes a <nil/> element, which must be empty.
func (d *decoder) nilValue(el *elem) error {
	txt, err := d.scalar(el)
	if err != nil {
		return err
	}
	if len(trimSpace(txt)) != 0 {
		return d.invalidAt(el.offset, "<nil> must be empty")
	}
	return nil
}

func (d *decoder) enter(offset int) error {
	d.depth++
	if d.depth > d.maxDepth {
		return &LimitError{What: "depth", Limit: int64(d.maxDepth), err: ErrTooDeep}
	}
	return nil
}

// arrayItems calls each for every <value> of an array element (positioned at the <value>).
func (d *decoder) arrayItems(el *elem, each func(i int) error) error {
	if err := d.enter(el.offset); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	if el.tag.empty {
		return nil
	}
	dt := tagData
	if !d.lit(litData) {
		var end bool
		var err error
		if dt, end, err = d.child(el.tag.qname); err != nil || end {
			return err // <array></array>: empty
		}
		if string(dt.local) != "data" {
			return d.invalidf("unexpected <" + string(dt.qname) + "> in array, want <data>")
		}
	}
	if !dt.empty {
		for i := 0; ; i++ {
			end, err := d.atEndTag()
			if err != nil {
				return err
			}
			if end {
				if err := d.readEndTag(dt.qname); err != nil {
					return err
				}
				break
			}
			if err := each(i); err != nil {
				return withDecodePath(err, "["+strconv.Itoa(i)+"]")
			}
		}
	}
	return d.endTag(el.tag.qname)
}

// structMembers calls each for every member of a struct element, with the member's name (valid
// only until the value is read) and the decoder positioned at the member's <value>.
func (d *decoder) structMembers(el *elem, each func(name []byte) error) error {
	if err := d.enter(el.offset); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	if el.tag.empty {
		return nil
	}
	for {
		mt := tagMember
		if !d.lit(litMember) {
			var end bool
			var err error
			if mt, end, err = d.child(el.tag.qname); err != nil {
				return err
			}
			if end {
				return nil
			}
			if string(mt.local) != "member" || mt.empty {
				return d.invalidf("unexpected <" + string(mt.qname) + "> in struct, want <member>")
			}
		}
		nt, err := d.expectStart("name")
		if err != nil {
			return err
		}
		var name []byte
		if !nt.empty {
			if name, err = d.text(); err != nil {
				return err
			}
			if err := d.readEndTag(nt.qname); err != nil {
				return err
			}
		}
		if err := d.skipMisc(); err != nil {
			return err
		}
		if err := each(name); err != nil {
			return err
		}
		if d.lit(litMemberEnd) {
			continue
		}
		if err := d.endTag(mt.qname); err != nil {
			return err
		}
	}
}

// typeError builds an UnmarshalTypeError for el going into t.
func typeError(el *elem, t reflect.Type, msg string) error {
	return &UnmarshalTypeError{Value: kindNames[el.kind], Type: t, Offset: int64(el.offset), Msg: msg}
}

// isBlank reports whether b is all white space.
func isBlank(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }
